/**
 * The data files of a preset, in the data folder (`--data`, else `HRM_DATA`, else the user cache; see
 * tasks/data-dir.ts): all checked present before any is read, so that a missing one is reported with
 * every file the task needs, and read once, with an empty file or a bad line named by its path.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Checked, formatProblem } from '../tasks/index.js';
import { DataError } from './preset.js';

/** Throws a `DataError` listing the files `task` needs in `dir` (the missing ones marked) when one is missing. */
export function requireDataFiles(task: string, dir: string, files: readonly string[]): void {
  const missing = new Set(files.filter((f) => !existsSync(join(dir, f))));
  if (missing.size === 0) return;
  const listed = files.map((f) => (missing.has(f) ? `${f} (missing)` : f)).join(', ');
  throw new DataError(`${task} needs data files in ${dir} (--data or HRM_DATA): ${listed}`);
}

/** A loader's items, or a `DataError` with its first problem (file, line, reason) and how many more there are. */
export function must<T>(checked: Checked<T>, source: string): readonly T[] {
  const [first, ...more] = checked.problems;
  if (first !== undefined)
    throw new DataError(`${formatProblem(first)}${more.length > 0 ? ` (and ${more.length} more problems)` : ''}`);
  if (checked.items.length === 0) throw new DataError(`${source}: no puzzles in the file`);
  return checked.items;
}

/** `f`'s value, computed on the first call. */
export function once<T>(f: () => T): () => T {
  let v: { value: T } | undefined;
  return () => {
    v ??= { value: f() };
    return v.value;
  };
}
