/** Every preset `hrm` knows, including those on the shared data files (read with node:fs), made on first use. */
import { arcPreset } from './arc.js';
import { PRESETS } from './index.js';
import type { TaskPreset } from './preset.js';
import { mazeHardPreset, sudokuHardPreset } from './shared-data.js';

const FACTORIES: Readonly<Record<string, () => TaskPreset>> = {
  ...Object.fromEntries(PRESETS.map((p) => [p.name, () => p])),
  'sudoku-hard': sudokuHardPreset,
  'maze-hard': mazeHardPreset,
  arc: () => arcPreset({ tasks: 10, numAug: 7 }),
};

export const PRESET_NAMES: readonly string[] = Object.keys(FACTORIES);

const made = new Map<string, TaskPreset>();

export function presetNamed(name: string): TaskPreset | undefined {
  const factory = FACTORIES[name];
  if (!factory) return undefined;
  let p = made.get(name);
  if (!p) {
    p = factory();
    made.set(name, p);
  }
  return p;
}
