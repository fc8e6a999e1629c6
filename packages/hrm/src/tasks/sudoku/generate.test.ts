import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { generateSudoku, randomSolvedGrid } from './generate.js';
import { givenCount, isSolutionOf, isSolved } from './grid.js';
import { SUDOKU_4, SUDOKU_6, SUDOKU_9 } from './shape.js';
import { countSolutions } from './solver.js';

describe('sudoku generator', () => {
  it.each([
    ['4x4', SUDOKU_4, 6],
    ['6x6', SUDOKU_6, 14],
    ['9x9', SUDOKU_9, 30],
  ] as const)('makes %s puzzles with the asked givens and one solution', (_, shape, givens) => {
    const rng = createRng(42);
    for (let t = 0; t < 3; t++) {
      const r = generateSudoku(shape, rng, { givens });
      if (E.isLeft(r)) throw new Error(r.left);
      const { puzzle, solution } = r.right;
      expect(givenCount(puzzle)).toBe(givens);
      expect(isSolutionOf(puzzle, solution, shape)).toBe(true);
      expect(countSolutions(puzzle, shape, 2)).toBe(1);
    }
  });

  it('is deterministic for a seed', () => {
    const make = (seed: number) => generateSudoku(SUDOKU_9, createRng(seed), { givens: 28 });
    expect(make(3)).toEqual(make(3));
    expect(make(3)).not.toEqual(make(4));
  });

  it('makes complete grids of every shape', () => {
    const rng = createRng(0);
    for (const shape of [SUDOKU_4, SUDOKU_6, SUDOKU_9])
      expect(isSolved(randomSolvedGrid(shape, rng), shape)).toBe(true);
  });

  it('says when a target cannot be reached', () => {
    // A 4x4 puzzle needs at least 4 givens to have a unique solution.
    const r = generateSudoku(SUDOKU_4, createRng(1), { givens: 2, attempts: 3 });
    if (E.isRight(r)) throw new Error('expected a Left');
    const m = /^no 4x4 puzzle with 2 givens and a unique solution in 3 attempts \(fewest reached: (\d+)\)$/.exec(
      r.left,
    );
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(4);
    expect(generateSudoku(SUDOKU_9, createRng(1), { givens: 82 })).toEqual(
      E.left('givens must be an integer in [0, 81], got 82'),
    );
    expect(generateSudoku({ size: 6, boxRows: 3, boxCols: 3 }, createRng(1), { givens: 10 })).toEqual(
      E.left('3x3 boxes do not tile a 6x6 grid'),
    );
  });
});
