/** Loading a Sudoku list from disk (node:fs); see `load.ts` for what is checked. */
import * as E from 'fp-ts/lib/Either.js';
import type { Checked } from '../problems.js';
import { readText } from '../read-text.js';
import { parseSudokuList, type SudokuItem } from './load.js';
import { SUDOKU_9, type SudokuShape } from './shape.js';

/**
 * The labelled puzzles of the file at `path` (one per line, 9x9 by default; only the lines `keep` picks),
 * or a single problem when it cannot be read.
 */
export function loadSudokuFile(
  path: string,
  shape: SudokuShape = SUDOKU_9,
  keep?: (row: string) => boolean,
): Checked<SudokuItem> {
  const text = readText(path);
  return E.isLeft(text) ? { items: [], problems: [text.left] } : parseSudokuList(text.right, path, shape, keep);
}
