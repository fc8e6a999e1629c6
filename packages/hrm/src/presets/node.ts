/** Every preset `hrm` knows, including those on data files (read with node:fs), made on first use. */
import { dataDir } from '../tasks/node.js';
import { arcPreset } from './arc.js';
import { mazeHardPreset, sudokuHardPreset } from './data-files.js';
import { PRESETS } from './index.js';
import type { TaskPreset } from './preset.js';
import { sudokuListsPreset } from './sudoku-lists.js';

/** Makes a preset whose data files (if any) are in the folder `dir`. */
type Factory = (dir: string) => TaskPreset;

const FACTORIES: Readonly<Record<string, Factory>> = {
  ...Object.fromEntries(PRESETS.map((p) => [p.name, () => p])),
  'sudoku-hard': sudokuHardPreset,
  'sudoku-lists': sudokuListsPreset,
  'maze-hard': mazeHardPreset,
  arc: (dir) => arcPreset({ tasks: 10, numAug: 7, dataDir: dir }),
};

/** The names `presetNamed` accepts (`hrm --task`): the built-in presets, then `sudoku-hard`, `sudoku-lists`, `maze-hard` and `arc`. */
export const PRESET_NAMES: readonly string[] = Object.keys(FACTORIES);

const made = new Map<string, TaskPreset>();

/**
 * The preset called `name`, made on first use and shared after, or undefined for an unknown name. The
 * data-file ones read their files from `opts.dataDir` (default: `HRM_DATA`, else the user cache) on
 * first use, `arc` when it is made.
 */
export function presetNamed(name: string, opts: { readonly dataDir?: string } = {}): TaskPreset | undefined {
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (!factory) return undefined;
  const dir = opts.dataDir ?? dataDir();
  const cacheKey = `${name}\0${dir}`;
  let p = made.get(cacheKey);
  if (!p) {
    p = factory(dir);
    made.set(cacheKey, p);
  }
  return p;
}
