/**
 * @hrm/hrm/node: training runs with checkpoints on disk (node:fs), kept out of the main entry so that
 * browser bundles of the model do not pull in Node's file system.
 *
 * @packageDocumentation
 * @module @hrm/hrm/node
 */

export type { LoadedModel, ScoredRun } from './cli/evaluation.js';
export { batchesOf, scoreExamples } from './cli/evaluation.js';
export { main } from './cli/main.js';
export type { ModelFile } from './cli/model-file.js';
export { readModelFile } from './cli/model-file.js';
export type { DatasetSource, ReadSplit } from './dataset/layout.js';
export { readDatasetSplit, writeDataset } from './dataset/layout.js';
export type { RunOptions, RunResult } from './loop.js';
export { run, runReasoner } from './loop.js';
export { PRESET_NAMES, presetNamed } from './presets/node.js';
export type { Predictor, TaskEvaluation, TaskPreset, Verdict } from './presets/preset.js';
export { exportStateDict } from './torch/export.js';
export { readStateDictFile } from './torch/files.js';
export { readTorchStateDict } from './torch/load.js';
export type { StateEntry } from './torch/save.js';
export { torchSaveBytes } from './torch/save.js';
