/**
 * HRM's Sudoku tokens (`build_sudoku_dataset.py`): the blank becomes 0, then every cell is shifted by
 * one, so PAD = 0, blank = 1 and digit d = d + 1. Vocab is size + 2 (11 for 9x9), the sequence is the
 * size² cells in row-major order, and the label is the whole solution encoded the same way, so the
 * loss covers every cell, givens included (no label is PAD, so nothing is ignored).
 */
import type { Example } from '../batch.js';
import { cellCount, type SudokuGrid, type SudokuShape } from './shape.js';

/** The padding token; no cell encodes to it, so no label is ignored. */
export const SUDOKU_PAD = 0;
/** The token of a blank cell. */
export const SUDOKU_BLANK = 1;

/** Tokens in all: PAD, blank and the `size` digits. */
export function sudokuVocabSize(shape: SudokuShape): number {
  return shape.size + 2;
}

/** Tokens per example: one per cell, `size²`. */
export function sudokuSeqLen(shape: SudokuShape): number {
  return cellCount(shape);
}

/** Grid (0 = blank) to tokens. */
export function encodeSudoku(grid: SudokuGrid): number[] {
  return grid.map((d) => d + 1);
}

/**
 * Tokens to a grid. A token that is not a digit of this size (PAD, blank, or out of range, as a
 * model's prediction can be) becomes a blank, so a decoded prediction never looks more solved than
 * it is.
 */
export function decodeSudoku(tokens: readonly number[], shape: SudokuShape): number[] {
  return tokens.map((t) => (Number.isInteger(t) && t >= 2 && t <= shape.size + 1 ? t - 1 : 0));
}

/** A training or test example: the puzzle as input, the full solution as label. Sudoku uses puzzle id 0. */
export function sudokuExample(puzzle: SudokuGrid, solution: SudokuGrid, puzzleId = 0): Example {
  return { inputs: encodeSudoku(puzzle), labels: encodeSudoku(solution), puzzleId };
}
