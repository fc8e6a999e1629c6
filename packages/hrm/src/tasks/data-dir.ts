/**
 * Where the puzzle data files live (ARC-AGI task folders, the hard Sudoku lists, Maze-Hard CSVs): the
 * folder named by `HRM_DATA`, else the user's cache, `$XDG_CACHE_HOME/hrm-ts/data` or
 * `~/.cache/hrm-ts/data`. Commands that read data take `--data DIR` on top. Tests that need the files
 * are skipped, saying so, where the folder does not exist.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The data folder: `HRM_DATA` when set, else `hrm-ts/data` in the user's cache folder. */
export function dataDir(): string {
  const env = process.env.HRM_DATA;
  if (env !== undefined && env !== '') return env;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'hrm-ts', 'data');
}

/** A path inside the data folder, e.g. `dataPath('sudoku', 'tdoku_puzzles2_17_clue.txt')`. */
export function dataPath(...parts: string[]): string {
  return join(dataDir(), ...parts);
}

/** Whether the data folder exists here (tests that need it skip when it does not). */
export function hasDataDir(): boolean {
  return existsSync(dataDir());
}
