/** The task presets `hrm` knows, by name. */
import { MAZE9, MAZE11 } from './maze.js';
import type { TaskPreset } from './preset.js';
import { SUDOKU4, SUDOKU6, SUDOKU9 } from './sudoku.js';

export { mazePreset } from './maze.js';
export type { TaskPreset } from './preset.js';
export { sudokuPreset } from './sudoku.js';

export const PRESETS: readonly TaskPreset[] = [SUDOKU4, SUDOKU6, SUDOKU9, MAZE9, MAZE11];

export function presetNamed(name: string): TaskPreset | undefined {
  return PRESETS.find((p) => p.name === name);
}
