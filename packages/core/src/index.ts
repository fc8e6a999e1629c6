/**
 * @hrm/core: immutable tensors whose shapes live in the type system, and the ops on them.
 * Each op (or small family) is one file under `ops/`, with its shape rule, types and gradient rule.
 *
 * @packageDocumentation
 * @module @hrm/core
 */
export type { AdamStepConstants, Backend, DType, FloatDType, FusedKernels, TypedArray } from '@hrm/kernels';
export {
  backend,
  currentBackend,
  registerBackend,
  registeredBackends,
  setDefaultBackend,
  withBackend,
} from '@hrm/kernels';
export { describeValue, formatValidationErrors, TensorCodec, TensorJSON } from './codec.js';
export type { KernelPrimitive, OutSpec, Primitive, ViewPrimitive } from './engine.js';
export {
  apply,
  detach,
  dispose,
  disposeReplaced,
  isRecording,
  keep,
  noGrad,
  releaseEarly,
  scope,
  startTape,
  stopGradient,
  stopTape,
  untrack,
} from './engine.js';
export { DTypeError, formatShape, ShapeError } from './errors.js';
export type { BinaryFn } from './ops/binary.js';
export { add, atan2, div, maximum, minimum, mod, mul, pow, sub } from './ops/binary.js';
export { broadcastLike, broadcastTo } from './ops/broadcast.js';
export { cast } from './ops/cast.js';
export { eq, ge, gt, le, logicalAnd, logicalOr, lt, ne } from './ops/compare.js';
export { concat, split, stack } from './ops/concat.js';
export type { ArraySpec, CreateOptions, FromArrayOptions } from './ops/create.js';
export {
  arange,
  bindShape,
  fromArray,
  fromArrays,
  full,
  fullLike,
  ones,
  onesLike,
  scalar,
  tensor,
  zeros,
  zerosLike,
} from './ops/create.js';
export { fusedFor, fusedOf, fusedVjp } from './ops/fused.js';
export { gatedSilu } from './ops/gated-silu.js';
export { scatterAdd, take, takeAlongAxis } from './ops/gather.js';
export type { MatmulFn } from './ops/matmul.js';
export { matmul } from './ops/matmul.js';
export { oneHot } from './ops/onehot.js';
export { permute, transpose } from './ops/permute.js';
export type { ReduceFn } from './ops/reduce.js';
export { argmax, argmin, max, mean, min, sum } from './ops/reduce.js';
export type { ReshapeShape } from './ops/reshape.js';
export { expandDims, flatten, mergeLast, rename, reshape, splitLast, squeeze } from './ops/reshape.js';
export { addRmsNorm, rmsNorm } from './ops/rmsnorm.js';
export type { IndexFn, SliceFn } from './ops/slice.js';
export { index, pad, slice } from './ops/slice.js';
export { logSoftmax, logsumexp, softmax } from './ops/softmax.js';
export { toBackend } from './ops/transfer.js';
export {
  abs,
  ceil,
  cos,
  exp,
  expm1,
  floor,
  log,
  log1p,
  logicalNot,
  neg,
  reciprocal,
  relu,
  round,
  rsqrt,
  sigmoid,
  sign,
  silu,
  sin,
  sqrt,
  square,
  tanh,
} from './ops/unary.js';
export { where } from './ops/where.js';
export type { Key, Keys } from './random.js';
export {
  bernoulli,
  foldIn,
  key,
  keyFromData,
  normal,
  permutation,
  randint,
  randomBits,
  split as splitKey,
  threefry2x32,
  truncatedNormal,
  uniform,
  withoutSampling,
} from './random.js';
export type * from './shape.js';
export { erf, erfc, normalCdf, normalQuantile } from './special.js';
export type { AnyTensor, Storage, Tape, TapeNode, VjpRule, Window } from './tensor.js';
export { Tensor } from './tensor.js';
