/**
 * The task loaders that read files (node:fs), kept apart from `./index.ts` so that browser bundles
 * of the task code do not pull in Node's file system (as `@hrm/hrm/node` does for training runs).
 *
 * @packageDocumentation
 * @module @hrm/hrm/tasks/node
 */
export { loadArcTasks, writeArcSubmission } from './arc/files.js';
export { dataDir, dataPath, hasDataDir } from './data-dir.js';
export { loadMazeCsv } from './maze/files.js';
export { readText } from './read-text.js';
export { loadSudokuFile } from './sudoku/files.js';
