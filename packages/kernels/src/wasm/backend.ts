/**
 * The wasm backend: tensor buffers in one shared WebAssembly memory, kernels in WASM SIMD generated at
 * start-up (see codegen.ts), large kernels split over worker threads (pool.ts).
 *
 * In wasm: float32 matmul (any strides: transposed and broadcast operands), float32 elementwise math
 * (atan2 included), reductions, the fused kernels (softmax, RMSNorm, SwiGLU's gate, their VJPs, the Adam
 * step), gather of whole slices and scatter-add of whole float rows (indexed.ts), comparisons and where on
 * float32, float64 and int32, float64 arithmetic (add, sub, mul, div, max, min, neg, abs, sqrt,
 * reciprocal, square), int32 add/sub/mul/max/min, bool logic, casts between bool, int32 and float32 and
 * between float32 and float64, and data movement (copy, concat, pad) for every dtype. The rest (float64
 * exp, log and the like, pow, mod, sin, cos, expm1, log1p, int32 div/mod/pow, argmax, gather from a
 * non-contiguous view, float32 to int32) runs the reference backend's loops directly
 * on views of the wasm memory, then copies the result in: the same semantics by construction.
 *
 * Memory: buffers are blocks of the shared memory (heap.ts). `dispose` frees at once (core's `scope`
 * does it for everything made inside). A buffer garbage-collected without dispose is freed by a
 * FinalizationRegistry, but finalizers only run when the event loop turns (and V8 does not see wasm
 * memory as pressure to collect), so a synchronous training loop that leaves tensors to the collector
 * would grow without bound. Hence spilling: past `memoryLimitBytes` of resident buffers, the least
 * recently used are copied out to host arrays and their blocks freed; a spilled buffer whose handle is
 * dead then goes with the ordinary garbage collection, and a live one comes back on its next use.
 */

import {
  type AdamStepConstants,
  type ArgReduceOp,
  type Backend,
  type BinaryOp,
  COMPARE_OPS,
  type FusedKernels,
  type MemoryStats,
  type ReduceOp,
  type UnaryOp,
} from '../backend.js';
import { DTYPES, type DType, dtypeOfArray, itemSize, type TypedArray } from '../dtype.js';
import { LiveMemory } from '../live-memory.js';
import type { HostBuffer, HostView } from '../reference/buffer.js';
import { checkedIndices, ReferenceBackend } from '../reference/index.js';
import { contiguousStrides, elementOffsets, isContiguous, sizeOf, type View } from '../view.js';
import {
  type CodegenOptions,
  GEMM,
  type GeneratedModule,
  generate,
  MAX_RANK,
  MR,
  NR,
  PACK_B,
  STRIDED,
  TRANSPOSE,
} from './codegen.js';
import { detectFeatures } from './features.js';
import { Heap, type HeapStats, PAGE, PARAMS_BASE, PARAMS_BYTES, TABLE_BASE, TABLE_END } from './heap.js';
import { GATHER, SCATTER } from './indexed.js';
import { CHUNK_BASE, MAX_CHUNKS, MAX_THREADS, ThreadPool } from './pool.js';
import {
  ADAM,
  ADD_RMS_NORM_T,
  ADD_RMS_NORM_T_EPS,
  ADD_RMS_NORM_T_KERNEL,
  ADD_RMS_NORM_TT_KERNEL,
  FUSED_KERNELS,
} from './rows.js';
import { BINARY_OPS, F64_BINARY, F64_UNARY, INT_BINARY_OPS } from './vmath.js';
import { requireWasm, type WasmModule } from './webassembly.js';

/**
 * Where a buffer's bytes are: a block of the wasm memory, or (spilled) a host copy. The backend's list of
 * resident blocks holds these, never the buffers themselves, so that a buffer stays collectable.
 */
class Placement {
  /** Byte address of the block, or -1 once spilled. */
  ptr: number;
  /** The bytes while spilled. */
  host: Uint8Array | null = null;
  /** The op count when it was last used (least recently used ones spill first). */
  stamp = 0;
  /** Index in the resident list, or -1. */
  slot = -1;
  constructor(
    ptr: number,
    readonly bytes: number,
  ) {
    this.ptr = ptr;
  }
}

/** A tensor buffer: a block of the wasm memory (or, spilled, a host copy that comes back on use). */
export class WasmBuffer {
  disposed = false;
  constructor(
    /** @internal */
    readonly place: Placement,
    /** Elements. */
    readonly size: number,
    readonly dtype: DType,
    /** Bytes (0 for an empty buffer). */
    readonly bytes: number,
  ) {}

  /** Byte address in the memory now (0 for an empty buffer, -1 while spilled). */
  get ptr(): number {
    return this.place.ptr;
  }
}

/** A strided view of a wasm backend buffer. */
export type WasmView = View<WasmBuffer>;

/** Settings of a `WasmBackend`; each has a default (threads and the memory limit read theirs from the environment). */
export interface WasmBackendOptions {
  /** Threads for large kernels, the calling one included. Default: HRM_WASM_THREADS, else the cores available. */
  readonly threads?: number;
  /** Use relaxed-SIMD fused multiply-add where the runtime has it (default true; false forces plain SIMD). */
  readonly relaxedSimd?: boolean;
  readonly initialMemoryBytes?: number;
  readonly maximumMemoryBytes?: number;
  /** Multiply-adds (M·N·K·batch) from which a matmul is split over threads. */
  readonly parallelMatmulMacs?: number;
  /**
   * Stop splitting kernels for a while when split kernels stop paying off (other work busy on the other
   * cores): default true, unless HRM_WASM_SPLIT=always. False always splits past the thresholds (a machine
   * of one's own: on the sudoku6 training step it measured faster than the adaptive policy; tests).
   */
  readonly adaptiveThreads?: boolean;
  /**
   * Elements from which an elementwise op, copy or reduction is split over threads (transcendental ops count 4 each;
   * default 65,536: on the sudoku6 training step, whose activations are [64, 36, 64], two threads gained 1.47x over
   * one with it against 1.34x with 262,144, measured side by side; the split costs more than it gains well below).
   */
  readonly parallelElements?: number;
  /**
   * Bytes of tensor buffers kept in the wasm memory (default HRM_WASM_MEMORY_LIMIT_MB, else `memoryLimitFor` the machine's memory:
   * in Node a quarter of the machine's memory between 1 and 3.5 GiB, elsewhere 1 GiB). Past it, the least recently used
   * buffers are copied out to host arrays ("spilled") and their blocks freed; a spilled buffer comes
   * back on its next use. This is what bounds memory when code leaves tensors to the garbage collector
   * inside a long synchronous loop (finalizers only run when the event loop turns). The limit rises when
   * the buffers in use by the ops just run exceed it.
   */
  readonly memoryLimitBytes?: number;
  /** Matmul blocking (rows of A, inner dim, columns of B per packed block). */
  readonly blocking?: { readonly mc: number; readonly kc: number; readonly nc: number };
  /** Name to register under (default 'wasm'). */
  readonly name?: string;
}

type Kernel = (...args: number[]) => void;

const ARRAYS = {
  float32: 'f32',
  float64: 'f64',
  int32: 'i32',
  bool: 'u8',
} as const;

/** A positive integer from the environment variable `name`, if set. */
function envInt(name: string): number | undefined {
  const v = globalThis.process?.env?.[name];
  const n = v ? Number.parseInt(v, 10) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** HRM_WASM_SPLIT: `adaptive` (the default) or `always`; anything else is an error naming both. */
function splitPolicyFromEnv(): 'adaptive' | 'always' {
  const v = globalThis.process?.env?.HRM_WASM_SPLIT;
  if (v === undefined || v === '' || v === 'adaptive') return 'adaptive';
  if (v === 'always') return 'always';
  throw new Error(`HRM_WASM_SPLIT must be 'adaptive' or 'always', not '${v}'`);
}

/**
 * The resident limit when none is given: a quarter of the machine's memory, at least 1 GiB and at most
 * 3.5 GiB (a wasm memory holds 4 GiB at most, and the allocator needs some of it), where the runtime tells
 * the machine's memory (Node); 1 GiB where it does not (browsers). An official-size HRM step at batch 32
 * holds 2.9 GB of live tensors: under a 1 GiB limit it spilled 4.3 GB to host memory and ran 1.4x slower
 * (bench/src/official-step.ts).
 */
export function memoryLimitFor(totalBytes: number | undefined): number {
  if (totalBytes === undefined) return 2 ** 30;
  return Math.min(3.5 * 2 ** 30, Math.max(2 ** 30, Math.floor(totalBytes / 4)));
}

/** Node's `os` module where the runtime has one (not in browsers). */
function nodeOs(): { totalmem?: () => number; availableParallelism?: () => number } | undefined {
  return globalThis.process?.getBuiltinModule?.('node:os') as ReturnType<typeof nodeOs>;
}

const machineMemory = (): number | undefined => nodeOs()?.totalmem?.();

const coresAvailable = (): number => nodeOs()?.availableParallelism?.() ?? 1;

/** Modules already generated and compiled in this process, by their options. */
const modules = new Map<string, { generated: GeneratedModule; module: WasmModule }>();

function compiled(options: CodegenOptions): { generated: GeneratedModule; module: WasmModule } {
  const key = JSON.stringify(options);
  let entry = modules.get(key);
  if (!entry) {
    const generated = generate(options);
    entry = { generated, module: new (requireWasm().Module)(generated.bytes) };
    modules.set(key, entry);
  }
  return entry;
}

/**
 * Whether large kernels of one kind (matmul, or elementwise) should be split over threads: a two-armed
 * bandit on the time per unit of work (multiply-add, element) of the kernels run alone and split. It
 * picks the faster and runs the other one job in 16 (one in 64 while one is 1.5x faster than the other),
 * to notice when things change. On a quiet machine splitting wins and stays; when other work keeps the
 * other cores busy, the caller would wait out the OS time slices of workers sharing its cores, and
 * running alone wins.
 *
 * Each arm's time is the lower quartile of its last eight: a kernel's time has a floor and rare long
 * outliers (a page fault, the collector, a worker woken late). A running mean let one outlier 20x the
 * usual time hold a kernel alone for a hundred jobs, and on the sudoku6 step it kept memory-bound kernels
 * alone that split 1.3-3x faster; eight samples still follow a lasting change within eight jobs. Each
 * way is tried four times, taking turns, before the policy picks one: with one sample each, a first split
 * job that waited 2.3 ms for a worker woken late (against 0.35 ms alone) held SwiGLU's VJP on the sudoku6
 * step alone for 64 jobs, where it splits 1.6x faster.
 */
export class SplitPolicy {
  private readonly times: [alone: number[], split: number[]] = [[], []];
  private count = 0;

  /** True: split the next eligible kernel. */
  decide(): boolean {
    this.count++;
    const [alone, split] = this.times;
    if (alone.length < MIN_SAMPLES || split.length < MIN_SAMPLES) return split.length <= alone.length;
    const gain = this.gain();
    const explore = gain > CLEAR_GAIN || gain < 1 / CLEAR_GAIN ? 64 : 16;
    return this.count % explore === 0 ? gain <= 1 : gain > 1;
  }

  record(split: boolean, msPerUnit: number): void {
    const window = this.times[split ? 1 : 0];
    window.push(msPerUnit);
    if (window.length > POLICY_WINDOW) window.shift();
  }

  /** Estimated speed-up of splitting (NaN until both were tried). */
  gain(): number {
    return this.estimate(false) / this.estimate(true);
  }

  private estimate(split: boolean): number {
    const window = this.times[split ? 1 : 0];
    if (window.length === 0) return Number.NaN;
    return [...window].sort((a, b) => a - b)[(window.length - 1) >> 2] as number;
  }
}

/**
 * Samples per arm of a `SplitPolicy`; the samples each arm needs before the policy picks one (until then it
 * alternates); the gain past which it explores less often.
 */
const POLICY_WINDOW = 8;
const MIN_SAMPLES = 4;
const CLEAR_GAIN = 1.5;
/** Split policies a backend keeps (kernels and amounts of work): a training step has a few dozen. */
const MAX_SPLIT_POLICIES = 1024;

/** `v` with its last two axes swapped (a view: the same buffer and elements). */
function swapLastTwo(v: WasmView): WasmView {
  const r = v.shape.length;
  const swap = <T>(a: readonly T[]) => [...a.slice(0, r - 2), a[r - 1], a[r - 2]];
  return { ...v, shape: swap(v.shape), strides: swap(v.strides) };
}

/**
 * `x` as batches of m rows of n, where it is a transpose of its last two axes that the transposing kernels
 * take: its rows one element apart (at least four of them), its elements `sj` bytes apart, its other axes
 * one step (`batch`). Undefined otherwise.
 */
function transposedBatches(
  x: WasmView,
): { m: number; n: number; batch: { size: number; stride: number }; sj: number } | undefined {
  const rank = x.shape.length;
  if (rank < 2) return undefined;
  const [m, n] = x.shape.slice(-2);
  if (m < 4 || x.strides[rank - 2] !== 1 || x.strides[rank - 1] === 1) return undefined;
  const batch = foldDims(x.shape.slice(0, -2), x.strides.slice(0, -2));
  return batch && { m, n, batch, sj: x.strides[rank - 1] * 4 };
}

/** A's batch and row dims as one dim (its size and stride), when they step evenly through memory. */
function foldRows(a: WasmView): { size: number; stride: number } | undefined {
  const rank = a.shape.length;
  const rows = foldDims(a.shape.slice(0, -1), a.strides.slice(0, -1));
  return rows && { size: rows.size, stride: rows.size === 1 ? a.strides[rank - 2] : rows.stride };
}

/** The i32 index of parameter block `i`: the one block's place, or chunk `i`'s when the work is `chunked`. */
const blockWord = (i: number, chunked: boolean): number => (chunked ? CHUNK_BASE + i * PARAMS_BYTES : PARAMS_BASE) >> 2;

/** Dims (sizes and element strides) as one, where they step evenly through memory: 1 and 0 for none. */
function foldDims(shape: readonly number[], strides: readonly number[]): { size: number; stride: number } | undefined {
  let size = 1;
  let stride = 0;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (size === 1) stride = strides[d];
    else if (strides[d] !== stride * size) return undefined;
    size *= shape[d];
  }
  return { size, stride };
}

/** Unary ops that cost several vector instructions per element (worth threads at smaller sizes). */
const EXPENSIVE: ReadonlySet<UnaryOp> = new Set(['exp', 'log', 'tanh', 'sigmoid', 'silu']);

/** True when the elements of `x` along `axes` (in that order) are one dense run of the buffer. */
function denseRun(x: WasmView, axes: readonly number[]): boolean {
  let expected = 1;
  for (let i = axes.length - 1; i >= 0; i--) {
    const d = x.shape[axes[i]];
    if (d === 1) continue;
    if (x.strides[axes[i]] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** `shape` with its last axis halved: SwiGLU's `[..., 2F]` to `[..., F]`. */
const halved = (shape: readonly number[]): number[] => [...shape.slice(0, -1), shape[shape.length - 1] / 2];

export class WasmBackend implements Backend<WasmBuffer> {
  readonly name: string;
  readonly dtypes = DTYPES;
  readonly heap: Heap;
  /** Whether the kernels use relaxed-SIMD fused multiply-add. */
  readonly relaxedSimd: boolean;
  readonly module: WasmModule;
  private readonly kernels: Record<string, Kernel>;
  private readonly kernelIndex: Map<string, number>;
  private readonly kernelList: Kernel[];
  private readonly pool: ThreadPool;
  private readonly ref = new ReferenceBackend();
  /** Buffers not disposed and their bytes (as the reference backend counts them). */
  private readonly counted = new LiveMemory();
  private readonly registry: FinalizationRegistry<Placement>;
  /** Blocks of tensor buffers in the memory, for spilling. */
  private readonly resident: Placement[] = [];
  /** Ops so far (allocations): the clock of least-recently-used. */
  private tick = 0;
  private memoryLimit: number;
  private readonly spills = { count: 0, bytes: 0, reloads: 0 };
  private readonly parallelMacs: number;
  /** Whether kernels split only while splitting is measured to pay (`adaptiveThreads`). */
  readonly adaptive: boolean;
  private readonly parallelElements: number;
  private readonly blocking: { mc: number; kc: number; nc: number };
  /** Per-thread matmul scratch: packed A, packed B. */
  private readonly scratch: [number, number][] = [];
  private readonly unaryKernels: Set<string>;

  constructor(options: WasmBackendOptions = {}) {
    const features = detectFeatures();
    if (!features.simd) throw new Error('wasm backend: this runtime has no WebAssembly SIMD');
    this.name = options.name ?? 'wasm';
    this.relaxedSimd = (options.relaxedSimd ?? true) && features.relaxedSimd;
    this.heap = new Heap({
      shared: features.threads,
      ...(options.initialMemoryBytes !== undefined ? { initialBytes: options.initialMemoryBytes } : {}),
      ...(options.maximumMemoryBytes !== undefined ? { maximumBytes: options.maximumMemoryBytes } : {}),
    });
    this.blocking = { mc: 64, kc: 256, nc: 1024, ...options.blocking };
    const { generated, module } = compiled({
      relaxed: this.relaxedSimd,
      maximumPages: this.heap.maximumPages,
      shared: features.threads,
      ...this.blocking,
    });
    this.module = module;
    const instance = new (requireWasm().Instance)(this.module, { env: { memory: this.heap.memory } });
    this.kernels = instance.exports as unknown as Record<string, Kernel>;
    this.kernelIndex = new Map(generated.exports.map((n, i) => [n, i]));
    this.kernelList = generated.exports.map((n) => this.kernels[n]);
    this.unaryKernels = new Set(generated.exports.filter((n) => n.startsWith('unary_')).map((n) => n.slice(6)));
    const threads = Math.min(MAX_THREADS, options.threads ?? envInt('HRM_WASM_THREADS') ?? coresAvailable());
    this.pool = new ThreadPool({
      module: this.module,
      memory: this.heap.memory,
      exports: generated.exports,
      kernels: this.kernelList,
      threads: features.threads ? threads : 1,
    });
    this.adaptive = options.adaptiveThreads ?? splitPolicyFromEnv() === 'adaptive';
    this.parallelMacs = options.parallelMatmulMacs ?? 1 << 20;
    this.parallelElements = options.parallelElements ?? 1 << 16;
    const limitMiB = envInt('HRM_WASM_MEMORY_LIMIT_MB');
    this.memoryLimit =
      options.memoryLimitBytes ?? (limitMiB !== undefined ? limitMiB * 2 ** 20 : memoryLimitFor(machineMemory()));
    // Frees the memory of buffers collected without dispose (when the event loop lets it run). `liveBuffers`
    // still counts them (buffers not disposed, as the reference backend counts), so leak tests do not
    // depend on GC timing.
    this.registry = new FinalizationRegistry((p) => this.release(p));
  }

  // -------------------------------------------------------------------------------------------
  // Threads

  /** Threads large kernels may use (the calling thread included). */
  get threads(): number {
    return this.pool.threads;
  }

  /** Starts the worker threads now and waits until they are ready; returns the threads usable. */
  startThreads(timeoutMs?: number): number {
    return this.pool.waitUntilReady(timeoutMs);
  }

  /** Jobs run per thread so far (index 0 is the calling thread). */
  threadJobs(): readonly number[] {
    return this.pool.jobsRun;
  }

  /** Ends the worker threads (they restart on demand). */
  closeThreads(): Promise<void> {
    return this.pool.close();
  }

  /** Changes the thread count (up to the count the backend started with). */
  setThreads(n: number): void {
    this.pool.threads = Math.max(1, Math.min(n, this.pool.jobsRun.length));
  }

  /**
   * Threads for a kernel of `work` units, split from `threshold` on, when `policy` (adaptive threads) says
   * splitting pays. An eligible kernel's time is then reported with `timed`.
   */
  private threadsFor(work: number, threshold: number, kernel: string): number {
    if (this.pool.threads < 2 || work < threshold) return 1;
    this.pool.start();
    const available = Math.min(this.pool.available(), this.pool.threads);
    if (available < 2) return 1;
    const policy = this.adaptive ? this.policyFor(kernel, work) : undefined;
    this.pending = policy;
    this.pendingStart = performance.now();
    if (policy && !policy.decide()) {
      this.pendingSplit = false;
      return 1;
    }
    this.pendingSplit = true;
    return available;
  }

  /** Reports the time of the eligible kernel just run (see `threadsFor`). */
  private timed(work: number): void {
    const policy = this.pending;
    if (!policy) return;
    this.pending = undefined;
    policy.record(this.pendingSplit, (performance.now() - this.pendingStart) / work);
  }

  private pending: SplitPolicy | undefined;
  private pendingStart = 0;
  private pendingSplit = false;
  /**
   * The split policies (adaptive threads), one per kernel and amount of work. A training step runs the
   * same kernels at the same sizes every step, so each policy compares a kernel split with the same kernel
   * alone. One policy for all elementwise kernels compared the times per element of different kernels and
   * sizes, and on the sudoku6 step settled on running alone far more often than it should (2 threads 1.31x
   * faster than 1, against 1.52x always splitting); one per kernel and power of two of the work still
   * compared different products (2368x96x64 and 4096x37x128 are both about 2^24 multiply-adds, at
   * different speeds), and ran the step's largest kernels alone one time in five or six.
   */
  private readonly splitPolicies = new Map<string, SplitPolicy>();

  private policyFor(kernel: string, work: number): SplitPolicy {
    const key = `${kernel}/${work}`;
    let policy = this.splitPolicies.get(key);
    if (!policy) {
      // Sizes that keep changing (a server's batches) would grow the map without end: start over.
      if (this.splitPolicies.size >= MAX_SPLIT_POLICIES) this.splitPolicies.clear();
      policy = new SplitPolicy();
      this.splitPolicies.set(key, policy);
    }
    return policy;
  }

  // -------------------------------------------------------------------------------------------
  // Buffers

  private allocate(size: number, dtype: DType): WasmBuffer {
    const bytes = size * itemSize(dtype);
    // Before anything else: a block that can never exist must not spill every other buffer first.
    if (bytes > 0) this.heap.checkRequest(bytes);
    this.tick++;
    if (bytes === 0) {
      this.counted.allocated(0);
      return new WasmBuffer(new Placement(0, 0), 0, dtype, 0);
    }
    const place = new Placement(this.block(bytes), bytes);
    this.counted.allocated(bytes); // only once the block is had, so a refusal leaves the counts right
    place.stamp = this.tick;
    this.track(place);
    const buffer = new WasmBuffer(place, size, dtype, bytes);
    // The placement is the held value and the unregister token: spilling unregisters it, so that a spilled
    // copy is reachable from its buffer alone and goes with it to the garbage collector.
    this.registry.register(buffer, place, place);
    return buffer;
  }

  /** A block for a tensor buffer, spilling others first if the limit is reached. */
  private block(bytes: number): number {
    if (this.heap.liveBytes + bytes > this.memoryLimit) this.spill(bytes);
    return this.heap.alloc(bytes);
  }

  private track(p: Placement): void {
    p.slot = this.resident.length;
    this.resident.push(p);
  }

  private untrack(p: Placement): void {
    const last = this.resident.pop() as Placement;
    if (last !== p) {
      this.resident[p.slot] = last;
      last.slot = p.slot;
    }
    p.slot = -1;
  }

  /** Frees a placement's block (or host copy). */
  private release(p: Placement): void {
    if (p.slot >= 0) {
      this.heap.free(p.ptr, p.bytes);
      this.untrack(p);
    }
    p.ptr = -1;
    p.host = null;
  }

  /**
   * Copies the least recently used buffers out to host arrays until `incoming` more bytes fit under three
   * quarters of the limit. Buffers used by the last few ops (the current op's operands among them) stay.
   */
  private spill(incoming: number): void {
    const target = 0.75 * this.memoryLimit - incoming;
    const recent = this.tick - 8;
    const candidates = this.resident.filter((p) => p.stamp < recent).sort((a, b) => a.stamp - b.stamp);
    for (const p of candidates) {
      if (this.heap.liveBytes <= target) break;
      p.host = this.heap.u8.slice(p.ptr, p.ptr + p.bytes);
      this.heap.free(p.ptr, p.bytes);
      this.untrack(p);
      this.registry.unregister(p);
      p.ptr = -1;
      this.spills.count++;
      this.spills.bytes += p.bytes;
    }
    // What the recent ops use does not fit: the limit was too low for this program.
    if (this.heap.liveBytes + incoming > this.memoryLimit)
      this.memoryLimit = Math.ceil(1.5 * (this.heap.liveBytes + incoming));
  }

  /** The byte address of a live buffer's block, bringing it back if it was spilled; marks it used. */
  private addr(b: WasmBuffer): number {
    if (b.disposed) throw new Error('wasm backend: buffer used after dispose');
    const p = b.place;
    if (p.ptr < 0) {
      const ptr = this.block(p.bytes);
      this.heap.u8.set(p.host as Uint8Array, ptr);
      p.host = null;
      p.ptr = ptr;
      this.track(p);
      this.registry.register(b, p, p);
      this.spills.reloads++;
    }
    p.stamp = this.tick;
    return p.ptr;
  }

  private array(dtype: DType): TypedArray {
    return this.heap[ARRAYS[dtype]];
  }

  /** Element index of a buffer's first element in the memory view of its dtype. */
  private index(b: WasmBuffer): number {
    return this.addr(b) / itemSize(b.dtype);
  }

  private check(b: WasmBuffer): WasmBuffer {
    if (b.disposed) throw new Error('wasm backend: buffer used after dispose');
    return b;
  }

  upload(data: TypedArray, dtype: DType): WasmBuffer {
    const out = this.allocate(data.length, dtype);
    if (out.bytes > 0) this.array(dtype).set(data, this.index(out));
    return out;
  }

  read(x: WasmView): TypedArray {
    const b = this.check(x.buffer);
    const n = sizeOf(x.shape);
    if (isContiguous(x)) {
      const start = this.index(b) + x.offset;
      return this.array(x.dtype).slice(start, start + n);
    }
    const tmp = this.copy(x);
    const out = this.array(x.dtype).slice(this.index(tmp), this.index(tmp) + n);
    this.dispose(tmp);
    return out;
  }

  dispose(buffer: WasmBuffer): void {
    if (buffer.disposed) return;
    buffer.disposed = true;
    this.counted.released(buffer.bytes);
    if (buffer.bytes > 0) {
      this.registry.unregister(buffer.place);
      this.release(buffer.place);
    }
  }

  liveBuffers(): number {
    return this.counted.liveBuffers;
  }

  /** Buffers and bytes not disposed (a buffer left to the garbage collector counts until then: as the reference). */
  memory(): MemoryStats {
    return this.counted.stats();
  }

  resetPeak(): void {
    this.counted.resetPeak();
  }

  // -------------------------------------------------------------------------------------------
  // Strided kernels

  /** Scratch of `strided`: the coalesced shape and byte strides, built innermost first. */
  private readonly cShape = new Int32Array(MAX_RANK * 2);
  private readonly cStrides = [0, 1, 2, 3].map(() => new Int32Array(MAX_RANK * 2));

  /**
   * Runs a strided-driver kernel over `shape` with `ptrs.length` operands (byte addresses, output
   * first) whose element strides are `strides[k]`, or contiguous ones for `null`; operand k has
   * elements of `bytes[k]` bytes (or `bytes` for all). Dims of size 1 are dropped and dims every operand steps through evenly
   * are merged (the last dim stays apart with `keepLast`: a reduction's run); `scalar` is a float32
   * constant for the kernel (at most three operands then). Writes the parameter
   * block of the calling thread. No allocation: this runs once per elementwise op.
   */
  private strided(
    kernel: string,
    shape: readonly number[],
    ptrs: readonly number[],
    strides: readonly (readonly number[] | null)[],
    bytes: number | readonly number[],
    keepLast = false,
    cost = 1,
    scalar?: number,
  ): void {
    const ops = ptrs.length;
    const cs = this.cShape;
    const cst = this.cStrides;
    let r = 0;
    let contiguous = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const size = shape[d];
      const pinned = keepLast && d === shape.length - 1;
      if (size !== 1 || pinned) {
        let merge = r > 0 && !(keepLast && r === 1);
        for (let k = 0; merge && k < ops; k++) {
          const st = strides[k];
          merge =
            (st === null ? contiguous : st[d]) * (typeof bytes === 'number' ? bytes : bytes[k]) ===
            cst[k][r - 1] * cs[r - 1];
        }
        if (merge) cs[r - 1] *= size;
        else {
          if (r === MAX_RANK) throw new Error(`wasm backend: more than ${MAX_RANK} dims after coalescing`);
          cs[r] = size;
          for (let k = 0; k < ops; k++) {
            const st = strides[k];
            cst[k][r] = (st === null ? contiguous : st[d]) * (typeof bytes === 'number' ? bytes : bytes[k]);
          }
          r++;
        }
      }
      contiguous *= size;
    }
    if (r === 0) {
      cs[0] = 1;
      for (let k = 0; k < ops; k++) cst[k][0] = 0;
      r = 1;
    }
    // Threads: split the outermost dim, where the output has a stride of its own (a reduction
    // accumulating into its output along that dim must stay on one thread), into chunks that the threads
    // claim (two per thread, so that a late thread costs little).
    let total = 1;
    for (let d = 0; d < r; d++) total *= cs[d];
    const outer = cs[r - 1];
    const splittable = cst[0][r - 1] !== 0 && !(keepLast && r === 1) && outer >= 2;
    const threads = splittable ? this.threadsFor(total * cost, this.parallelElements, kernel) : 1;
    // With one dim, keep the pieces 16-element aligned (whole vectors).
    const unit = r === 1 ? 16 : 1;
    const units = Math.ceil(outer / unit);
    const parts = threads > 1 ? Math.min(2 * threads, units, MAX_CHUNKS) : 1;
    const i32 = this.heap.i32;
    let blocks = 0;
    for (let t = 0; t < parts; t++) {
      const lo = Math.min(outer, Math.round((t * units) / parts) * unit);
      const hi = Math.min(outer, Math.round(((t + 1) * units) / parts) * unit);
      if (hi <= lo) continue;
      const w = blockWord(blocks, parts > 1);
      for (let k = 0; k < ops; k++) i32[w + STRIDED.ptrs + k] = ptrs[k] + lo * cst[k][r - 1];
      if (scalar !== undefined) this.heap.f32[w + STRIDED.scalar] = scalar;
      i32[w + STRIDED.rank] = r;
      const sh = w + STRIDED.shape;
      i32[sh] = hi - lo;
      for (let d = 1; d < r; d++) i32[sh + d] = cs[r - 1 - d];
      for (let k = 0; k < ops; k++) {
        const at = sh + r * (k + 1);
        const src = cst[k];
        for (let d = 0; d < r; d++) i32[at + d] = src[r - 1 - d];
      }
      blocks++;
    }
    this.runBlocks(kernel, blocks, parts > 1, threads, total * cost);
  }

  /**
   * Runs `kernel` on the `count` parameter blocks written at `blockWord(i, chunked)`: here on one block, or
   * as chunks that the threads claim (`patch`: the word the pool sets to each thread's scratch, -1 for
   * none); then reports its time (`work`) to the split policy.
   */
  private runBlocks(kernel: string, count: number, chunked: boolean, threads: number, work: number, patch = -1): void {
    if (!chunked) this.kernels[kernel](PARAMS_BASE);
    else this.pool.run(this.kernelIndex.get(kernel) as number, count, CHUNK_BASE, PARAMS_BYTES, patch, threads - 1);
    this.timed(work);
  }

  private ptrOf(v: WasmView): number {
    return this.addr(v.buffer) + v.offset * itemSize(v.dtype);
  }

  /** Copies view `x` into the strided destination at byte address `dst` (element strides `dstStrides`). */
  private copyInto(x: WasmView, dst: number, dstStrides: readonly number[] | null): void {
    if (sizeOf(x.shape) === 0) return;
    const size = itemSize(x.dtype);
    this.strided(`copy${size}`, x.shape, [dst, this.ptrOf(x)], [dstStrides, x.strides], size);
  }

  // -------------------------------------------------------------------------------------------
  // The reference loops on views of the wasm memory

  private host(v: WasmView): HostView {
    const b = this.check(v.buffer);
    // The address first: bringing a spilled buffer back may grow the memory, and with it the views.
    const offset = (b.bytes === 0 ? 0 : this.index(b)) + v.offset;
    return {
      buffer: { data: this.array(v.dtype), disposed: false },
      dtype: v.dtype,
      shape: v.shape,
      strides: v.strides,
      offset,
    };
  }

  private adopt(h: HostBuffer): WasmBuffer {
    const out = this.upload(h.data, dtypeOfArray(h.data));
    this.ref.dispose(h);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Kernels

  fill(size: number, dtype: DType, value: number): WasmBuffer {
    const out = this.allocate(size, dtype);
    if (size > 0) {
      const start = this.index(out);
      this.array(dtype).fill(dtype === 'bool' ? +(value !== 0) : value, start, start + size);
    }
    return out;
  }

  unary(op: UnaryOp, x: WasmView): WasmBuffer {
    if (op === 'not' && x.dtype === 'bool') return this.elementwise('bool_not', 'bool', x.shape, [x], [1, 1]);
    if (x.dtype === 'float64' && op in F64_UNARY) return this.elementwise(`f64_unary_${op}`, x.dtype, x.shape, [x], 8);
    if (x.dtype !== 'float32' || !this.unaryKernels.has(op)) return this.adopt(this.ref.unary(op, this.host(x)));
    return this.elementwise(`unary_${op}`, 'float32', x.shape, [x], 4, EXPENSIVE.has(op) ? 4 : 1);
  }

  binary(op: BinaryOp, a: WasmView, b: WasmView): WasmBuffer {
    const t = a.dtype;
    if ((COMPARE_OPS as readonly string[]).includes(op)) {
      if (t === 'float32' || t === 'int32') return this.elementwise(`${t}_${op}`, 'bool', a.shape, [a, b], [1, 4, 4]);
      if (t === 'float64') return this.elementwise(`${t}_${op}`, 'bool', a.shape, [a, b], [1, 8, 8]);
    } else if (op === 'and' || op === 'or') {
      if (t === 'bool') return this.elementwise(`bool_${op}`, 'bool', a.shape, [a, b], [1, 1, 1]);
    } else if (t === 'float32' && op in BINARY_OPS) return this.elementwise(`binary_${op}`, t, a.shape, [a, b], 4);
    else if (t === 'int32' && op in INT_BINARY_OPS) return this.elementwise(`int32_${op}`, t, a.shape, [a, b], 4);
    else if (t === 'float64' && op in F64_BINARY) return this.elementwise(`f64_binary_${op}`, t, a.shape, [a, b], 8);
    return this.adopt(this.ref.binary(op, this.host(a), this.host(b)));
  }

  /** A fresh contiguous `dtype` buffer of `shape` computed by the elementwise kernel `kernel` from `inputs`. */
  private elementwise(
    kernel: string,
    dtype: DType,
    shape: readonly number[],
    inputs: readonly WasmView[],
    bytes: number | readonly number[],
    cost = 1,
  ): WasmBuffer {
    const n = sizeOf(shape);
    const out = this.allocate(n, dtype);
    if (n > 0)
      this.strided(
        kernel,
        shape,
        [out.ptr, ...inputs.map((v) => this.ptrOf(v))],
        [null, ...inputs.map((v) => v.strides)],
        bytes,
        false,
        cost,
      );
    return out;
  }

  where(cond: WasmView, a: WasmView, b: WasmView): WasmBuffer {
    if (cond.dtype === 'bool' && (a.dtype === 'float32' || a.dtype === 'int32'))
      return this.elementwise('where4', a.dtype, a.shape, [cond, a, b], [4, 1, 4, 4]);
    if (cond.dtype === 'bool' && a.dtype === 'float64')
      return this.elementwise('where8', a.dtype, a.shape, [cond, a, b], [8, 1, 8, 8]);
    return this.adopt(this.ref.where(this.host(cond), this.host(a), this.host(b)));
  }

  cast(x: WasmView, dtype: DType): WasmBuffer {
    if (dtype === x.dtype) return this.copy(x);
    const kernel = `cast_${x.dtype}_${dtype}`;
    if (this.kernelIndex.has(kernel))
      return this.elementwise(kernel, dtype, x.shape, [x], [itemSize(dtype), itemSize(x.dtype)]);
    return this.adopt(this.ref.cast(this.host(x), dtype));
  }

  copy(x: WasmView): WasmBuffer {
    const n = sizeOf(x.shape);
    const out = this.allocate(n, x.dtype);
    if (n > 0 && !this.copyTransposed(x, out.ptr)) this.copyInto(x, out.ptr, null);
    return out;
  }

  /**
   * Copies `x` to `dst` (contiguous) with the transposing kernel where its last axis steps through memory
   * and the one before it is contiguous (a transpose of the last two axes), both have four elements or
   * more, its other axes fold into one, and its elements are 4 bytes; returns whether it did.
   */
  private copyTransposed(x: WasmView, dst: number): boolean {
    const t = itemSize(x.dtype) === 4 ? transposedBatches(x) : undefined;
    if (!t || t.n < 4) return false;
    const { m, n, batch, sj } = t;
    const src = this.ptrOf(x);
    this.runBatches('transpose32', batch.size, batch.size * m * n, (at, lo, hi) =>
      this.writeParams(at, TRANSPOSE, {
        dst: dst + lo * m * n * 4,
        src: src + lo * batch.stride * 4,
        batch: hi - lo,
        m,
        n,
        sb: batch.stride * 4,
        sj,
      }),
    );
    return true;
  }

  /**
   * Runs a kernel over `batches` batches, in parts over them that the threads claim where splitting `work`
   * pays: `write(at, lo, hi)` fills the parameter block at byte `at` for batches lo..hi.
   */
  private runBatches(
    kernel: string,
    batches: number,
    work: number,
    write: (at: number, lo: number, hi: number) => void,
  ): void {
    const threads = batches > 1 ? this.threadsFor(work, this.parallelElements, kernel) : 1;
    const parts = threads > 1 ? Math.min(2 * threads, batches, MAX_CHUNKS) : 1;
    for (let t = 0; t < parts; t++)
      write(4 * blockWord(t, parts > 1), Math.round((t * batches) / parts), Math.round(((t + 1) * batches) / parts));
    this.runBlocks(kernel, parts, parts > 1, threads, work);
  }

  reduce(op: ReduceOp, x: WasmView, axes: readonly number[]): WasmBuffer {
    if (x.dtype !== 'float32') return this.adopt(this.ref.reduce(op, this.host(x), axes));
    const rank = x.shape.length;
    const keptAxes: number[] = [];
    for (let i = 0; i < rank; i++) if (!axes.includes(i)) keptAxes.push(i);
    const keptShape = keptAxes.map((i) => x.shape[i]);
    const count = sizeOf(keptShape);
    const out = this.allocate(count, 'float32');
    if (count === 0) return out;
    const run = axes.reduce((n, a) => n * x.shape[a], 1);
    const outStridesKept = contiguousStrides(keptShape);
    const init = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
    if (run === 0) {
      this.heap.f32.fill(init, this.index(out), this.index(out) + count);
      return out;
    }
    // Row reduction when the reduced elements of each output form one contiguous run; column
    // reduction (out = op(out, slice)) when the kept dims end in a contiguous run; otherwise
    // materialise the view with the reduced axes last first.
    const xPtr = this.ptrOf(x);
    if (denseRun(x, axes)) {
      const shape = [...keptShape, run];
      this.strided(
        `reduce_${op}`,
        shape,
        [out.ptr, xPtr],
        [
          [...outStridesKept, 0],
          [...keptAxes.map((i) => x.strides[i]), 1],
        ],
        4,
        true,
      );
      return out;
    }
    const lastKept = keptAxes.length - 1;
    if (lastKept >= 0 && x.strides[keptAxes[lastKept]] === 1 && keptShape[lastKept] >= 4) {
      this.heap.f32.fill(init, this.index(out), this.index(out) + count);
      // Loop order: kept dims but the last, reduced dims, then the last kept dim innermost.
      const order = [...keptAxes.slice(0, lastKept), ...axes, keptAxes[lastKept]];
      const outStrides = order.map((a) => (axes.includes(a) ? 0 : outStridesKept[keptAxes.indexOf(a)]));
      const kernel = op === 'sum' ? 'binary_add' : op === 'max' ? 'binary_maximum' : 'binary_minimum';
      this.strided(
        kernel,
        order.map((a) => x.shape[a]),
        [out.ptr, out.ptr, xPtr],
        [outStrides, outStrides, order.map((a) => x.strides[a])],
        4,
      );
      return out;
    }
    const moved: WasmView = {
      ...x,
      shape: [...keptShape, ...axes.map((a) => x.shape[a])],
      strides: [...keptAxes.map((a) => x.strides[a]), ...axes.map((a) => x.strides[a])],
    };
    const tmp = this.copy(moved);
    try {
      this.strided(
        `reduce_${op}`,
        [...keptShape, run],
        [out.ptr, tmp.ptr],
        [
          [...outStridesKept, 0],
          [...contiguousStrides(keptShape).map((s) => s * run), 1],
        ],
        4,
        true,
      );
    } finally {
      this.dispose(tmp);
    }
    return out;
  }

  /**
   * `addRmsNorm(x, y)` by `fused_add_rms_norm_t`, where x is a transpose of the last two axes (of rows 4
   * bytes apart, its batch dims one step) and y contiguous; undefined otherwise. (x + y is y + x to the
   * bit, so the backend tries both orders.) With `outTransposed` (`fused_add_rms_norm_tt`) the result is
   * written transposed in its last two axes: `addRmsNormColumns` of the transposes of x and y.
   */
  private addRmsNormTransposed(x: WasmView, y: WasmView, eps: number, outTransposed = false): WasmBuffer | undefined {
    const t = isContiguous(y) ? transposedBatches(x) : undefined;
    if (!t) return undefined;
    const { m, n, batch, sj } = t;
    const out = this.allocate(sizeOf(x.shape), 'float32');
    if (n === 0 || batch.size === 0) return out;
    const [px, py] = [this.ptrOf(x), this.ptrOf(y)];
    const kernel = outTransposed ? ADD_RMS_NORM_TT_KERNEL : ADD_RMS_NORM_T_KERNEL;
    this.runBatches(kernel, batch.size, batch.size * m * n * 3, (at, lo, hi) => {
      this.writeParams(at, ADD_RMS_NORM_T, {
        out: out.ptr + lo * m * n * 4,
        x: px + lo * batch.stride * 4,
        y: py + lo * m * n * 4,
        batch: hi - lo,
        m,
        n,
        sb: batch.stride * 4,
        sj,
      });
      this.heap.f32[(at >> 2) + ADD_RMS_NORM_T_EPS] = eps;
    });
    return out;
  }

  /**
   * The fused kernels (rows.ts) for float32; float64 runs the reference's loops. The kernels need
   * contiguous rows: an input whose last axis is not is copied first (except a transposed input of
   * addRmsNorm's, which its own kernel reads as it is).
   */
  readonly fused: FusedKernels<WasmBuffer> = {
    softmax: (x) =>
      x.dtype === 'float32' ? this.rows('softmax', x.shape, [x], 4) : this.adopt(this.ref.fused.softmax(this.host(x))),
    softmaxVjp: (y, g) =>
      y.dtype === 'float32'
        ? this.rows('softmaxVjp', y.shape, [y, g], 2)
        : this.adopt(this.ref.fused.softmaxVjp(this.host(y), this.host(g))),
    rmsNorm: (x, eps) =>
      x.dtype === 'float32'
        ? this.rows('rmsNorm', x.shape, [x], 2, eps)
        : this.adopt(this.ref.fused.rmsNorm(this.host(x), eps)),
    addRmsNorm: (x, y, eps) =>
      x.dtype !== 'float32'
        ? this.adopt(this.ref.fused.addRmsNorm(this.host(x), this.host(y), eps))
        : (this.addRmsNormTransposed(x, y, eps) ??
          this.addRmsNormTransposed(y, x, eps) ??
          this.rows('addRmsNorm', x.shape, [x, y], 3, eps)),
    addRmsNormColumns: (x, y, eps) => {
      const [xt, yt] = [swapLastTwo(x), swapLastTwo(y)];
      if (x.dtype === 'float32') {
        const out = this.addRmsNormTransposed(xt, yt, eps, true) ?? this.addRmsNormTransposed(yt, xt, eps, true);
        if (out) return out;
      }
      // Otherwise the rows of the transposes, copied back into this layout.
      const rows = this.fused.addRmsNorm(xt, yt, eps);
      const shape = xt.shape;
      try {
        return this.copy(
          swapLastTwo({ buffer: rows, dtype: x.dtype, shape, strides: contiguousStrides(shape), offset: 0 }),
        );
      } finally {
        this.dispose(rows);
      }
    },
    rmsNormVjp: (x, g, eps) =>
      x.dtype === 'float32'
        ? this.rows('rmsNormVjp', x.shape, [x, g], 3, eps)
        : this.adopt(this.ref.fused.rmsNormVjp(this.host(x), this.host(g), eps)),
    gatedSilu: (x) =>
      x.dtype === 'float32'
        ? this.rows('gatedSilu', halved(x.shape), [x], 4)
        : this.adopt(this.ref.fused.gatedSilu(this.host(x))),
    gatedSiluVjp: (x, g) =>
      x.dtype === 'float32'
        ? this.rows('gatedSiluVjp', halved(x.shape), [x, g], 4, undefined, x.shape)
        : this.adopt(this.ref.fused.gatedSiluVjp(this.host(x), this.host(g))),
    adamStep: (p, g, m, v, c) =>
      p.dtype === 'float32'
        ? this.adamStep(p, g, m, v, c)
        : this.adopt(this.ref.fused.adamStep(this.host(p), this.host(g), this.host(m), this.host(v), c)),
  };

  /** `views`, each one that fails `fits` replaced by a contiguous copy (`copies`, for the caller to dispose). */
  private copiedUnless(
    views: readonly WasmView[],
    fits: (v: WasmView) => boolean,
  ): { views: WasmView[]; copies: WasmBuffer[] } {
    const copies: WasmBuffer[] = [];
    const out = views.map((v): WasmView => {
      if (fits(v)) return v;
      const copy = this.copy(v);
      copies.push(copy);
      return { buffer: copy, dtype: v.dtype, shape: v.shape, strides: contiguousStrides(v.shape), offset: 0 };
    });
    return { views: out, copies };
  }

  /** The Adam step's kernel on contiguous copies of any input that is not contiguous; one thread (it is memory-bound). */
  private adamStep(p: WasmView, g: WasmView, m: WasmView, v: WasmView, c: AdamStepConstants): WasmBuffer {
    const n = sizeOf(p.shape);
    const { views: inputs, copies } = this.copiedUnless([p, g, m, v], isContiguous);
    const out = this.allocate(3 * n, 'float32');
    try {
      if (n === 0) return out;
      const ptrs = [out.ptr, ...inputs.map((x) => this.ptrOf(x))];
      const w = PARAMS_BASE >> 2;
      const [i32, f32] = [this.heap.i32, this.heap.f32];
      ptrs.forEach((ptr, k) => {
        i32[w + k] = ptr;
      });
      i32[w + ADAM.n] = n;
      f32[w + ADAM.rate1] = c.rate1;
      f32[w + ADAM.rate2] = c.rate2;
      f32[w + ADAM.l2] = c.l2;
      f32[w + ADAM.decay] = c.decay;
      f32[w + ADAM.step] = c.step;
      f32[w + ADAM.vScale] = c.vScale;
      f32[w + ADAM.eps] = c.eps;
      this.kernels[c.atan2 ? FUSED_KERNELS.adamAtan2Step : FUSED_KERNELS.adamStep](PARAMS_BASE);
      return out;
    } finally {
      for (const copy of copies) this.dispose(copy);
    }
  }

  /**
   * Runs fused kernel `method` over the rows of `walk` (the output's shape, or for SwiGLU's VJP the
   * half of the output the kernel's row pointer walks: the other half sits `n` elements on). The
   * output is contiguous in `outShape`.
   */
  private rows(
    method: Exclude<keyof FusedKernels, 'adamStep' | 'addRmsNormColumns'>,
    walk: readonly number[],
    inputs: readonly WasmView[],
    cost: number,
    scalar?: number,
    outShape: readonly number[] = walk,
  ): WasmBuffer {
    const out = this.allocate(sizeOf(outShape), 'float32');
    if (sizeOf(walk) === 0) return out;
    const { views: rowsOf, copies } = this.copiedUnless(inputs, (v) => {
      const last = v.shape.length - 1;
      return v.strides[last] === 1 || v.shape[last] <= 1;
    });
    try {
      this.strided(
        FUSED_KERNELS[method],
        walk,
        [out.ptr, ...rowsOf.map((v) => this.ptrOf(v))],
        [contiguousStrides(outShape), ...rowsOf.map((v) => v.strides)],
        4,
        true,
        cost,
        scalar,
      );
    } finally {
      for (const c of copies) this.dispose(c);
    }
    return out;
  }

  argReduce(op: ArgReduceOp, x: WasmView, axis: number): WasmBuffer {
    return this.adopt(this.ref.argReduce(op, this.host(x), axis));
  }

  matmul(aView: WasmView, bView: WasmView): WasmBuffer {
    let a = aView;
    let b = bView;
    if (a.dtype !== 'float32') return this.adopt(this.ref.matmul(this.host(a), this.host(b)));
    const rank0 = a.shape.length;
    const out = this.allocate(sizeOf(a.shape.slice(0, rank0 - 1)) * b.shape[rank0 - 1], 'float32');
    if (out.size === 0) return out;
    if (a.shape[rank0 - 1] === 0) {
      this.heap.f32.fill(0, this.index(out), this.index(out) + out.size);
      return out;
    }
    // [...batch, M, K] @ [K, N] broadcast over the batch (a linear layer on [B, L, D]): one product of
    // [batch·M, K] @ [K, N] when A's batch and row dims step evenly, instead of packing B per batch.
    if (rank0 > 2 && b.strides.slice(0, rank0 - 2).every((st, i) => st === 0 || b.shape[i] === 1)) {
      const rows = foldRows(a);
      if (rows !== undefined) {
        a = { ...a, shape: [rows.size, a.shape[rank0 - 1]], strides: [rows.stride, a.strides[rank0 - 1]] };
        b = { ...b, shape: b.shape.slice(-2), strides: b.strides.slice(-2) };
      }
    }
    const rank = a.shape.length;
    const M = a.shape[rank - 2];
    const K = a.shape[rank - 1];
    const N = b.shape[rank - 1];
    const batchShape = a.shape.slice(0, rank - 2);
    const batch = sizeOf(batchShape);
    const threads = this.threadsFor(batch * M * N * K, this.parallelMacs, 'gemm');
    this.ensureScratch(threads > 1 ? this.pool.threads : 1);
    // Byte offsets of each batch's matrices (broadcast batch dims have stride 0).
    const tableWords = 2 * batch;
    const inPlace = tableWords <= (TABLE_END - TABLE_BASE) >> 2;
    const table = inPlace ? TABLE_BASE : this.heap.alloc(tableWords * 4);
    try {
      const i32 = this.heap.i32;
      const t0 = table >> 2;
      if (batch === 1) {
        i32[t0] = 0;
        i32[t0 + 1] = 0;
      } else {
        const strides = contiguousStrides(batchShape);
        for (let p = 0; p < batch; p++) {
          let ao = 0;
          let bo = 0;
          for (let d = 0; d < batchShape.length; d++) {
            const idx = Math.floor(p / strides[d]) % batchShape[d];
            ao += idx * a.strides[d];
            bo += idx * b.strides[d];
          }
          i32[t0 + p] = ao * 4;
          i32[t0 + batch + p] = bo * 4;
        }
      }
      // Row chunks of a single product whose B is one packed block share it, packed here once (each chunk
      // packed all of B; now more chunks cost nothing, and a late thread leaves less for the other to wait on).
      const shareB = threads > 1 && batch === 1 && K <= this.blocking.kc && N <= this.blocking.nc;
      const chunks =
        threads > 1 ? this.plan(threads, batch, M, N, shareB) : [{ m0: 0, m1: M, n0: 0, n1: N, b0: 0, b1: batch }];
      const [pA, pB] = [this.ptrOf(a), this.ptrOf(b)];
      const sharedB = shareB && chunks[0].n1 - chunks[0].n0 === N ? this.packShared(pB, K, N, b.strides, rank) : 0;
      for (let c = 0; c < chunks.length; c++) {
        const job = chunks[c];
        const w = blockWord(c, chunks.length > 1);
        i32[w + GEMM.m0] = job.m0;
        i32[w + GEMM.m1] = job.m1;
        i32[w + GEMM.n0] = job.n0;
        i32[w + GEMM.n1] = job.n1;
        i32[w + GEMM.b0] = job.b0;
        i32[w + GEMM.b1] = job.b1;
        i32[w + GEMM.k] = K;
        i32[w + GEMM.n] = N;
        i32[w + GEMM.m] = M;
        i32[w + GEMM.pA] = pA;
        i32[w + GEMM.pB] = pB;
        i32[w + GEMM.pC] = out.ptr;
        i32[w + GEMM.sam] = a.strides[rank - 2] * 4;
        i32[w + GEMM.sak] = a.strides[rank - 1] * 4;
        i32[w + GEMM.sbk] = b.strides[rank - 2] * 4;
        i32[w + GEMM.sbn] = b.strides[rank - 1] * 4;
        i32[w + GEMM.aOffsets] = table;
        i32[w + GEMM.bOffsets] = table + batch * 4;
        // The running thread's scratch (patched in by the pool for chunks).
        const s = this.scratch[0];
        i32[w + GEMM.packA] = s[0];
        i32[w + GEMM.packB] = s[1];
        i32[w + GEMM.sharedB] = sharedB;
      }
      this.runBlocks('gemm', chunks.length, chunks.length > 1, threads, batch * M * N * K, GEMM.packA);
    } finally {
      if (!inPlace) this.heap.free(table, tableWords * 4);
    }
    return out;
  }

  /** B (K x N, one block) packed once into the shared panel buffer, for every chunk of a product; its address. */
  private packShared(pB: number, K: number, N: number, strides: readonly number[], rank: number): number {
    if (this.sharedPanels === 0) this.sharedPanels = this.heap.alloc(this.packBBytes());
    this.writeParams(PARAMS_BASE, PACK_B, {
      dst: this.sharedPanels,
      src: pB,
      kc: K,
      nc: N,
      sbk: strides[rank - 2] * 4,
      sbn: strides[rank - 1] * 4,
    });
    this.kernels.pack_b(PARAMS_BASE);
    return this.sharedPanels;
  }

  /** The shared panel buffer of `packShared` (0 until first needed). */
  private sharedPanels = 0;

  private packABytes(): number {
    return this.blocking.mc * this.blocking.kc * 4 + 64;
  }

  private packBBytes(): number {
    return this.blocking.kc * Math.ceil(this.blocking.nc / NR) * NR * 4 + 64;
  }

  /** Matmul scratch (packed A, packed B) for threads 0..threads-1, registered with the pool. */
  private ensureScratch(threads: number): void {
    while (this.scratch.length < threads) {
      const t = this.scratch.length;
      const base = this.heap.alloc(this.packABytes() + this.packBBytes());
      const s: [number, number] = [base, base + this.packABytes()];
      this.scratch.push(s);
      this.pool.setScratch(t, s);
    }
  }

  /**
   * Chunks for `threads` threads sharing a matmul, claimed one at a time: of batches when there are
   * several, else of rows or of columns. Every chunk packs its share of one operand and all of the
   * other, so single products get two chunks per thread (a late thread costs at most one chunk).
   * Splitting the rows repeats the packing of B (K x N), splitting the columns that of A (M x K): repeat
   * the smaller, where the split dim has room for every thread. Where B is packed once for all the row
   * chunks (`sharedB`), more chunks cost nothing: four per thread.
   */
  private plan(
    threads: number,
    batch: number,
    M: number,
    N: number,
    sharedB = false,
  ): { m0: number; m1: number; n0: number; n1: number; b0: number; b1: number }[] {
    const whole = { m0: 0, m1: M, n0: 0, n1: N, b0: 0, b1: batch };
    const ranges = (total: number, want: number, unit: number): [number, number][] => {
      const size = Math.ceil(Math.ceil(total / Math.min(want, MAX_CHUNKS)) / unit) * unit;
      const out: [number, number][] = [];
      for (let lo = 0; lo < total; lo += size) out.push([lo, Math.min(total, lo + size)]);
      return out;
    };
    if (batch >= threads) return ranges(batch, 8 * threads, 1).map(([b0, b1]) => ({ ...whole, b0, b1 }));
    if (M >= threads * MR && (M > N || N < threads * NR))
      return ranges(M, (sharedB ? 4 : 2) * threads, MR).map(([m0, m1]) => ({ ...whole, m0, m1 }));
    if (N >= threads * NR) return ranges(N, 2 * threads, NR).map(([n0, n1]) => ({ ...whole, n0, n1 }));
    return [whole];
  }

  concat(xs: readonly WasmView[], axis: number): WasmBuffer {
    const first = xs[0];
    const outShape = [...first.shape];
    outShape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
    const out = this.allocate(sizeOf(outShape), first.dtype);
    if (out.size === 0) return out;
    const strides = contiguousStrides(outShape);
    const size = itemSize(first.dtype);
    let start = 0;
    for (const x of xs) {
      this.copyInto(x, out.ptr + start * strides[axis] * size, strides);
      start += x.shape[axis];
    }
    return out;
  }

  pad(x: WasmView, widths: readonly (readonly [number, number])[]): WasmBuffer {
    const outShape = x.shape.map((d, i) => d + widths[i][0] + widths[i][1]);
    const out = this.allocate(sizeOf(outShape), x.dtype);
    if (out.size === 0) return out;
    const size = itemSize(x.dtype);
    const strides = contiguousStrides(outShape);
    // Zero the border: for each padded axis, the slabs before and after the interior along it, inside the
    // interior on the axes before it and whole on the axes after (so the slabs are disjoint).
    let inner = 0;
    for (let i = 0; i < outShape.length; i++) {
      const [before, after] = widths[i];
      for (const [start, width] of [
        [0, before],
        [before + x.shape[i], after],
      ]) {
        if (width === 0) continue;
        const slab = outShape.map((d, j) => (j < i ? x.shape[j] : j === i ? width : d));
        if (sizeOf(slab) === 0) continue;
        this.strided(`zero${size}`, slab, [out.ptr + (inner + start * strides[i]) * size], [strides], size);
      }
      inner += before * strides[i];
    }
    this.copyInto(x, out.ptr + inner * size, strides);
    return out;
  }

  /**
   * Whole slices of a contiguous `x` copied inside the memory by `gather_rows`, one row per index (an
   * embedding lookup is one row each); other layouts go through the reference's loops.
   */
  gather(x: WasmView, indices: WasmView, axis: number): WasmBuffer {
    if (!isContiguous(x)) return this.adopt(this.ref.gather(this.host(x), this.host(indices), axis));
    const size = x.shape[axis];
    const outer = sizeOf(x.shape.slice(0, axis));
    const bytes = sizeOf(x.shape.slice(axis + 1)) * itemSize(x.dtype);
    const idx = this.indices(indices, size, 'gather');
    const out = this.allocate((outer * idx.length * bytes) / itemSize(x.dtype), x.dtype);
    if (out.size === 0) return out;
    const count = outer * idx.length;
    this.withTables([count], ([offsets]) => {
      const src = this.ptrOf(x); // before the views: bringing a spilled buffer back may grow the memory
      const i32 = this.heap.i32;
      for (let o = 0, at = offsets >> 2; o < outer; o++)
        for (let j = 0; j < idx.length; j++) i32[at++] = (o * size + idx[j]) * bytes;
      this.writeParams(PARAMS_BASE, GATHER, { dst: out.ptr, src, offsets, count, bytes });
      this.kernels.gather_rows(PARAMS_BASE);
    });
    return out;
  }

  /**
   * Float updates whose trailing (per-index) part is one dense run are summed by the scatter-add kernels
   * (the gradient of an embedding lookup: one row per index, from any slice of the positions), in
   * float64 as the reference sums; other layouts and dtypes go through the reference's loops.
   */
  scatterAdd(updates: WasmView, indices: WasmView, axis: number, outShape: readonly number[]): WasmBuffer {
    const lead = updates.shape.length - (outShape.length - axis - 1);
    const trailing = Array.from({ length: updates.shape.length - lead }, (_, i) => lead + i);
    const dtype = updates.dtype;
    if ((dtype !== 'float32' && dtype !== 'float64') || !denseRun(updates, trailing))
      return this.adopt(this.ref.scatterAdd(this.host(updates), this.host(indices), axis, outShape));
    const size = outShape[axis];
    const inner = sizeOf(outShape.slice(axis + 1));
    const length = sizeOf(outShape);
    const idx = this.indices(indices, size, 'scatterAdd');
    const out = this.allocate(length, dtype);
    if (out.bytes === 0) return out;
    const wide = dtype === 'float64';
    // Element offsets of the update rows from the view's first element: one stride where the leading
    // dims fold into one, else walked.
    const leadShape = updates.shape.slice(0, lead);
    const leadStrides = updates.strides.slice(0, lead);
    const folded = foldDims(leadShape, leadStrides);
    const count = sizeOf(leadShape);
    const rows = folded ? undefined : elementOffsets({ shape: leadShape, strides: leadStrides, offset: 0 });
    // Float64 rows sum in place in the output; float32 rows in a float64 accumulator first.
    this.withTables(wide ? [count, count] : [count, count, 2 * length], ([from, to, scratch]) => {
      const acc = wide ? out.ptr : scratch;
      // The address last: the allocations above may have spilled the buffer.
      const base = this.ptrOf(updates);
      const i32 = this.heap.i32;
      const bytes = itemSize(dtype);
      const step = bytes * (folded?.stride ?? 0);
      for (let r = 0, at = from >> 2; r < count; r++) i32[at + r] = base + (rows ? bytes * rows[r] : r * step);
      for (let r = 0, at = to >> 2, slab = 0; r < count; slab += size)
        for (let j = 0; j < idx.length; j++, r++) i32[at + r] = (slab + idx[j]) * inner * 8;
      this.writeParams(PARAMS_BASE, SCATTER, { out: out.ptr, acc, from, to, count, inner, length });
      this.kernels[wide ? 'scatter_add_rows64' : 'scatter_add_rows'](PARAMS_BASE);
    });
    return out;
  }

  /** Writes `values` into the parameter block at byte address `at`, each at its word offset in `layout`. */
  private writeParams<K extends string>(
    at: number,
    layout: Readonly<Record<K, number>>,
    values: Readonly<Record<K, number>>,
  ): void {
    const i32 = this.heap.i32;
    for (const k in values) i32[(at >> 2) + layout[k]] = values[k];
  }

  /** Index `indices` checked against an axis of `size` and made non-negative (`checkedIndices`), read in place. */
  private indices(indices: WasmView, size: number, op: string): Int32Array {
    if (indices.dtype !== 'int32' || !isContiguous(indices)) return checkedIndices(this.read(indices), size, op);
    const start = this.index(this.check(indices.buffer)) + indices.offset;
    return checkedIndices(this.heap.i32.subarray(start, start + sizeOf(indices.shape)), size, op);
  }

  /** Runs `body` with scratch blocks of the memory of `words` i32 words each (their addresses), freed after. */
  private withTables(words: readonly number[], body: (tables: number[]) => void): void {
    const bytes = words.map((n) => Math.max(4 * n, 4));
    const tables: number[] = [];
    try {
      for (const b of bytes) tables.push(this.heap.alloc(b));
      body(tables);
    } finally {
      for (let i = 0; i < tables.length; i++) this.heap.free(tables[i], bytes[i]);
    }
  }

  /** Memory use: the allocator's, the resident limit, and the buffers spilled and brought back so far. */
  memoryStats(): HeapStats & {
    pageBytes: number;
    limitBytes: number;
    spills: number;
    spilledBytes: number;
    reloads: number;
  } {
    return {
      ...this.heap.stats(),
      pageBytes: PAGE,
      limitBytes: this.memoryLimit,
      spills: this.spills.count,
      spilledBytes: this.spills.bytes,
      reloads: this.spills.reloads,
    };
  }
}
