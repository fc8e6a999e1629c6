/**
 * @hrm/nn/node: the parts of @hrm/nn that need Node's file system (kept out of the main entry so
 * that browser bundles do not pull in node:fs). Checkpoints are written atomically: temp file, fsync,
 * rename.
 *
 * @packageDocumentation
 * @module @hrm/nn/node
 */

export { writeFileAtomic } from './checkpoint/atomic-write.js';
export { loadCheckpoint, saveCheckpoint } from './checkpoint/files.js';
