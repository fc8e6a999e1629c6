/**
 * @hrm/hrm: the Hierarchical Reasoning Model (Wang et al., 2025) and the Tiny Recursive Model
 * (Jolicoeur-Martineau, 2025) as pure functions over parameter records, built from @hrm/nn.
 *
 * Reading order, next to the paper: config.ts (every knob and its default), params.ts (what is
 * trained), embedding.ts (inputs), reasoning.ts (the N x T loop and the one-step gradient), trm.ts
 * (TRM's loop), segment.ts (one segment and its heads), act.ts (halting and the carry), loss.ts,
 * train.ts (deep supervision), evaluate.ts.
 *
 * @packageDocumentation
 * @module @hrm/hrm
 */
export type { ActOptions, ActOutput, Carry } from './act.js';
export { actStep, initialCarry, resetHalted } from './act.js';
export {
  checkpointTemplate,
  fromCheckpoint,
  toCheckpoint,
  trainStateFromBytes,
  trainStateToBytes,
} from './checkpoint.js';
export type { ModelConfig, ModelConfigInput } from './config.js';
export { decodeModelConfig, ModelConfigCodec, modelConfig, prefixLength } from './config.js';
export { inputEmbeddings } from './embedding.js';
export type { EvalResult, SegmentAccuracy } from './evaluate.js';
export { evaluate } from './evaluate.js';
export { importSafetensors, importStateDict, officialSlots } from './import.js';
export type { ActLoss, ActMetrics } from './loss.js';
export { actLoss } from './loss.js';
export type { HrmBuffers, HrmParams } from './params.js';
export { blockConfig, initHrm } from './params.js';
export type { SegmentPrediction } from './predict.js';
export { haltingSegment, predictSegments } from './predict.js';
export type { InnerCarry } from './reasoning.js';
export { reason, reasoningModule, recordedEvaluations, runSchedule } from './reasoning.js';
export type { Batch, SegmentOutput } from './segment.js';
export { ropeFor, segment } from './segment.js';
export type { StepMetrics, TrainState } from './train.js';
export { initTrainState, NonFiniteError, optimizer, trainStep } from './train.js';
export type { TrainConfig } from './train-config.js';
export { decodeTrainConfig, TRAIN_DEFAULTS, TrainConfigCodec, trainConfig } from './train-config.js';
export { trmReason } from './trm.js';
