/** The task presets `hrm` knows, by name. */
import { MAZE9, MAZE9_MIX, MAZE11, MAZE15_MIX } from './maze.js';
import type { TaskPreset } from './preset.js';
import { SUDOKU4, SUDOKU6, SUDOKU9, SUDOKU9_WIDE } from './sudoku.js';

export { mazePreset } from './maze.js';
export type { TaskPreset } from './preset.js';
export { sudokuPreset } from './sudoku.js';

export const PRESETS: readonly TaskPreset[] = [
  SUDOKU4,
  SUDOKU6,
  SUDOKU9,
  SUDOKU9_WIDE,
  MAZE9,
  MAZE11,
  MAZE9_MIX,
  MAZE15_MIX,
];

export function presetNamed(name: string): TaskPreset | undefined {
  return PRESETS.find((p) => p.name === name);
}
