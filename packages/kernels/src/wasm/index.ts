export type { WasmBackendOptions, WasmView } from './backend.js';
export { WasmBackend, WasmBuffer } from './backend.js';
export { measureCeiling } from './ceiling.js';
export type { WasmFeatures } from './features.js';
export { detectFeatures } from './features.js';
export type { HeapStats } from './heap.js';
