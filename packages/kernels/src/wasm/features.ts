/**
 * What the WebAssembly runtime offers: SIMD128 (required), relaxed SIMD (used for fused multiply-add
 * when present), shared memory and threads.
 *
 * Node 20 ships relaxed SIMD behind `--experimental-wasm-relaxed-simd`; a library may turn the flag on
 * itself with `v8.setFlagsFromString` before compiling any module (V8 reads it at compile time). We do that once,
 * then check with a tiny probe module, so a runtime that refuses it gets the plain-SIMD kernels.
 */

import { type FunctionBuilder, f32x4_add, f32x4_relaxed_madd, f32x4_splat, ModuleBuilder } from './emit.js';
import { requireWasm, wasmApi } from './webassembly.js';

/** What `detectFeatures` found the WebAssembly runtime to offer. */
export interface WasmFeatures {
  readonly simd: boolean;
  readonly relaxedSimd: boolean;
  readonly threads: boolean;
}

function probe(body: (f: FunctionBuilder) => void): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder({ module: 'env', name: 'memory', initialPages: 1, maximumPages: 1, shared: false });
  m.func('probe', ['f32'], ['f32'], (f) => {
    body(f);
    f.simd(0x1f).byte(0); // f32x4.extract_lane 0
  });
  return m.build();
}

const simdProbe = () =>
  probe((f) =>
    f.do(
      f32x4_add(
        f32x4_splat((g) => g.byte(0x20, 0)),
        f32x4_splat((g) => g.byte(0x20, 0)),
      ),
    ),
  );

const relaxedProbe = () =>
  probe((f) => {
    const x = f32x4_splat((g) => g.byte(0x20, 0));
    f.do(f32x4_relaxed_madd(x, x, x));
  });

let flagTried = false;

/** Turns on V8's relaxed-SIMD flag once (Node only; a no-op elsewhere or when it fails). */
function enableRelaxedSimdFlag(): void {
  if (flagTried) return;
  flagTried = true;
  try {
    globalThis.process?.getBuiltinModule?.('node:v8')?.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // Not Node, or flags locked: the probe decides.
  }
}

let cached: WasmFeatures | undefined;

/**
 * Probes the runtime once (turning on Node's relaxed-SIMD flag if it needs it) and returns what it
 * offers; later calls return the cached answer.
 */
export function detectFeatures(): WasmFeatures {
  if (cached) return cached;
  const simd = wasmApi?.validate(simdProbe()) === true;
  let relaxedSimd = false;
  if (simd) {
    relaxedSimd = requireWasm().validate(relaxedProbe());
    if (!relaxedSimd) {
      enableRelaxedSimdFlag();
      relaxedSimd = requireWasm().validate(relaxedProbe());
    }
  }
  let threads = false;
  try {
    threads =
      typeof SharedArrayBuffer === 'function' &&
      new (requireWasm().Memory)({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    threads = false;
  }
  cached = { simd, relaxedSimd, threads };
  return cached;
}
