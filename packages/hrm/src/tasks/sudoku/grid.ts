/**
 * Sudoku grids as text and the rule checks: parsing one line of a puzzle file, printing a grid, the
 * first duplicated digit in a row, column or box, and whether a grid is a complete solution that
 * keeps a puzzle's givens.
 */
import * as E from 'fp-ts/lib/Either.js';
import { cellCount, type SudokuGrid, type SudokuShape, unitTables } from './shape.js';

/**
 * A grid from a line of `size²` characters: `.` or `0` is a blank, `1`..`size` a digit. Left with
 * the reason (wrong length, or the first bad character and its 1-based column).
 */
export function parseGrid(text: string, shape: SudokuShape): E.Either<string, SudokuGrid> {
  const n = cellCount(shape);
  if (text.length !== n) return E.left(`expected ${n} characters, got ${text.length}`);
  const grid = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const ch = text[i];
    if (ch === '.' || ch === '0') grid[i] = 0;
    else {
      const d = ch.charCodeAt(0) - 48;
      if (!(d >= 1 && d <= shape.size))
        return E.left(`bad character ${JSON.stringify(ch)} at column ${i + 1} (expected '.' or 1-${shape.size})`);
      grid[i] = d;
    }
  }
  return E.right(grid);
}

/** The one-line form: digits, with `.` for blanks. */
export function formatGrid(grid: SudokuGrid): string {
  return grid.map((d) => (d === 0 ? '.' : String(d))).join('');
}

const UNIT_KINDS = ['row', 'column', 'box'] as const;

/**
 * The first rule broken by the filled cells of a grid (a value out of range, or a digit twice in one
 * unit), as a sentence with 1-based positions; undefined when there is none.
 */
export function findConflict(grid: SudokuGrid, shape: SudokuShape): string | undefined {
  const n = shape.size;
  if (grid.length !== n * n) return `grid has ${grid.length} cells, expected ${n * n}`;
  for (let i = 0; i < grid.length; i++) {
    const d = grid[i];
    if (!Number.isInteger(d) || d < 0 || d > n) return `cell ${i + 1} holds ${d}, expected 0-${n}`;
  }
  const { units } = unitTables(shape);
  for (let u = 0; u < units.length; u++) {
    const seen = new Int16Array(n + 1).fill(-1);
    for (const cell of units[u]) {
      const d = grid[cell];
      if (d === 0) continue;
      if (seen[d] >= 0) return `digit ${d} appears twice in ${UNIT_KINDS[Math.floor(u / n)]} ${(u % n) + 1}`;
      seen[d] = cell;
    }
  }
  return undefined;
}

/** A complete grid with no conflict. */
export function isSolved(grid: SudokuGrid, shape: SudokuShape): boolean {
  return grid.length === cellCount(shape) && grid.every((d) => d !== 0) && findConflict(grid, shape) === undefined;
}

/** A complete valid grid that agrees with every given of `puzzle`. */
export function isSolutionOf(puzzle: SudokuGrid, solution: SudokuGrid, shape: SudokuShape): boolean {
  return isSolved(solution, shape) && puzzle.every((d, i) => d === 0 || d === solution[i]);
}

/** The number of filled (non-blank) cells. */
export function givenCount(grid: SudokuGrid): number {
  return grid.reduce((k, d) => k + (d === 0 ? 0 : 1), 0);
}
