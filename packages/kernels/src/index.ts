/**
 * Compute backends: the `Backend` interface every backend implements (strided views in, fresh buffers
 * out), the reference backend (plain TypeScript, float64-capable, the yardstick of the op suite), the
 * WebAssembly SIMD backend with worker threads (the default), and the registry that picks one.
 * Importing this module registers both CPU backends.
 *
 * @packageDocumentation
 * @module @hrm/kernels
 */
export type {
  AdamStepConstants,
  ArgReduceOp,
  ArithmeticOp,
  Backend,
  BinaryOp,
  CompareOp,
  FusedKernels,
  LogicOp,
  MemoryStats,
  ReduceOp,
  UnaryOp,
} from './backend.js';
export { COMPARE_OPS } from './backend.js';
export type { ArrayFor, DType, FloatDType, TypedArray } from './dtype.js';
export { allocArray, checkBufferSize, DTYPES, dtypeOfArray, isFloat, itemSize, MAX_BUFFER_BYTES } from './dtype.js';
export { LiveMemory } from './live-memory.js';
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
export type { HeapStats, WasmBackendOptions, WasmFeatures, WasmView } from './wasm/index.js';
export { detectFeatures, measureCeiling, WasmBackend, WasmBuffer } from './wasm/index.js';

import { ReferenceBackend } from './reference/index.js';
import { registerBackend } from './registry.js';
import { WasmBackend } from './wasm/index.js';

registerBackend('reference', () => new ReferenceBackend(), 0);
// The default where it starts (it needs WebAssembly SIMD); otherwise the registry falls back to 'reference'.
registerBackend('wasm', () => new WasmBackend(), 10);
