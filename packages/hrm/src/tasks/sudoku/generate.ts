/**
 * Puzzles with a unique solution and a chosen number of givens: a random complete grid (the solver
 * on an empty grid, branching in random order), then clues removed one at a time in random order,
 * each removal kept only if the puzzle still has exactly one solution. The result is deterministic
 * for the generator's state.
 *
 * Greedy removal ends at a *minimal* puzzle (no clue can go), and how many givens that leaves varies
 * from grid to grid; a target below what a grid allows is retried on fresh grids and, if never
 * reached, reported as a Left rather than returned with more givens than asked for.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Rng, randomPermutation } from '../rng.js';
import { cellCount, checkShape, type SudokuGrid, type SudokuShape } from './shape.js';
import { countSolutions, solveSudoku } from './solver.js';

/** A generated puzzle and its unique solution. */
export interface GeneratedSudoku {
  readonly puzzle: SudokuGrid;
  readonly solution: SudokuGrid;
}

/** What `generateSudoku` aims for: the number of givens, and how many grids to try. */
export interface GenerateOptions {
  /** Number of givens to leave. */
  readonly givens: number;
  /** Fresh complete grids to try before giving up (default 20). */
  readonly attempts?: number;
}

/** A uniformly shuffled search of the empty grid: a random complete grid (not uniform over all grids). */
export function randomSolvedGrid(shape: SudokuShape, rng: Rng): SudokuGrid {
  const bad = checkShape(shape);
  if (bad) throw new RangeError(`randomSolvedGrid: ${bad}`);
  const r = solveSudoku(new Array<number>(cellCount(shape)).fill(0), shape, { rng });
  // Every shape that passes checkShape has complete grids, so the search cannot come back empty.
  if (!r.solution) throw new Error('randomSolvedGrid: the empty grid has no solution');
  return r.solution;
}

/** Removes clues from `solution` in random order while the solution stays unique, down to `givens`. */
function carve(solution: SudokuGrid, shape: SudokuShape, givens: number, rng: Rng): number[] {
  const puzzle = solution.slice();
  let left = puzzle.length;
  for (const cell of randomPermutation(rng, puzzle.length)) {
    if (left <= givens) break;
    const d = puzzle[cell];
    puzzle[cell] = 0;
    if (countSolutions(puzzle, shape, 2) === 1) left--;
    else puzzle[cell] = d;
  }
  return puzzle;
}

/**
 * A puzzle with exactly `givens` givens and a unique solution, drawn from `rng`. Left on a bad shape or
 * `givens`, or when no grid in `attempts` can be carved down that far.
 */
export function generateSudoku(shape: SudokuShape, rng: Rng, opts: GenerateOptions): E.Either<string, GeneratedSudoku> {
  const bad = checkShape(shape);
  if (bad) return E.left(bad);
  const n = cellCount(shape);
  const { givens } = opts;
  if (!Number.isInteger(givens) || givens < 0 || givens > n)
    return E.left(`givens must be an integer in [0, ${n}], got ${givens}`);
  const attempts = opts.attempts ?? 20;
  let fewest = n;
  for (let a = 0; a < attempts; a++) {
    const solution = randomSolvedGrid(shape, rng);
    const puzzle = carve(solution, shape, givens, rng);
    const left = puzzle.reduce((k, d) => k + (d === 0 ? 0 : 1), 0);
    if (left === givens) return E.right({ puzzle, solution });
    fewest = Math.min(fewest, left);
  }
  return E.left(
    `no ${shape.size}x${shape.size} puzzle with ${givens} givens and a unique solution in ${attempts} attempts (fewest reached: ${fewest})`,
  );
}
