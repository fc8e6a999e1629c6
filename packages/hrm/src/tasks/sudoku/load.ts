/**
 * Puzzle lists in the tdoku format (one puzzle per line, `size²` characters, `.` for a blank) to
 * labelled items. The files carry no solutions, so each puzzle is solved here, and the solver's count
 * doubles as the check that the label is well defined. A line is reported, never dropped or repaired,
 * when it has the wrong length, a bad character, two equal givens in a unit, no solution, or more than
 * one solution.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Checked, numberedLines, type Problem, problem } from '../problems.js';
import { findConflict, parseGrid } from './grid.js';
import { SUDOKU_9, type SudokuGrid, type SudokuShape } from './shape.js';
import { solveSudoku } from './solver.js';

/** One puzzle from a file, labelled with its unique solution by the solver, and where it came from. */
export interface SudokuItem {
  readonly source: string;
  /** 1-based line in the source. */
  readonly line: number;
  readonly puzzle: SudokuGrid;
  readonly solution: SudokuGrid;
}

/** The item for one line, or the reason it is not one. */
export function labelSudokuLine(
  text: string,
  shape: SudokuShape,
): E.Either<string, Omit<SudokuItem, 'source' | 'line'>> {
  const parsed = parseGrid(text, shape);
  if (E.isLeft(parsed)) return parsed;
  const puzzle = parsed.right;
  const conflict = findConflict(puzzle, shape);
  if (conflict) return E.left(`contradictory givens: ${conflict}`);
  const r = solveSudoku(puzzle, shape, { limit: 2 });
  if (r.count === 0 || !r.solution) return E.left('no solution');
  if (r.count > 1) return E.left('more than one solution');
  return E.right({ puzzle, solution: r.solution });
}

/**
 * Every line of `text` (named `source` in problems) labelled, with a problem for each bad line; an empty
 * text is a problem. `keep` picks lines by their text before any is solved (one split of a list), so
 * the lines left out cost nothing and items keep their line numbers.
 */
export function parseSudokuList(
  text: string,
  source: string,
  shape: SudokuShape = SUDOKU_9,
  keep: (row: string) => boolean = () => true,
): Checked<SudokuItem> {
  const items: SudokuItem[] = [];
  const problems: Problem[] = [];
  const lines = numberedLines(text);
  // An empty list would give a caller nothing to draw from, far from the file's name.
  if (lines.length === 0) return { items, problems: [problem(source, 'empty file, expected one puzzle per line')] };
  for (const { line, text: row } of lines) {
    if (!keep(row)) continue;
    const r = labelSudokuLine(row, shape);
    if (E.isLeft(r)) problems.push(problem(source, r.left, line));
    else items.push({ source, line, ...r.right });
  }
  return { items, problems };
}
