/** Every preset `hrm` knows, including those on data files (read with node:fs), made on first use. */
import { arcPreset } from './arc.js';
import { mazeHardPreset, sudokuHardPreset } from './data-files.js';
import { PRESETS } from './index.js';
import type { TaskPreset } from './preset.js';

const FACTORIES: Readonly<Record<string, () => TaskPreset>> = {
  ...Object.fromEntries(PRESETS.map((p) => [p.name, () => p])),
  'sudoku-hard': sudokuHardPreset,
  'maze-hard': mazeHardPreset,
  arc: () => arcPreset({ tasks: 10, numAug: 7 }),
};

/** The names `presetNamed` accepts (`hrm --task`): the built-in presets, then `sudoku-hard`, `maze-hard` and `arc`. */
export const PRESET_NAMES: readonly string[] = Object.keys(FACTORIES);

const made = new Map<string, TaskPreset>();

/** The preset called `name`, made on first use and shared after (the data-file ones read their files then), or undefined for an unknown name. */
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
