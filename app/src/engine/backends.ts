/**
 * Starting a backend inside a worker: the wasm backend (WebAssembly SIMD; threads on shared memory where
 * the page is cross-origin isolated), or gpu.js on WebGL2 through an OffscreenCanvas (`@hrm/gpujs`, loaded
 * only when chosen). Throws, saying why, when the backend cannot start; the page then falls back to wasm.
 */
import { setDefaultBackend } from '@hrm/core';
import { detectFeatures, WasmBackend } from '@hrm/kernels';
import type { BackendChoice, BackendInfo } from './protocol.js';
import { enableWebThreads } from './web-threads.js';

/** Threads for the wasm backend: the cores the browser reports, at most 4 (the model's kernels are small). */
function threadCount(): number {
  return Math.max(1, Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts the wasm backend's helper threads and waits, without blocking, until `wanted` threads are ready or
 * `timeoutMs` passes; returns the threads ready. (A blocking wait would keep this worker from letting its
 * nested workers start.)
 */
async function threadsReady(wasm: WasmBackend, wanted: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let ready = wasm.startThreads(0);
  while (ready < wanted && performance.now() < deadline) {
    await sleep(20);
    ready = wasm.startThreads(0);
  }
  return ready;
}

async function startWasm(): Promise<Omit<BackendInfo, 'startMs'>> {
  const features = detectFeatures();
  if (!features.simd) throw new Error('this browser has no WebAssembly SIMD');
  const shared = features.threads && enableWebThreads();
  const wasm = new WasmBackend({ threads: shared ? threadCount() : 1 });
  const threads = shared ? await threadsReady(wasm, threadCount(), 3000) : 1;
  setDefaultBackend(wasm);
  const isolation = shared ? 'cross-origin isolated' : 'not cross-origin isolated: one thread';
  return {
    choice: 'wasm',
    name: 'wasm',
    detail: `WebAssembly SIMD${features.relaxedSimd ? ' + relaxed SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'} (${isolation})`,
    threads,
  };
}

async function startGpujs(): Promise<Omit<BackendInfo, 'startMs'>> {
  if (typeof OffscreenCanvas !== 'function')
    throw new Error('this browser has no OffscreenCanvas for WebGL in a worker');
  const { GpujsBackend } = await import('@hrm/gpujs');
  const gpu = new GpujsBackend({ mode: 'webgl2', canvas: new OffscreenCanvas(1, 1) });
  setDefaultBackend(gpu);
  const { mode, renderer, software } = gpu.info;
  return {
    choice: 'gpujs',
    name: `gpu.js ${mode}`,
    detail: `${renderer}${software ? ' (a software renderer: correct, not fast)' : ''}`,
    threads: 1,
  };
}

/** Starts `choice` as this worker's backend and says what it runs on. */
export async function startBackend(choice: BackendChoice): Promise<BackendInfo> {
  const t0 = performance.now();
  const info = choice === 'gpujs' ? await startGpujs() : await startWasm();
  return { ...info, startMs: performance.now() - t0 };
}
