/** Loading a Maze-Hard CSV from disk (node:fs); see `load.ts` for what is checked. */
import * as E from 'fp-ts/lib/Either.js';
import type { Checked } from '../problems.js';
import { readText } from '../read-text.js';
import { type MazeCsvOptions, type MazeItem, parseMazeCsv } from './load.js';

/** The checked items of the Maze-Hard CSV at `path`, or a single problem when the file cannot be read. */
export function loadMazeCsv(path: string, opts: MazeCsvOptions = {}): Checked<MazeItem> {
  const text = readText(path);
  return E.isLeft(text) ? { items: [], problems: [text.left] } : parseMazeCsv(text.right, path, opts);
}
