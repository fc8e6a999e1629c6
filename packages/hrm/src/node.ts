/**
 * @hrm/hrm/node: training runs with checkpoints on disk (node:fs), kept out of the main entry so that
 * browser bundles of the model do not pull in Node's file system.
 */
export type { RunOptions, RunResult } from './loop.js';
export { run } from './loop.js';
