/** Sudoku as the page handles it: digits in cells, '' for a blank; the library's generator, solver and checks. */
import {
  createRng,
  decodeSudoku,
  encodeSudoku,
  findConflict,
  generateSudoku,
  isSolutionOf,
  isSolved,
  type SudokuShape,
  solveSudoku,
} from '@hrm/hrm/tasks';
import * as E from 'fp-ts/lib/Either.js';
import type { PaletteEntry, PuzzleTask, Verdict } from './types.js';

const toGrid = (cells: readonly string[]) => cells.map((c) => (c === '' ? 0 : Number(c)));
const fromGrid = (grid: readonly number[]) => grid.map((d) => (d === 0 ? '' : String(d)));

/**
 * A Sudoku task of `shape`; fresh puzzles have a unique solution and a number of givens drawn from
 * `givens` (the range the task's preset trains on).
 */
export function sudokuTask(name: string, shape: SudokuShape, givens: readonly [number, number]): PuzzleTask {
  const n = shape.size;
  const palette: PaletteEntry[] = [
    ...Array.from({ length: n }, (_, i) => ({ value: String(i + 1), label: String(i + 1), keys: [String(i + 1)] })),
    { value: '', label: 'Clear', keys: ['Backspace', 'Delete', '0', '.', ' '] },
  ];
  return {
    name,
    title: `${n}x${n} Sudoku`,
    kind: 'sudoku',
    rows: n,
    cols: n,
    palette,
    defaultBrush: undefined,
    textHelp: `${n * n} characters, row by row: 1-${n} for a digit, '.' or 0 for a blank (spaces and bars are ignored).`,
    empty: () => new Array<string>(n * n).fill(''),
    generate: (seed) => {
      const rng = createRng(seed);
      for (;;) {
        const made = generateSudoku(shape, rng, { givens: givens[0] + rng.int(givens[1] - givens[0] + 1) });
        if (E.isRight(made)) return fromGrid(made.right.puzzle);
      }
    },
    toText: (cells) => cells.map((c) => c || '.').join(''),
    fromText: (text) => {
      const cleaned = text.replace(/[\s|+-]/g, '');
      if (cleaned.length !== n * n) return { error: `expected ${n * n} cells, got ${cleaned.length}` };
      const bad = [...cleaned].findIndex((ch) => !(ch === '.' || ch === '0' || (ch >= '1' && Number(ch) <= n)));
      if (bad >= 0) return { error: `cell ${bad + 1} is '${cleaned[bad]}': use 1-${n}, or '.' for a blank` };
      return [...cleaned].map((ch) => (ch === '.' || ch === '0' ? '' : ch));
    },
    edit: (cells, index, value) => cells.map((c, i) => (i === index ? value : c)),
    check: (cells) => {
      const grid = toGrid(cells);
      const conflict = findConflict(grid, shape);
      if (conflict) return { ok: false, message: `No solution: ${conflict}.` };
      const solved = solveSudoku(grid, shape, { limit: 2 });
      if (solved.count === 0) return { ok: false, message: 'No solution: the givens cannot all be kept.' };
      if (solved.count > 1)
        return {
          ok: false,
          message:
            'Ambiguous: this puzzle has more than one solution. The model was trained on puzzles with exactly one; add givens.',
        };
      const blanks = grid.filter((d) => d === 0).length;
      return { ok: true, inputs: encodeSudoku(grid), note: `A unique solution; ${blanks} blank cells to fill.` };
    },
    decode: (tokens) => decodeSudoku(tokens, shape).map((d) => (d >= 1 && d <= n ? String(d) : '?')),
    verdict: (cells, tokens): Verdict => {
      const puzzle = toGrid(cells);
      const answer = decodeSudoku(tokens, shape);
      if (isSolutionOf(puzzle, answer, shape))
        return {
          kind: 'solved',
          text: 'Solved: every row, column and box holds each digit once, and every given is kept.',
        };
      if (isSolved(answer, shape)) return { kind: 'valid', text: 'A valid grid, but it changes a given.' };
      const unfilled = answer.filter((d) => d < 1 || d > n).length;
      if (unfilled > 0)
        return { kind: 'wrong', text: `Wrong: ${unfilled} cell${unfilled === 1 ? ' is' : 's are'} not a digit.` };
      const solution = solveSudoku(puzzle, shape).solution ?? [];
      const off = answer.filter((d, i) => d !== solution[i]).length;
      return {
        kind: 'wrong',
        text: `Wrong: ${findConflict(answer, shape) ?? 'a given is changed'}; ${off} cell${off === 1 ? '' : 's'} differ from the solution.`,
      };
    },
    describe: (value) => (value === '' ? 'blank' : value === '?' ? 'not a digit' : value),
    edges: (index) => {
      const r = Math.floor(index / n);
      const c = index % n;
      return {
        right: c < n - 1 && (c + 1) % shape.boxCols === 0,
        bottom: r < n - 1 && (r + 1) % shape.boxRows === 0,
      };
    },
  };
}
