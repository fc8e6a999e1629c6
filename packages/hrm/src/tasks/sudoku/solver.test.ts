import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { dataPath, hasDataDir } from '../data-dir.js';
import { createRng, type Rng, randomPermutation } from '../rng.js';
import { randomSolvedGrid } from './generate.js';
import { findConflict, isSolutionOf, isSolved, parseGrid } from './grid.js';
import { SUDOKU_4, SUDOKU_6, SUDOKU_9, type SudokuShape } from './shape.js';
import { countSolutions, solveSudoku } from './solver.js';

/** The obvious solver, for comparison: fill blanks in order, trying every digit that breaks no rule. */
function bruteForceCount(puzzle: readonly number[], shape: SudokuShape, cap: number): number {
  const n = shape.size;
  const g = puzzle.slice();
  const ok = (cell: number, d: number) => {
    const r = Math.floor(cell / n);
    const c = cell % n;
    for (let k = 0; k < n * n; k++) {
      if (k === cell || g[k] !== d) continue;
      const kr = Math.floor(k / n);
      const kc = k % n;
      // Same box, computed here rather than with shape.ts, so a bug there cannot hide in both.
      const sameBox =
        Math.floor(kr / shape.boxRows) === Math.floor(r / shape.boxRows) &&
        Math.floor(kc / shape.boxCols) === Math.floor(c / shape.boxCols);
      if (kr === r || kc === c || sameBox) return false;
    }
    return true;
  };
  for (let cell = 0; cell < n * n; cell++) if (g[cell] !== 0 && !ok(cell, g[cell])) return 0;
  let count = 0;
  const go = (cell: number): void => {
    if (count >= cap) return;
    if (cell === n * n) {
      count++;
      return;
    }
    if (g[cell] !== 0) {
      go(cell + 1);
      return;
    }
    for (let d = 1; d <= n; d++)
      if (ok(cell, d)) {
        g[cell] = d;
        go(cell + 1);
        g[cell] = 0;
      }
  };
  go(0);
  return count;
}

/** A random partial grid: some cells of a random complete grid, plus sometimes a random wrong digit. */
function randomPuzzle(shape: SudokuShape, rng: Rng, keep: number): number[] {
  const solution = randomSolvedGrid(shape, rng);
  const order = randomPermutation(rng, solution.length);
  const puzzle = new Array<number>(solution.length).fill(0);
  for (const c of order.slice(0, keep)) puzzle[c] = solution[c];
  // A quarter of the time overwrite one given with a random digit, making 0 solutions likely.
  if (rng.int(4) === 0) puzzle[order[0]] = 1 + rng.int(shape.size);
  return puzzle;
}

describe('sudoku solver', () => {
  it('counts the 288 complete 4x4 grids', () => {
    const r = solveSudoku(new Array<number>(16).fill(0), SUDOKU_4, { limit: 1000 });
    expect(r.count).toBe(288);
    expect(r.exhausted).toBe(true);
  });

  it('agrees with brute force on random 4x4 and 6x6 puzzles', () => {
    const rng = createRng(11);
    const counts = new Set<number>();
    for (let t = 0; t < 150; t++) {
      const puzzle = randomPuzzle(SUDOKU_4, rng, rng.int(8));
      const expected = bruteForceCount(puzzle, SUDOKU_4, 1000);
      const r = solveSudoku(puzzle, SUDOKU_4, { limit: 1000 });
      expect(r.count).toBe(expected);
      expect(r.exhausted).toBe(true);
      if (r.solution) expect(isSolutionOf(puzzle, r.solution, SUDOKU_4)).toBe(true);
      counts.add(Math.min(expected, 2));
    }
    for (let t = 0; t < 40; t++) {
      const puzzle = randomPuzzle(SUDOKU_6, rng, 8 + rng.int(10));
      const expected = bruteForceCount(puzzle, SUDOKU_6, 500);
      expect(countSolutions(puzzle, SUDOKU_6, 500)).toBe(expected);
      counts.add(Math.min(expected, 2));
    }
    // The random cases must have covered no solution, a unique one and several.
    expect([...counts].sort()).toEqual([0, 1, 2]);
  });

  it('stops at the limit and says the count may be higher', () => {
    const r = solveSudoku(new Array<number>(81).fill(0), SUDOKU_9, { limit: 5 });
    expect(r.count).toBe(5);
    expect(r.exhausted).toBe(false);
    expect(r.solution && isSolved(r.solution, SUDOKU_9)).toBe(true);
  });

  it('reports no solution for clashing givens and for a cell with no candidate', () => {
    const clash = new Array<number>(81).fill(0);
    clash[0] = 5;
    clash[80] = 5;
    clash[8] = 5;
    expect(solveSudoku(clash, SUDOKU_9)).toMatchObject({ count: 0, solution: undefined, exhausted: true });
    // Row 1 holds 1..8 and column 1 holds 9 below: the corner has no candidate, with no clash.
    const stuck = parseGrid(`.123456789${'.'.repeat(71)}`, SUDOKU_9);
    if (E.isLeft(stuck)) throw new Error(stuck.left);
    expect(findConflict(stuck.right, SUDOKU_9)).toBeUndefined();
    expect(countSolutions(stuck.right, SUDOKU_9)).toBe(0);
  });

  it('branches in a random order for an rng, deterministically per seed', () => {
    const empty = new Array<number>(36).fill(0);
    const a = solveSudoku(empty, SUDOKU_6, { rng: createRng(1) }).solution;
    const b = solveSudoku(empty, SUDOKU_6, { rng: createRng(1) }).solution;
    const c = solveSudoku(empty, SUDOKU_6, { rng: createRng(2) }).solution;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a && isSolved(a, SUDOKU_6)).toBe(true);
  });

  it('rejects malformed input', () => {
    expect(() => solveSudoku([1, 2, 3], SUDOKU_4)).toThrow('puzzle has 3 cells, expected 16');
    expect(() => solveSudoku(new Array<number>(16).fill(7), SUDOKU_4)).toThrow('cell 0 holds 7, expected 0-4');
    expect(() => solveSudoku(new Array<number>(16).fill(0), SUDOKU_4, { limit: 0 })).toThrow('limit must be >= 1');
  });

  it.skipIf(!hasDataDir())('solves the hardest puzzles uniquely', () => {
    const dir = dataPath('sudoku');
    const lines = [
      ...readFileSync(`${dir}/tdoku_puzzles6_forum_hardest_1106.txt`, 'utf8').split('\n').slice(0, 40),
      ...readFileSync(`${dir}/tdoku_puzzles3_magictour_top1465.txt`, 'utf8').split('\n').slice(0, 40),
    ];
    for (const line of lines) {
      const p = parseGrid(line, SUDOKU_9);
      if (E.isLeft(p)) throw new Error(p.left);
      const r = solveSudoku(p.right, SUDOKU_9, { limit: 2 });
      expect(r.count).toBe(1);
      expect(r.solution && isSolutionOf(p.right, r.solution, SUDOKU_9)).toBe(true);
    }
  });
});
