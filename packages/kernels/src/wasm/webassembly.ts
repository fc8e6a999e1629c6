/**
 * The part of the WebAssembly JS API this backend uses. The packages compile against ES2023 and
 * Node's types, neither of which declares the `WebAssembly` global (it lives in TypeScript's DOM
 * lib), so it is typed here as a module value rather than a global declaration, which would clash
 * with the DOM lib in browser builds.
 */
export interface WasmMemoryDescriptor {
  initial: number;
  maximum?: number;
  shared?: boolean;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}
// biome-ignore lint/suspicious/noEmptyInterface: an opaque handle, as in the DOM lib
export interface WasmModule {}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export interface WasmApi {
  readonly Memory: new (descriptor: WasmMemoryDescriptor) => WasmMemory;
  readonly Module: new (bytes: ArrayBufferView | ArrayBuffer) => WasmModule;
  readonly Instance: new (module: WasmModule, imports?: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}

/** The runtime's WebAssembly object, or undefined where there is none. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The WebAssembly object, for code that runs only once `detectFeatures` found SIMD support. */
export function requireWasm(): WasmApi {
  if (!wasmApi) throw new Error('wasm backend: this runtime has no WebAssembly');
  return wasmApi;
}
