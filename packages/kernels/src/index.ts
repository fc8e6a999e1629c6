export type { ArgReduceOp, ArithmeticOp, Backend, BinaryOp, CompareOp, LogicOp, ReduceOp, UnaryOp } from './backend.js';
export { COMPARE_OPS } from './backend.js';
export type { ArrayFor, DType, FloatDType, TypedArray } from './dtype.js';
export { allocArray, DTYPES, dtypeOfArray, isFloat, itemSize } from './dtype.js';
export { ReferenceBackend } from './reference/index.js';
export {
  backend,
  currentBackend,
  registerBackend,
  registeredBackends,
  setDefaultBackend,
  withBackend,
} from './registry.js';
export type { View } from './view.js';
export { contiguousStrides, contiguousView, elementOffsets, isContiguous, sizeOf } from './view.js';

import { ReferenceBackend } from './reference/index.js';
import { registerBackend } from './registry.js';

registerBackend('reference', () => new ReferenceBackend(), 0);
