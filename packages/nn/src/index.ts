/**
 * @hrm/nn: layers, losses, optimisers and checkpoints as pure functions over parameter trees.
 * Every layer is an `init(key, ...)` that returns parameters and an apply function of (params, input).
 *
 * @packageDocumentation
 * @module @hrm/nn
 */
export type { Checkpoint, CheckpointTemplate, DecodedSafetensors, DecodedTensor, Json } from './checkpoint/index.js';
export {
  CheckpointError,
  checkpointFromBytes,
  checkpointToBytes,
  decodeSafetensors,
  encodeSafetensors,
} from './checkpoint/index.js';
export { initialState, lecunNormal, truncatedStd, truncNormal } from './init.js';
export type { AttentionConfig, AttentionParams } from './layers/attention.js';
export { attention, initAttention } from './layers/attention.js';
export type { BlockConfig, BlockParams } from './layers/block.js';
export { block, initBlock } from './layers/block.js';
export type { EmbeddingParams } from './layers/embedding.js';
export { embed, initEmbedding } from './layers/embedding.js';
export type { GridMixerParams } from './layers/grid-mixer.js';
export { gridMixer, gridSide, initGridMixer } from './layers/grid-mixer.js';
export type { LinearParams } from './layers/linear.js';
export { initLinear, linear } from './layers/linear.js';
export type { RmsNormOptions } from './layers/rmsnorm.js';
export { rmsNorm } from './layers/rmsnorm.js';
export type { LearnedPositions, RopeTables } from './layers/rope.js';
export {
  addLearnedPositions,
  applyRope,
  initLearnedPositions,
  releaseSharedRopeTables,
  ropeTables,
  sharedRopeTables,
} from './layers/rope.js';
export type { SwiGluParams } from './layers/swiglu.js';
export { initSwiGlu, swiglu, swigluWidth } from './layers/swiglu.js';
export type { LossKind } from './losses.js';
export {
  accuracy,
  bceWithLogits,
  IGNORE_LABEL,
  lmLoss,
  logStablemax,
  sequenceCorrectness,
  sequenceMeanLoss,
  tokenCrossEntropy,
  validMask,
} from './losses.js';
export type { AdamConfig, AdamState } from './optim/adam.js';
export { adam, adamAtan2, adamw } from './optim/adam.js';
export { clipByGlobalNorm, globalNorm } from './optim/clip.js';
export { emaUpdate } from './optim/ema.js';
export type { WarmupCosine } from './optim/schedule.js';
export { warmupCosine } from './optim/schedule.js';
export type { SgdConfig, SgdState } from './optim/sgd.js';
export { sgd } from './optim/sgd.js';
export type { SparseSignSgdConfig } from './optim/sign-sgd.js';
export { sparseSignSgd } from './optim/sign-sgd.js';
export type { LearningRate, Optimizer, Schedule } from './optim/types.js';
export { lrAt } from './optim/types.js';
