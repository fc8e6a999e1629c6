/**
 * The one module that touches gpu.js directly: its typings lose kernel argument and return types
 * (gpu.js issue #550) and reject typed arrays where they work, so the casts live here, behind the
 * few shapes this backend uses.
 */
import * as gpujs from 'gpu.js';

const { GPU } = gpujs;

/** gpu.js modes that run kernels on a GPU (or a software rasteriser standing in for one). */
export type GpuMode = 'webgpu' | 'webgl2' | 'webgl' | 'headlessgl';
/** Every `GpuMode`, as a runtime list: the names `isGpuMode` accepts. */
export const GPU_MODES: readonly GpuMode[] = ['webgpu', 'webgl2', 'webgl', 'headlessgl'];

/** What gpu.js calls modes but does not run on a GPU, or picks one silently: refused by name. */
export const NOT_GPU_MODES: Readonly<Record<string, string>> = {
  cpu: 'runs kernels as plain JavaScript on the CPU',
  webasm: 'runs kernels as WebAssembly on the CPU',
  dev: 'runs kernels as plain JavaScript on the CPU (gpu-mock.js)',
  gpu: 'lets gpu.js pick a kernel class, and it silently picks WebAssembly on the CPU when no GL context works; name the mode',
  async: 'returns a Promise from every kernel and may pick a CPU kernel; name the mode',
};

/** Whether `mode` names a gpu.js mode that runs on a GPU, and so one this backend accepts. */
export function isGpuMode(mode: string): mode is GpuMode {
  return (GPU_MODES as readonly string[]).includes(mode);
}

/** A texture gpu.js returned from a pipeline kernel (`pipeline: true, immutable: true`). */
export interface GpuTexture {
  readonly type: string;
  readonly size: readonly number[];
  readonly output: readonly number[];
  toArray(): unknown;
  delete(): void;
}

/** A compiled kernel (gpu.js's run shortcut). */
export interface GpuKernel {
  (...args: unknown[]): unknown;
  setOutput(output: number[]): unknown;
  readonly kernel: { readonly constructor: { readonly mode?: string }; readonly output?: readonly number[] };
}

/** The part of a WebGL context this backend reads or instruments. */
export interface GLContext {
  readonly RENDERER: number;
  readonly VERSION: number;
  readonly MAX_TEXTURE_SIZE: number;
  getParameter(p: number): unknown;
  getExtension(name: string): unknown;
  createTexture(): unknown;
  deleteTexture(t: unknown): void;
  createFramebuffer(): unknown;
  deleteFramebuffer(f: unknown): void;
}

export interface GpuInstance {
  readonly mode: string;
  readonly context: GLContext | null;
  createKernel(source: string, settings: Record<string, unknown>): GpuKernel;
  destroy(): Promise<void>;
}

export interface GpuSettings {
  readonly mode: GpuMode;
  readonly canvas?: unknown;
  readonly context?: unknown;
}

/** Whether gpu.js says it can run `mode` here (a cheap check; the backend still self-tests). */
export function modeSupported(mode: GpuMode): boolean {
  switch (mode) {
    case 'webgpu':
      return GPU.isWebGPUSupported;
    case 'webgl2':
      return GPU.isWebGL2Supported;
    case 'webgl':
      return GPU.isWebGLSupported;
    case 'headlessgl':
      return GPU.isHeadlessGLSupported;
  }
  return false;
}

/** Resolves whether a WebGPU adapter is actually available (navigator.gpu alone proves nothing). */
export function webGPUAvailable(): Promise<boolean> {
  return GPU.isWebGPUAvailable();
}

export function createGpu(settings: GpuSettings): GpuInstance {
  return new GPU(settings as never) as unknown as GpuInstance;
}

/**
 * The mode a compiled kernel really runs in, from its class (every GL kernel class reports the
 * static mode "gpu", and the browser bundle minifies class names, so neither can be trusted).
 */
export function kernelMode(kernel: GpuKernel): string {
  const classes = gpujs as unknown as Record<string, unknown>;
  const ctor = kernel.kernel.constructor;
  const byClass: [string, string][] = [
    ['HeadlessGLKernel', 'headlessgl'],
    ['WebGL2Kernel', 'webgl2'],
    ['WebGLKernel', 'webgl'],
    ['WebGPUKernel', 'webgpu'],
    ['WebAssemblyKernel', 'webasm'],
    ['CPUKernel', 'cpu'],
  ];
  for (const [name, mode] of byClass) if (classes[name] !== undefined && ctor === classes[name]) return mode;
  return `unknown (${String(ctor.mode)})`;
}

/** The GL texture object behind a gpu.js texture (shared by its clones). */
export function rawTexture(t: GpuTexture): unknown {
  return (t as unknown as { texture?: unknown }).texture;
}

/** The GL texture a built kernel currently renders into, if any. */
export function ownTexture(k: GpuKernel): unknown {
  const t = (k.kernel as unknown as { texture?: GpuTexture | null }).texture;
  return t ? rawTexture(t) : undefined;
}

export function isTexture(x: unknown): x is GpuTexture {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as GpuTexture).toArray === 'function' &&
    typeof (x as GpuTexture).delete === 'function'
  );
}
