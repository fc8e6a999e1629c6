/**
 * @hrm/hrm: the Hierarchical Reasoning Model (Wang et al., 2025) and the Tiny Recursive Model
 * (Jolicoeur-Martineau, 2025) as pure functions over parameter records, built from @hrm/nn, on a
 * combinator in which any recurrent hierarchy is data plus pure functions.
 *
 * Reading order: hierarchy.ts (levels, periods, the schedule and the gradient windows), reasoner.ts
 * (what a model is, and one segment), hrm.ts and trm.ts (the two models, next to their papers),
 * config.ts (every knob and its default), params.ts, embedding.ts, heads.ts, act.ts (halting and the
 * carry), loss.ts, train.ts (deep supervision), evaluate.ts.
 *
 * @packageDocumentation
 * @module @hrm/hrm
 */
export type { ActOptions, ActOutput, Carry } from './act.js';
export { actStep, initialCarry, resetHalted, wantsToHalt } from './act.js';
export { reasonerFor } from './arch.js';
export type { ModelFromBytes, TaskPreset } from './browser-model.js';
export { builtinPreset, modelFileToBytes, modelFromBytes } from './browser-model.js';
export {
  checkpointTemplate,
  fromCheckpoint,
  toCheckpoint,
  trainStateFromBytes,
  trainStateToBytes,
} from './checkpoint.js';
export type { ModelConfig, ModelConfigInput } from './config.js';
export { atSeqLen, decodeModelConfig, ModelConfigCodec, modelConfig, prefixLength, sizeFree } from './config.js';
export { inputEmbeddings } from './embedding.js';
export type { EvalResult, SegmentAccuracy } from './evaluate.js';
export { evaluate } from './evaluate.js';
export { haltSegmentOf, MAX_HALT_MARGIN, saysHalt } from './halting.js';
export { lmOutput, qOutput } from './heads.js';
export type { AnyLevel, GradientWindow, Hierarchy, Level, Observer, ScheduleStep, States } from './hierarchy.js';
export { recordedBy, runHierarchy, schedule } from './hierarchy.js';
export type { HrmParts, HrmStates } from './hrm.js';
export { actConfig, hrm, hrmHierarchy, hrmParts, reasoningModule, twoLevelHierarchy } from './hrm.js';
export { importSafetensors, importStateDict, officialSlots } from './import.js';
export type { ActLoss, ActMetrics } from './loss.js';
export { actLoss } from './loss.js';
export type { HrmBuffers, HrmParams, ReasonerIO, ReasoningBlocks } from './params.js';
export {
  blockConfig,
  initHrm,
  initIO,
  initPuzzleTable,
  initReasoningBlocks,
  modelDims,
  modelTemplate,
} from './params.js';
export type { SegmentPrediction } from './predict.js';
export { haltingSegment, predictSegments } from './predict.js';
export type {
  ActConfig,
  Batch,
  Hidden,
  Logits,
  PerSlot,
  PuzzleRows,
  PuzzleTable,
  QValues,
  Reasoner,
  ReasonerBuffers,
  SegmentOutput,
  Tokens,
} from './reasoner.js';
export { mapStates, segment } from './reasoner.js';
export type { StepMetrics, TrainState } from './train.js';
export { initTrainState, NonFiniteError, optimizer, trainStep } from './train.js';
export type { TrainConfig } from './train-config.js';
export { decodeTrainConfig, TRAIN_DEFAULTS, TrainConfigCodec, trainConfig } from './train-config.js';
export { trm, trmHierarchy } from './trm.js';
