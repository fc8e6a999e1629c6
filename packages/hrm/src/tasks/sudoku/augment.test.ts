import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { createRng, isPermutation } from '../rng.js';
import {
  applySudokuAugmentation,
  inverseSudokuAugmentation,
  makeSudokuAugmentation,
  randomSudokuAugmentation,
  type SudokuAugmentation,
  sudokuCellSource,
} from './augment.js';
import { generateSudoku, randomSolvedGrid } from './generate.js';
import { findConflict, isSolutionOf } from './grid.js';
import { SUDOKU_4, SUDOKU_6, SUDOKU_9, type SudokuShape } from './shape.js';
import { solveSudoku } from './solver.js';

const shapes: [string, SudokuShape, number][] = [
  ['4x4', SUDOKU_4, 6],
  ['6x6', SUDOKU_6, 14],
  ['9x9', SUDOKU_9, 28],
];

describe('sudoku augmentation', () => {
  it.each(shapes)('%s: is a bijection that its inverse undoes, and keeps puzzles valid', (_, shape, givens) => {
    const rng = createRng(9);
    const made = generateSudoku(shape, rng, { givens });
    if (E.isLeft(made)) throw new Error(made.left);
    const { puzzle, solution } = made.right;
    let transposed = 0;
    for (let t = 0; t < 20; t++) {
      const aug = randomSudokuAugmentation(shape, rng);
      if (aug.transpose) transposed++;
      expect(isPermutation(sudokuCellSource(aug))).toBe(true);
      const p = applySudokuAugmentation(aug, puzzle);
      const s = applySudokuAugmentation(aug, solution);
      // Blanks stay blanks and move with their cell.
      expect(p.filter((d) => d === 0)).toHaveLength(puzzle.filter((d) => d === 0).length);
      expect(isSolutionOf(p, s, shape)).toBe(true);
      const solved = solveSudoku(p, shape, { limit: 2 });
      expect(solved.count).toBe(1);
      expect(solved.solution).toEqual(s);
      const inv = inverseSudokuAugmentation(aug);
      expect(applySudokuAugmentation(inv, p)).toEqual(puzzle);
      expect(applySudokuAugmentation(inv, s)).toEqual(solution);
    }
    // Square boxes transpose about half the time; 2x3 boxes never do.
    if (shape.boxRows === shape.boxCols) expect(transposed).toBeGreaterThan(0);
    else expect(transposed).toBe(0);
  });

  it('applies transpose, then rows and columns, then digits (a hand-worked 4x4 case)', () => {
    const aug = makeSudokuAugmentation(SUDOKU_4, {
      digits: [0, 2, 1, 3, 4],
      transpose: true,
      rows: [2, 3, 0, 1],
      cols: [1, 0, 2, 3],
    });
    if (E.isLeft(aug)) throw new Error(aug.left);
    // Row-major 4x4 holding 1..4 per row as [1,2,3,4],[3,4,1,2],[2,1,4,3],[4,3,2,1].
    const grid = [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1];
    // Transposed: [1,3,2,4],[2,4,1,3],[3,1,4,2],[4,2,3,1]; rows 2,3,0,1 then columns 1,0,2,3
    // -> [1,3,4,2],[2,4,3,1],[3,1,2,4],[4,2,1,3]; then digits 1<->2.
    expect(applySudokuAugmentation(aug.right, grid)).toEqual([2, 3, 4, 1, 1, 4, 3, 2, 3, 2, 1, 4, 4, 1, 2, 3]);
  });

  it('rejects augmentations that break the box structure', () => {
    const id9 = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const digits9 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const ok = { digits: digits9, transpose: false, rows: id9, cols: id9 };
    expect(E.isRight(makeSudokuAugmentation(SUDOKU_9, ok))).toBe(true);
    expect(makeSudokuAugmentation(SUDOKU_9, { ...ok, rows: [0, 1, 3, 2, 4, 5, 6, 7, 8] })).toEqual(
      E.left('rows must permute the bands of 3 rows and the rows inside each, got [0,1,3,2,4,5,6,7,8]'),
    );
    expect(makeSudokuAugmentation(SUDOKU_9, { ...ok, digits: [1, 0, 2, 3, 4, 5, 6, 7, 8, 9] })).toEqual(
      E.left('digits must be a permutation of 0..9 that keeps 0, got [1,0,2,3,4,5,6,7,8,9]'),
    );
    const id6 = [0, 1, 2, 3, 4, 5];
    const ok6 = { digits: [0, 1, 2, 3, 4, 5, 6], transpose: false, rows: id6, cols: id6 };
    // 6x6: rows move in bands of 2 (so [2,3,0,1,4,5] is fine), columns in stacks of 3.
    expect(E.isRight(makeSudokuAugmentation(SUDOKU_6, { ...ok6, rows: [2, 3, 0, 1, 4, 5] }))).toBe(true);
    expect(makeSudokuAugmentation(SUDOKU_6, { ...ok6, cols: [2, 3, 0, 1, 4, 5] })).toEqual(
      E.left('cols must permute the stacks of 3 columns and the columns inside each, got [2,3,0,1,4,5]'),
    );
    expect(makeSudokuAugmentation(SUDOKU_6, { ...ok6, transpose: true })).toEqual(
      E.left('transpose turns 2x3 boxes into 3x2 boxes, so it is only valid for square boxes'),
    );
  });

  it('would break 6x6 grids if it transposed them (why transpose is refused there)', () => {
    const rng = createRng(4);
    let broken = 0;
    for (let t = 0; t < 10; t++) {
      const g = randomSolvedGrid(SUDOKU_6, rng);
      const transposed = g.map((_, k) => g[(k % 6) * 6 + Math.floor(k / 6)]);
      if (findConflict(transposed, SUDOKU_6)) broken++;
    }
    expect(broken).toBeGreaterThan(0);
  });

  it('is deterministic for a seed', () => {
    const a: SudokuAugmentation = randomSudokuAugmentation(SUDOKU_9, createRng(5));
    expect(randomSudokuAugmentation(SUDOKU_9, createRng(5))).toEqual(a);
  });
});
