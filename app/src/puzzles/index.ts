/** The tasks the page offers: one for each committed checkpoint whose task it knows how to show. */
import { SUDOKU_4, SUDOKU_6, SUDOKU_9 } from '@hrm/hrm/tasks';
import { EVERY_MAZE, mazeTask } from './maze.js';
import { sudokuTask } from './sudoku.js';
import type { PuzzleTask } from './types.js';

export type { Checked, PaletteEntry, PuzzleTask, Verdict } from './types.js';

/** Givens ranges and maze sizes of the library's presets (packages/hrm/src/presets). */
const KNOWN: Readonly<Record<string, () => PuzzleTask>> = {
  sudoku4: () => sudokuTask('sudoku4', SUDOKU_4, [4, 10]),
  sudoku6: () => sudokuTask('sudoku6', SUDOKU_6, [10, 22]),
  sudoku9: () => sudokuTask('sudoku9', SUDOKU_9, [30, 45]),
  maze9: () => mazeTask('maze9', 9),
  maze11: () => mazeTask('maze11', 11),
  'maze9-mix': () => mazeTask('maze9-mix', 9, EVERY_MAZE),
  'maze15-mix': () => mazeTask('maze15-mix', 15, EVERY_MAZE),
};

/** The tasks for the checkpoints found (by task name), Sudoku first, smallest first. */
export function tasksFor(checkpoints: Iterable<string>): PuzzleTask[] {
  const order = Object.keys(KNOWN);
  return [...checkpoints]
    .filter((name) => name in KNOWN)
    .sort((a, b) => order.indexOf(a) - order.indexOf(b))
    .map((name) => KNOWN[name]());
}
