import { describe, expect, it } from 'vitest';
import { decodeSudoku, encodeSudoku, sudokuExample, sudokuSeqLen, sudokuVocabSize } from './encoding.js';
import { SUDOKU_4, SUDOKU_6, SUDOKU_9 } from './shape.js';

describe('sudoku encoding', () => {
  it("matches HRM's sizes: vocab size + 2, one token per cell", () => {
    expect([sudokuVocabSize(SUDOKU_9), sudokuSeqLen(SUDOKU_9)]).toEqual([11, 81]);
    expect([sudokuVocabSize(SUDOKU_6), sudokuSeqLen(SUDOKU_6)]).toEqual([8, 36]);
    expect([sudokuVocabSize(SUDOKU_4), sudokuSeqLen(SUDOKU_4)]).toEqual([6, 16]);
  });

  it('maps blank to 1 and digit d to d + 1, labels being the full solution', () => {
    const puzzle = [1, 0, 0, 4, 0, 0, 1, 0, 0, 1, 0, 0, 4, 0, 0, 1];
    const solution = [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1];
    const ex = sudokuExample(puzzle, solution);
    expect(ex.inputs).toEqual([2, 1, 1, 5, 1, 1, 2, 1, 1, 2, 1, 1, 5, 1, 1, 2]);
    expect(ex.labels).toEqual([2, 3, 4, 5, 4, 5, 2, 3, 3, 2, 5, 4, 5, 4, 3, 2]);
    expect(ex.puzzleId).toBe(0);
    expect(decodeSudoku(ex.labels, SUDOKU_4)).toEqual(solution);
    expect(decodeSudoku(encodeSudoku(puzzle), SUDOKU_4)).toEqual(puzzle);
  });

  it('decodes PAD, blank and out-of-range predictions as blanks', () => {
    expect(decodeSudoku([0, 1, 2, 5, 6, -1, 2.5], SUDOKU_4)).toEqual([0, 0, 1, 4, 0, 0, 0]);
  });
});
