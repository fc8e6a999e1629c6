/**
 * The gpu.js backend: tensors live on the device as float32 textures between ops, and come back to
 * the host only through `read`. See README.md beside this file for the design.
 */
import type { ArgReduceOp, Backend, BinaryOp, MemoryStats, ReduceOp, UnaryOp } from '@hrm/kernels';
import {
  allocArray,
  COMPARE_OPS,
  contiguousStrides,
  contiguousView,
  type DType,
  elementOffsets,
  isContiguous,
  LiveMemory,
  sizeOf,
  type TypedArray,
  type View,
} from '@hrm/kernels';
import {
  createGpu,
  type GLContext,
  type GpuInstance,
  type GpuKernel,
  type GpuMode,
  type GpuTexture,
  isGpuMode,
  isTexture,
  kernelMode,
  modeSupported,
  NOT_GPU_MODES,
  ownTexture,
  rawTexture,
  webGPUAvailable,
} from './gpu.js';
import { bucketed, coalesce, type Layout, layoutArgs, type Operand, padRank, rankBucket } from './layout.js';
import {
  argReduceSource,
  binarySource,
  concatSource,
  FILL_SOURCE,
  gatherSource,
  matmulSource,
  padSource,
  type ReduceKind,
  reduceSource,
  scatterAddSource,
  UPLOAD_SOURCE,
  unarySource,
  whereSource,
} from './source.js';

/** Integers are exact in float32 up to this magnitude; int32 data beyond it is refused. */
export const INT_EXACT_LIMIT = 2 ** 24;

/** The modes tried, in order, when none is named: the synchronous GL modes (WebGPU needs `createGpujsBackend`). */
export const SYNC_MODE_ORDER: readonly GpuMode[] = ['webgl2', 'webgl', 'headlessgl'];

/** Settings of a `GpujsBackend`: which modes to try, its name, and its size and memory limits. */
export interface GpujsOptions {
  /** A mode, a list to try in order, or 'auto' (default): webgl2, webgl, headlessgl (`createGpujsBackend` tries webgpu first). */
  readonly mode?: GpuMode | 'auto' | readonly GpuMode[];
  /** The backend's name (default 'gpujs'). */
  readonly name?: string;
  /** Largest tensor, in elements (default and upper bound: min(2^24, MAX_TEXTURE_SIZE²)). */
  readonly maxElements?: number;
  /** Elements one thread folds in a reduction before the partial results are reduced again (default 256). */
  readonly reduceChunk?: number;
  /**
   * Deleted GL texture objects kept for reuse, at most (default 64 in headless-gl, whose memory
   * grows with every texture deleted, and 0 elsewhere).
   */
  readonly recycleTextures?: number;
  /** A canvas or WebGL context for gpu.js to use (browser). */
  readonly canvas?: unknown;
  readonly context?: unknown;
}

/** A tensor's storage on the device. `texture` is null for empty tensors and after dispose. */
export interface GpuBuffer {
  readonly id: number;
  readonly size: number;
  readonly dtype: DType;
  texture: GpuTexture | null;
  disposed: boolean;
  /** Device bytes held (for `memory()`). */
  readonly bytes: number;
  /** WebGPU only: resolves to the result once the queued kernel has run. */
  ready?: Promise<GpuTexture>;
  /**
   * The values, when the host knows them without a read-back (int32 and bool data uploaded or
   * filled from the host): index checks in gather and scatterAdd use them.
   */
  host?: TypedArray;
}

/** A strided view of a gpu.js backend buffer. */
export type GpuView = View<GpuBuffer>;

/** What a started `GpujsBackend` runs on (its `info`): the mode, the GL renderer and its limits. */
export interface GpujsInfo {
  /** The gpu.js mode kernels run in, as gpu.js reports it for a compiled kernel. */
  readonly mode: GpuMode;
  /** The GL renderer (unmasked where the browser allows), e.g. "llvmpipe" or "SwiftShader". */
  readonly renderer: string;
  readonly version: string;
  readonly maxTextureSize: number;
  readonly maxElements: number;
  /**
   * True for Mesa llvmpipe/softpipe/swrast and SwiftShader (correct, but no measure of GPU speed),
   * false for a named hardware vendor, undefined when the renderer does not say (headless-gl: "ANGLE").
   */
  readonly software: boolean | undefined;
}

/** Counts of the device resources a `GpujsBackend` holds, from `stats()`: for finding leaks of buffers, textures and kernels. */
export interface GpujsStats {
  /** Buffers allocated and not disposed. */
  readonly buffers: number;
  /** Device bytes their textures hold. */
  readonly bytes: number;
  /** GL textures alive in the context: the buffers' own, plus one held by each kernel and its inputs. */
  readonly textures: number;
  /** Deleted texture objects kept for reuse (`recycleTextures`). */
  readonly pooledTextures: number;
  readonly framebuffers: number;
  /** Compiled kernels (one per op, dtype class and rank bucket). */
  readonly kernels: number;
}

interface CachedKernel {
  readonly run: GpuKernel;
  size: number;
}

const FLOAT_SPECIALS = [Number.POSITIVE_INFINITY, Number.NaN];
const SOFTWARE = /llvmpipe|softpipe|swrast|swiftshader|software/i;
const HARDWARE = /nvidia|geforce|quadro|amd|radeon|intel|apple|mali|adreno|powervr|qualcomm/i;

/** True or false when the renderer's name says; undefined when it does not (headless-gl: "ANGLE"). */
function softwareRenderer(renderer: string): boolean | undefined {
  if (SOFTWARE.test(renderer)) return true;
  return HARDWARE.test(renderer) ? false : undefined;
}

/** Upload, negate a transposed [2, 3] view, read back: the self-test every mode must pass. */
const SELF_TEST_INPUT = new Float32Array([1, 2, 3, 4, 5, 6]);
const SELF_TEST_VIEW = (x: GpuBuffer): GpuView => ({
  buffer: x,
  dtype: 'float32',
  shape: [2, 3],
  strides: [1, 2],
  offset: 0,
});
const SELF_TEST_WANT = '-1,-3,-5,-2,-4,-6';

let nextBufferId = 1;

/** A kernel argument: a buffer (its texture or WebGPU buffer is passed), a uniform, or host data to upload. */
type Arg = GpuBuffer | number | Float32Array;

function isBuffer(a: Arg): a is GpuBuffer {
  return typeof a === 'object' && !ArrayBuffer.isView(a);
}

/** Lets the async factory construct a WebGPU backend (whose self-test is asynchronous). */
const ASYNC_START: unique symbol = Symbol('gpujs async start');

/** The modes to try, in order: `auto` is webgpu (async factory only), then webgl2, webgl, headlessgl. */
function modesToTry(mode: GpujsOptions['mode'], allowWebGPU: boolean): readonly GpuMode[] {
  if (mode === undefined || mode === 'auto') return allowWebGPU ? ['webgpu', ...SYNC_MODE_ORDER] : SYNC_MODE_ORDER;
  const list = typeof mode === 'string' ? [mode] : mode;
  for (const m of list as readonly string[]) {
    if (m in NOT_GPU_MODES) throw new Error(`gpujs: mode "${m}" is not a GPU mode: gpu.js ${NOT_GPU_MODES[m]}`);
    if (!isGpuMode(m)) throw new Error(`gpujs: unknown mode "${m}"; GPU modes are webgpu, webgl2, webgl, headlessgl`);
    if (m === 'webgpu' && !allowWebGPU)
      throw new Error('gpujs: webgpu kernels only answer asynchronously; use `await createGpujsBackend()` for it');
  }
  return list;
}

/** The WebGPU adapter's description, for `info.renderer`. */
async function webGPUAdapterName(): Promise<string> {
  const nav = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator;
  const adapter = (await nav?.gpu?.requestAdapter()) as { info?: Record<string, string> } | null | undefined;
  const info = adapter?.info;
  if (!info) return 'WebGPU adapter';
  return (
    [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(', ') || 'WebGPU adapter'
  );
}

/**
 * A gpu.js backend in the first mode that starts and passes its self-test. `auto` (the default)
 * tries webgpu first, where the browser has an adapter, then webgl2, webgl and headlessgl; a mode
 * or a list names the order. On WebGPU, reading values back is asynchronous: `readAsync`.
 */
export async function createGpujsBackend(options: GpujsOptions = {}): Promise<GpujsBackend> {
  const failures: string[] = [];
  for (const mode of modesToTry(options.mode, true)) {
    try {
      if (mode !== 'webgpu') return new GpujsBackend({ ...options, mode });
      if (!(await webGPUAvailable())) throw new Error('no WebGPU adapter here');
      const b = new GpujsBackend({ ...options, mode }, ASYNC_START);
      try {
        await b.selfTestAsync(await webGPUAdapterName());
      } catch (e) {
        void b.destroy().catch(() => undefined);
        throw e;
      }
      return b;
    } catch (e) {
      failures.push(`${mode}: ${(e as Error).message}`);
    }
  }
  throw new Error(`gpujs: no GPU mode started (${failures.join('; ')})`);
}

/**
 * A backend whose buffers are gpu.js textures. The constructor picks the first mode that starts
 * and passes a self-test (upload, compute, read back); it throws, naming every mode's failure, when
 * none does, so the backend registry skips it.
 */
export class GpujsBackend implements Backend<GpuBuffer> {
  readonly name: string;
  readonly dtypes: readonly DType[] = ['float32', 'int32', 'bool'];
  readonly info: GpujsInfo;

  private readonly gpu: GpuInstance;
  private readonly kernels = new Map<string, CachedKernel>();
  private readonly chunk: number;
  private readonly counted = new LiveMemory();
  private readonly glTextures = new Set<unknown>();
  private readonly glFramebuffers = new Set<unknown>();
  private readonly texturePool: unknown[] = [];
  /** WebGPU: kernel calls are queued (see `enqueue`); GL modes run synchronously. */
  private readonly queued: boolean;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: GpujsOptions = {}, start?: typeof ASYNC_START) {
    this.name = options.name ?? 'gpujs';
    this.chunk = options.reduceChunk ?? 256;
    const failures: string[] = [];
    for (const mode of modesToTry(options.mode, start === ASYNC_START)) {
      let gpu: GpuInstance | undefined;
      try {
        if (!modeSupported(mode)) throw new Error('not supported here');
        gpu = createGpu({
          mode,
          ...(options.canvas === undefined ? {} : { canvas: options.canvas }),
          ...(options.context === undefined ? {} : { context: options.context }),
        });
        this.gpu = gpu;
        this.queued = mode === 'webgpu';
        this.info = this.start(mode, options.maxElements, options.recycleTextures);
        return;
      } catch (e) {
        failures.push(`${mode}: ${(e as Error).message}`);
        this.kernels.clear();
        void gpu?.destroy().catch(() => undefined);
      }
    }
    throw new Error(`gpujs: no GPU mode started (${failures.join('; ')})`);
  }

  /**
   * Compiles the first kernel and checks which mode gpu.js really chose; on GL, instruments the
   * context and self-tests (WebGPU's self-test is asynchronous: `createGpujsBackend` runs it).
   */
  private start(mode: GpuMode, maxElements: number | undefined, recycle: number | undefined): GpujsInfo {
    const probe = this.kernel('upload', () => UPLOAD_SOURCE);
    const got = kernelMode(probe.run);
    if (got !== mode) throw new Error(`gpu.js ran the kernel in mode "${got}", not "${mode}"`);
    if (mode === 'webgpu') {
      const limit = Math.min(INT_EXACT_LIMIT, maxElements ?? INT_EXACT_LIMIT);
      return {
        mode,
        renderer: 'WebGPU',
        version: 'WebGPU',
        maxTextureSize: 0,
        maxElements: limit,
        software: undefined,
      };
    }
    const gl = this.gpu.context;
    if (!gl) throw new Error('no GL context');
    this.instrument(gl, recycle ?? (mode === 'headlessgl' ? 4096 : 0));
    const maxTextureSize = Number(gl.getParameter(gl.MAX_TEXTURE_SIZE));
    const debug = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    const limit = Math.min(INT_EXACT_LIMIT, maxTextureSize * maxTextureSize);
    const info: GpujsInfo = {
      mode,
      renderer,
      version: String(gl.getParameter(gl.VERSION)),
      maxTextureSize,
      maxElements: Math.min(maxElements ?? limit, limit),
      software: softwareRenderer(renderer),
    };
    (this as { info: GpujsInfo }).info = info;
    const x = this.upload(SELF_TEST_INPUT, 'float32');
    const y = this.unary('neg', SELF_TEST_VIEW(x));
    const got2 = Array.from(this.read(contiguousView(y, 'float32', [6])));
    this.dispose(x);
    this.dispose(y);
    if (got2.join() !== SELF_TEST_WANT) throw new Error(`self-test read back [${got2.join(', ')}]`);
    return info;
  }

  /** @internal The WebGPU self-test (upload, a kernel on a strided view, read-back), and the adapter's name. */
  async selfTestAsync(renderer: string): Promise<void> {
    const x = this.upload(SELF_TEST_INPUT, 'float32');
    const y = this.unary('neg', SELF_TEST_VIEW(x));
    try {
      const got = Array.from(await this.readAsync(contiguousView(y, 'float32', [6])));
      if (got.join() !== SELF_TEST_WANT) throw new Error(`self-test read back [${got.join(', ')}]`);
    } finally {
      this.dispose(x);
      this.dispose(y);
    }
    (this as { info: GpujsInfo }).info = { ...this.info, renderer, software: softwareRenderer(renderer) };
  }

  /**
   * Counts the GL textures and framebuffers alive in the context (for leak tests) and, where asked
   * (headless-gl by default), recycles texture objects: headless-gl does not hand back the memory of
   * deleted textures (~0.4 MB per step of a small Transformer), so a training loop's RSS would climb with every step.
   * A recycled texture keeps its old storage until gpu.js re-specifies it on reuse, so the pool is
   * capped (`recycleTextures` objects).
   */
  private instrument(gl: GLContext, recycle: number): void {
    const ctx = gl as unknown as Record<string, (...a: unknown[]) => unknown>;
    const wrap = (create: string, remove: string, set: Set<unknown>, pool: unknown[], cap: number) => {
      const make = ctx[create].bind(gl);
      const drop = ctx[remove].bind(gl);
      ctx[create] = () => {
        const t = pool.pop() ?? make();
        set.add(t);
        return t;
      };
      ctx[remove] = (t: unknown) => {
        if (!set.delete(t)) return drop(t);
        if (pool.length < cap) pool.push(t);
        else drop(t);
      };
    };
    wrap('createTexture', 'deleteTexture', this.glTextures, this.texturePool, recycle);
    wrap('createFramebuffer', 'deleteFramebuffer', this.glFramebuffers, [], 0);
  }

  get mode(): GpuMode {
    return this.info.mode;
  }

  /** The buffers, GL textures, framebuffers and compiled kernels held now. */
  stats(): GpujsStats {
    return {
      buffers: this.counted.liveBuffers,
      bytes: this.counted.liveBytes,
      textures: this.glTextures.size,
      pooledTextures: this.texturePool.length,
      framebuffers: this.glFramebuffers.size,
      kernels: this.kernels.size,
    };
  }

  /** Frees every kernel and the GL context. The backend is unusable afterwards. */
  destroy(): Promise<void> {
    this.kernels.clear();
    return this.gpu.destroy();
  }

  // -------------------------------------------------------------------------------------------
  // Kernels and buffers

  private kernel(key: string, source: () => string): CachedKernel {
    let k = this.kernels.get(key);
    if (!k) {
      const run = this.gpu.createKernel(source(), {
        output: [1],
        pipeline: true,
        immutable: true,
        dynamicOutput: true,
        dynamicArguments: true,
        precision: 'single',
        tactic: 'precision',
        // Loop bounds are uniforms; GLSL ES 1.0 needs a constant cap, and gpu.js's default (1000)
        // silently truncates longer loops. Nothing here loops past the largest tensor.
        loopMaxIterations: INT_EXACT_LIMIT,
      });
      k = { run, size: 1 };
      this.kernels.set(key, k);
    }
    return k;
  }

  /**
   * Runs a cached kernel into a new buffer of `size` elements. `args` are buffers (resolved to
   * textures, or WebGPU buffers) and numbers (uniforms), in the kernel's parameter order.
   */
  private exec(key: string, source: () => string, size: number, dtype: DType, args: readonly Arg[]): GpuBuffer {
    this.checkSize(size);
    for (const a of args) if (isBuffer(a)) this.checkLive(a);
    if (size === 0) return this.wrap(null, 0, dtype);
    const k = this.kernel(key, source);
    if (this.queued) return this.enqueue(k, key, size, dtype, args);
    const values = args.map((a) => (isBuffer(a) ? this.tex(a) : a));
    // gpu.js's immutable kernels hold their last output texture, shared with the buffer that got it.
    // Fed back as an argument, gpu.js swaps the kernel's output to an older texture of the old size
    // (it assumes x = k(x) keeps its size): detach the kernel first by giving it a fresh output.
    const own = ownTexture(k.run);
    if (k.size !== size || (own !== undefined && values.some((a) => isTexture(a) && rawTexture(a) === own))) {
      k.run.setOutput([size]);
      k.size = size;
    }
    return this.wrap(this.checked(key, k.run(...values), size), size, dtype);
  }

  /** The kernel's result, if it is a texture of `size` elements (never a silently wrong one). */
  private checked(key: string, out: unknown, size: number): GpuTexture {
    if (!isTexture(out))
      throw new Error(`gpujs: kernel ${key} returned ${typeof out} instead of a texture (mode ${this.info.mode})`);
    if (out.output[0] !== size) {
      out.delete();
      throw new Error(`gpujs: kernel ${key} wrote ${out.output[0]} elements instead of ${size}`);
    }
    return out;
  }

  /**
   * WebGPU: gpu.js's kernels answer with Promises (the first call compiles asynchronously), so each
   * kernel call joins one queue, in program order, and the new buffer's `ready` resolves to its
   * result. Inputs were queued before it, so they are ready when its turn comes; a failure rejects
   * this buffer (and those computed from it) but not the queue.
   */
  private enqueue(k: CachedKernel, key: string, size: number, dtype: DType, args: readonly Arg[]): GpuBuffer {
    const out = this.wrap(null, size, dtype);
    const ready = this.queue.then(async () => {
      const values = await Promise.all(args.map((a) => (isBuffer(a) ? this.settled(a) : a)));
      if (k.size !== size) {
        k.run.setOutput([size]);
        k.size = size;
      }
      const result = this.checked(key, await k.run(...values), size);
      out.texture = result;
      return result;
    });
    out.ready = ready;
    this.queue = ready.then(
      () => undefined,
      () => undefined,
    );
    return out;
  }

  /** A queued buffer's result, once computed. */
  private async settled(b: GpuBuffer): Promise<GpuTexture> {
    const t = b.ready ? await b.ready : b.texture;
    if (!t) throw new Error('gpujs backend: reading an element of an empty buffer');
    return t;
  }

  private wrap(texture: GpuTexture | null, size: number, dtype: DType, host?: TypedArray): GpuBuffer {
    // GL textures hold RGBA float32 texels, one value each; WebGPU buffers hold the floats.
    const bytes = this.queued ? size * 4 : texture ? texture.size[0] * texture.size[1] * 16 : 0;
    this.counted.allocated(bytes);
    return { id: nextBufferId++, size, dtype, texture, disposed: false, bytes, ...(host ? { host } : {}) };
  }

  private checkSize(size: number): void {
    if (size > this.info.maxElements)
      throw new RangeError(
        `gpujs: a tensor of ${size} elements is larger than this backend holds (${this.info.maxElements}: ` +
          `indices are float32, exact to 2^24, and a texture holds at most ${this.info.maxTextureSize}² elements)`,
      );
  }

  private tex(b: GpuBuffer): GpuTexture {
    if (b.disposed) throw new Error('gpujs backend: buffer used after dispose');
    if (!b.texture) throw new Error('gpujs backend: reading an element of an empty buffer');
    return b.texture;
  }

  private checkLive(b: GpuBuffer): void {
    if (b.disposed) throw new Error('gpujs backend: buffer used after dispose');
  }

  // -------------------------------------------------------------------------------------------
  // Backend: buffers

  upload(data: TypedArray, dtype: DType): GpuBuffer {
    if (!this.dtypes.includes(dtype))
      throw new TypeError(`gpujs backend holds float32, int32 and bool on the device, not ${dtype}`);
    this.checkSize(data.length);
    let host: TypedArray | undefined;
    if (dtype === 'int32' || dtype === 'bool') {
      for (let i = 0; i < data.length; i++)
        if (Math.abs(data[i]) > INT_EXACT_LIMIT)
          throw new RangeError(
            `gpujs backend: int32 value ${data[i]} at position ${i} is beyond ±2^24, where float32 on the device stops being exact`,
          );
      host = allocArray(dtype, data.length);
      host.set(data);
    }
    if (data.length === 0) return this.wrap(null, 0, dtype, host);
    // A copy: on WebGPU the upload runs later, and the caller may reuse its array meanwhile.
    const floats = data instanceof Float32Array ? (this.queued ? data.slice() : data) : Float32Array.from(data);
    const k = this.kernel('upload', () => UPLOAD_SOURCE);
    if (this.queued) {
      const out = this.enqueue(k, 'upload', data.length, dtype, [floats]);
      if (host) out.host = host;
      return out;
    }
    if (k.size !== data.length) {
      k.run.setOutput([data.length]);
      k.size = data.length;
    }
    return this.wrap(this.checked('upload', k.run(floats), data.length), data.length, dtype, host);
  }

  read(x: GpuView): TypedArray {
    this.checkLive(x.buffer);
    const n = sizeOf(x.shape);
    const out = allocArray(x.dtype, n);
    if (n === 0) return out;
    const host = x.buffer.host;
    if (host) {
      // Values the host already knows (int32 and bool uploads and fills): no read-back at all.
      const offsets = elementOffsets(x);
      for (let i = 0; i < n; i++) out[i] = host[offsets[i]];
      return out;
    }
    if (this.queued)
      throw new Error(
        `gpujs backend (${this.info.mode}): reading a tensor back is asynchronous on WebGPU; ` +
          'use `await backend.readAsync(tensor.view)` instead of data(), item() or toArray()',
      );
    const whole = isContiguous(x) && x.offset === 0 && n === x.buffer.size;
    const src = whole ? x.buffer : this.copy(x);
    try {
      this.fromDevice(this.tex(src).toArray(), x.dtype, out);
    } finally {
      if (!whole) this.dispose(src);
    }
    return out;
  }

  /**
   * The elements of `x` on the host, without blocking: on WebGPU the only way to read; on GL modes
   * the same as `read`.
   */
  async readAsync(x: GpuView): Promise<TypedArray> {
    if (!this.queued || x.buffer.host) return this.read(x);
    this.checkLive(x.buffer);
    const n = sizeOf(x.shape);
    const out = allocArray(x.dtype, n);
    if (n === 0) return out;
    const whole = isContiguous(x) && x.offset === 0 && n === x.buffer.size;
    const src = whole ? x.buffer : this.copy(x);
    // Read in queue order: after everything queued so far, before anything queued later.
    const values = this.queue.then(async () => (await this.settled(src)).toArray());
    this.queue = values.then(
      () => undefined,
      () => undefined,
    );
    if (!whole) this.dispose(src);
    this.fromDevice(await values, x.dtype, out);
    return out;
  }

  /** Device floats into `out`, refusing int32 values the device cannot have held exactly. */
  private fromDevice(values: unknown, dtype: DType, out: TypedArray): void {
    const n = out.length;
    if (!(values instanceof Float32Array) || values.length < n)
      throw new Error(`gpujs backend: read back ${String(values)} for ${n} elements`);
    if (dtype === 'int32')
      for (let i = 0; i < n; i++)
        if (Math.abs(values[i]) > INT_EXACT_LIMIT && Number.isFinite(values[i]))
          throw new RangeError(
            `gpujs backend: int32 result ${values[i]} at position ${i} is beyond ±2^24, where float32 on the device is not exact`,
          );
    out.set(values.length === n ? values : values.subarray(0, n));
  }

  dispose(buffer: GpuBuffer): void {
    if (buffer.disposed) return;
    buffer.disposed = true;
    this.counted.released(buffer.bytes);
    if (buffer.ready) {
      // Everything queued so far that reads this buffer runs first; then it is freed.
      const ready = buffer.ready;
      this.queue = this.queue
        .then(() => ready)
        .then(
          (t) => t.delete(),
          () => undefined,
        );
      buffer.texture = null;
      return;
    }
    buffer.texture?.delete();
    buffer.texture = null;
  }

  liveBuffers(): number {
    return this.counted.liveBuffers;
  }

  /** Device bytes of the live buffers (GL: RGBA float32 texels, 16 bytes each) and their high-water mark. */
  memory(): MemoryStats {
    return this.counted.stats();
  }

  resetPeak(): void {
    this.counted.resetPeak();
  }

  fill(size: number, dtype: DType, value: number): GpuBuffer {
    const v = dtype === 'bool' ? +(value !== 0) : dtype === 'int32' ? Math.trunc(value) : Math.fround(value);
    if (dtype === 'int32' && Math.abs(v) > INT_EXACT_LIMIT)
      throw new RangeError(`gpujs backend: int32 fill value ${v} is beyond ±2^24`);
    const out = this.exec('fill', () => FILL_SOURCE, size, dtype, [v]);
    if (dtype === 'int32' || dtype === 'bool') {
      const host = allocArray(dtype, size);
      host.fill(v);
      out.host = host;
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Backend: elementwise

  /** Runs an elementwise kernel over views of one shape: coalesced, bucketed, then flat. */
  private elementwise(
    key: string,
    source: (rank: number) => string,
    views: readonly GpuView[],
    dtype: DType,
    extra: readonly number[],
  ): GpuBuffer {
    for (const v of views) this.checkLive(v.buffer);
    const shape = views[0].shape;
    const size = sizeOf(shape);
    if (size === 0) return this.exec(key, () => '', 0, dtype, []);
    const layout = bucketed(
      shape,
      views.map((v) => ({ strides: v.strides, offset: v.offset })),
    );
    const rank = layout.shape.length;
    return this.exec(`${key}/${rank}`, () => source(rank), size, dtype, [
      ...views.map((v) => v.buffer),
      ...layoutArgs(layout),
      ...extra,
    ]);
  }

  unary(op: UnaryOp, x: GpuView): GpuBuffer {
    return this.elementwise(`unary:${op}`, (r) => unarySource(op, r), [x], x.dtype, FLOAT_SPECIALS);
  }

  binary(op: BinaryOp, a: GpuView, b: GpuView): GpuBuffer {
    const integer = a.dtype === 'int32';
    const isCompare = (COMPARE_OPS as readonly string[]).includes(op);
    return this.elementwise(
      `binary:${op}:${integer ? 'i' : 'f'}`,
      (r) => binarySource(op, integer, r),
      [a, b],
      isCompare ? 'bool' : a.dtype,
      FLOAT_SPECIALS,
    );
  }

  where(cond: GpuView, a: GpuView, b: GpuView): GpuBuffer {
    return this.elementwise('where', whereSource, [cond, a, b], a.dtype, []);
  }

  cast(x: GpuView, dtype: DType): GpuBuffer {
    if (!this.dtypes.includes(dtype)) throw new TypeError(`gpujs backend cannot hold ${dtype}`);
    const op = dtype === 'bool' ? 'toBool' : dtype === 'int32' && x.dtype === 'float32' ? 'toInt' : 'copy';
    return this.elementwise(`unary:${op}`, (r) => unarySource(op, r), [x], dtype, FLOAT_SPECIALS);
  }

  copy(x: GpuView): GpuBuffer {
    return this.elementwise('unary:copy', (r) => unarySource('copy', r), [x], x.dtype, FLOAT_SPECIALS);
  }

  // -------------------------------------------------------------------------------------------
  // Backend: reductions and matmul

  reduce(op: ReduceOp, x: GpuView, axes: readonly number[]): GpuBuffer {
    this.checkLive(x.buffer);
    const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const outShape = keep.map((i) => x.shape[i]);
    const outSize = sizeOf(outShape);
    const run = axes.reduce((n, a) => n * x.shape[a], 1);
    if (outSize === 0) return this.exec('empty', () => '', 0, x.dtype, []);
    if (run === 0) return this.fill(outSize, x.dtype, 0); // only sum reaches here: core refuses max/min
    // The reduced axes as one strided run, or a contiguous copy that makes them one.
    const reduced = coalesce(
      axes.map((a) => x.shape[a]),
      [{ strides: axes.map((a) => x.strides[a]), offset: 0 }],
    );
    if (reduced.shape.length > 1) {
      const moved: GpuView = {
        ...x,
        shape: [...outShape, ...axes.map((a) => x.shape[a])],
        strides: [...keep.map((i) => x.strides[i]), ...axes.map((a) => x.strides[a])],
      };
      const dense = this.copy(moved);
      try {
        return this.reduce(
          op,
          {
            buffer: dense,
            dtype: x.dtype,
            shape: [...outShape, run],
            strides: contiguousStrides([...outShape, run]),
            offset: 0,
          },
          [outShape.length],
        );
      } finally {
        this.dispose(dense);
      }
    }
    const rs = reduced.strides[0][0];
    const outer: Operand = { strides: keep.map((i) => x.strides[i]), offset: x.offset };
    return this.reduceRuns(op, x.buffer, x.dtype, outShape, outer, run, rs);
  }

  /** Reduces `run` elements with stride `rs` from each output's offset, in chunked passes. */
  private reduceRuns(
    op: ReduceKind,
    src: GpuBuffer,
    dtype: DType,
    outShape: readonly number[],
    outer: Operand,
    run: number,
    rs: number,
  ): GpuBuffer {
    const outSize = sizeOf(outShape);
    const parts = Math.ceil(run / this.chunk);
    const len = parts === 1 ? run : this.chunk;
    // Thread t covers output o = t / parts, chunk t % parts: the layout is over the outputs only.
    const layout = bucketed(outShape, [outer]);
    const rank = layout.shape.length;
    const partial = this.exec(`reduce:${op}/${rank}`, () => reduceSource(op, rank), outSize * parts, dtype, [
      src,
      parts,
      len,
      run,
      rs,
      ...layoutArgs(layout),
      ...FLOAT_SPECIALS,
    ]);
    if (parts === 1) return partial;
    try {
      // The partials are a contiguous [outSize, parts] buffer: reduce each row of it.
      return this.reduceRuns(op, partial, dtype, [outSize], { strides: [parts], offset: 0 }, parts, 1);
    } finally {
      this.dispose(partial);
    }
  }

  argReduce(op: ArgReduceOp, x: GpuView, axis: number): GpuBuffer {
    this.checkLive(x.buffer);
    const keep = x.shape.map((_, i) => i).filter((i) => i !== axis);
    const outShape = keep.map((i) => x.shape[i]);
    const layout = bucketed(outShape, [{ strides: keep.map((i) => x.strides[i]), offset: x.offset }]);
    const rank = layout.shape.length;
    const size = sizeOf(outShape);
    if (size === 0) return this.exec('empty', () => '', 0, 'int32', []);
    return this.exec(`arg:${op}/${rank}`, () => argReduceSource(op, rank), size, 'int32', [
      x.buffer,
      x.shape[axis],
      x.strides[axis],
      ...layoutArgs(layout),
    ]);
  }

  matmul(a: GpuView, b: GpuView): GpuBuffer {
    this.checkLive(a.buffer);
    this.checkLive(b.buffer);
    const rank = a.shape.length;
    const m = a.shape[rank - 2];
    const k = a.shape[rank - 1];
    const n = b.shape[rank - 1];
    const batch = a.shape.slice(0, rank - 2);
    const outShape = [...batch, m, n];
    const size = sizeOf(outShape);
    if (size === 0) return this.exec('empty', () => '', 0, a.dtype, []);
    if (k === 0) return this.fill(size, a.dtype, 0);
    // Output element [..., i, j] starts row i of a and column j of b.
    const layout = bucketed(outShape, [
      { strides: [...a.strides.slice(0, rank - 2), a.strides[rank - 2], 0], offset: a.offset },
      { strides: [...b.strides.slice(0, rank - 2), 0, b.strides[rank - 1]], offset: b.offset },
    ]);
    const r = layout.shape.length;
    return this.exec(`matmul/${r}`, () => matmulSource(r), size, a.dtype, [
      a.buffer,
      b.buffer,
      k,
      a.strides[rank - 1],
      b.strides[rank - 2],
      ...layoutArgs(layout),
    ]);
  }

  // -------------------------------------------------------------------------------------------
  // Backend: movement and indexing

  concat(xs: readonly GpuView[], axis: number): GpuBuffer {
    for (const x of xs) this.checkLive(x.buffer);
    const parts = xs.filter((x) => sizeOf(x.shape) > 0);
    const outShape = [...xs[0].shape];
    outShape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
    if (sizeOf(outShape) === 0 || parts.length === 0) return this.exec('empty', () => '', 0, xs[0].dtype, []);
    if (parts.length === 1) return this.copy(parts[0]);
    if (parts.length > 4) {
      // At most four textures per kernel: join the first four, then the rest onto them.
      const head = this.concat(parts.slice(0, 4), axis);
      try {
        const headView: GpuView = {
          buffer: head,
          dtype: head.dtype,
          shape: [
            ...parts[0].shape.slice(0, axis),
            parts.slice(0, 4).reduce((s, x) => s + x.shape[axis], 0),
            ...parts[0].shape.slice(axis + 1),
          ],
          strides: contiguousStrides([
            ...parts[0].shape.slice(0, axis),
            parts.slice(0, 4).reduce((s, x) => s + x.shape[axis], 0),
            ...parts[0].shape.slice(axis + 1),
          ]),
          offset: 0,
        };
        return this.concat([headView, ...parts.slice(4)], axis);
      } finally {
        this.dispose(head);
      }
    }
    const ends: number[] = [];
    let start = 0;
    const operands: Operand[] = parts.map((x) => {
      const op = { strides: x.strides, offset: x.offset - start * x.strides[axis] };
      start += x.shape[axis];
      ends.push(start);
      return op;
    });
    const sel = outShape.map((_, i) => (i === axis ? 1 : 0));
    const layout = bucketed(outShape, [...operands, { strides: sel, offset: 0 }]);
    const rank = layout.shape.length;
    const count = parts.length;
    return this.exec(`concat:${count}/${rank}`, () => concatSource(count, rank), sizeOf(outShape), xs[0].dtype, [
      ...parts.map((x) => x.buffer),
      ...ends.slice(0, -1),
      ...layoutArgs(layout),
    ]);
  }

  pad(x: GpuView, widths: readonly (readonly [number, number])[]): GpuBuffer {
    this.checkLive(x.buffer);
    const outShape = x.shape.map((d, i) => d + widths[i][0] + widths[i][1]);
    const size = sizeOf(outShape);
    if (sizeOf(x.shape) === 0) return this.fill(size, x.dtype, 0);
    if (size === 0) return this.exec('empty', () => '', 0, x.dtype, []);
    // Full rank (no coalescing: each axis has its own bounds), padded to the bucket.
    const rank = rankBucket(outShape.length);
    const extra = rank - outShape.length;
    const layout: Layout = padRank(
      {
        shape: outShape,
        strides: [x.strides],
        offsets: [x.offset - widths.reduce((s, [before], i) => s + before * x.strides[i], 0)],
      },
      rank,
    );
    const bounds: number[] = [];
    for (let d = 0; d < rank; d++) {
      const i = d - extra;
      if (i < 0) bounds.push(0, 1);
      else bounds.push(widths[i][0], widths[i][0] + x.shape[i]);
    }
    return this.exec(`pad/${rank}`, () => padSource(rank), size, x.dtype, [x.buffer, ...bounds, ...layoutArgs(layout)]);
  }

  /** Index values on the host: known from the upload, else read back (the GL read is synchronous). */
  private hostIndices(indices: GpuView): TypedArray {
    const host = indices.buffer.host;
    if (host) {
      if (isContiguous(indices) && indices.offset === 0 && sizeOf(indices.shape) === host.length) return host;
      const offsets = elementOffsets(indices);
      return Int32Array.from(offsets, (o) => host[o]);
    }
    if (this.queued)
      throw new Error(
        'gpujs backend (webgpu): indices computed on the device cannot be checked without a synchronous read; ' +
          'upload them from the host',
      );
    return this.read(indices);
  }

  private checkIndices(op: string, values: TypedArray, size: number): void {
    for (let j = 0; j < values.length; j++) {
      const i = values[j];
      if (i < -size || i >= size)
        throw new RangeError(`${op}: index ${i} at position ${j} is out of range for an axis of size ${size}`);
    }
  }

  gather(x: GpuView, indices: GpuView, axis: number): GpuBuffer {
    this.checkLive(x.buffer);
    this.checkLive(indices.buffer);
    if (indices.dtype !== 'int32') throw new TypeError('gather: indices must be int32');
    const size = x.shape[axis];
    this.checkIndices('gather', this.hostIndices(indices), size);
    const ir = indices.shape.length;
    const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const total = sizeOf(outShape);
    if (total === 0) return this.exec('empty', () => '', 0, x.dtype, []);
    const xStrides = [...x.strides.slice(0, axis), ...new Array<number>(ir).fill(0), ...x.strides.slice(axis + 1)];
    const iStrides = [
      ...new Array<number>(axis).fill(0),
      ...indices.strides,
      ...new Array<number>(x.shape.length - axis - 1).fill(0),
    ];
    const layout = bucketed(outShape, [
      { strides: xStrides, offset: x.offset },
      { strides: iStrides, offset: indices.offset },
    ]);
    const rank = layout.shape.length;
    return this.exec(`gather/${rank}`, () => gatherSource(rank), total, x.dtype, [
      x.buffer,
      indices.buffer,
      size,
      x.strides[axis],
      ...layoutArgs(layout),
    ]);
  }

  scatterAdd(updates: GpuView, indices: GpuView, axis: number, outShape: readonly number[]): GpuBuffer {
    this.checkLive(updates.buffer);
    this.checkLive(indices.buffer);
    if (indices.dtype !== 'int32') throw new TypeError('scatterAdd: indices must be int32');
    const size = outShape[axis];
    const idx = this.hostIndices(indices);
    this.checkIndices('scatterAdd', idx, size);
    const total = sizeOf(outShape);
    if (total === 0) return this.exec('empty', () => '', 0, updates.dtype, []);
    if (idx.length === 0 || sizeOf(updates.shape) === 0) return this.fill(total, updates.dtype, 0);
    // Index positions grouped by target (stable): order[starts[r] .. starts[r + 1]) hit row r.
    const starts = new Float32Array(size + 1);
    for (const i of idx) starts[(i < 0 ? i + size : i) + 1]++;
    for (let r = 0; r < size; r++) starts[r + 1] += starts[r];
    const fillAt = starts.slice(0, size);
    const order = new Float32Array(idx.length);
    idx.forEach((i, j) => {
      order[fillAt[i < 0 ? i + size : i]++] = j;
    });
    const dense = isContiguous(updates) ? undefined : this.copy(updates);
    const u = dense ? { ...updates, buffer: dense, strides: contiguousStrides(updates.shape), offset: 0 } : updates;
    const orderBuf = this.upload(order, 'float32');
    const startsBuf = this.upload(starts, 'float32');
    try {
      const inner = sizeOf(outShape.slice(axis + 1));
      const uStrides = contiguousStrides(u.shape);
      const ir = indices.shape.length;
      const strides = [...uStrides.slice(0, axis), 0, ...uStrides.slice(axis + ir)];
      const sel = outShape.map((_, i) => (i === axis ? 1 : 0));
      const layout = bucketed(outShape, [
        { strides, offset: u.offset },
        { strides: sel, offset: 0 },
      ]);
      const rank = layout.shape.length;
      return this.exec(`scatterAdd/${rank}`, () => scatterAddSource(rank), total, updates.dtype, [
        u.buffer,
        orderBuf,
        startsBuf,
        inner,
        ...layoutArgs(layout),
      ]);
    } finally {
      if (dense) this.dispose(dense);
      this.dispose(orderBuf);
      this.dispose(startsBuf);
    }
  }
}
