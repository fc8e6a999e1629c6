/**
 * Where the shared puzzle data lives (`shared/data` beside the repository: ARC, Sudoku, Maze-Hard).
 * `HRM_DATA` overrides it. Tests that read it are skipped, saying so, on a machine without it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const besideRepo = fileURLToPath(new URL('../../../../../shared/data', import.meta.url));

export function dataDir(): string {
  return process.env.HRM_DATA ?? (existsSync(besideRepo) ? besideRepo : '/work/shared/data');
}

/** A path inside the shared data folder. */
export function sharedData(...parts: string[]): string {
  return join(dataDir(), ...parts);
}

export function hasSharedData(): boolean {
  return existsSync(dataDir());
}
