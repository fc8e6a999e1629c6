/**
 * Worker threads that run kernels on the backend's shared memory.
 *
 * Each worker instantiates the same compiled module on the same shared WasmMemory. A split
 * kernel is a *job*: a list of chunk parameter blocks in the memory, and a descriptor naming the kernel,
 * the blocks and two counters. Every thread in the job, the calling one included, claims chunks from the
 * claim counter and runs them; the caller returns once the done counter reaches the number of chunks. So
 * the caller never waits for a worker the OS has not scheduled yet: it runs the chunks itself, and a late
 * worker finds none left. (On a shared machine a static split would make every kernel as slow as its most
 * descheduled thread.) Kernels stay synchronous, as the Backend interface requires; Node allows
 * Atomics.wait on the main thread.
 *
 * Every job gets a tag, which the claim counter carries beside the next chunk's index: a thread claims a
 * chunk with a compare-and-swap that succeeds only while the counter still carries the tag of the job it
 * was given. So a worker that wakes late, or reads the descriptor while the caller rewrites it for the next
 * job, claims nothing it should not, and the caller posts each job to every ready worker, including one
 * that has not yet picked up its last job (a job the caller finished alone while the worker woke up). Before
 * tags, such a worker got no job until it had acknowledged its last, and 6% of the sudoku6 step's largest
 * products ran alone at twice the time.
 *
 * Chunks that need per-thread scratch (matmul packing buffers) are copied into the running thread's own
 * parameter block with its scratch addresses patched in.
 *
 * Workers start lazily, on the first kernel large enough to split, and are used once they report
 * ready. They are unref'd, so an idle pool never keeps the process alive; a worker waiting in
 * Atomics.wait ends with the process.
 */
import { CONTROL_BASE, PARAMS_BASE, PARAMS_BYTES } from './heap.js';
import type { WasmMemory, WasmModule } from './webassembly.js';

/** Words of a worker's slot (from CONTROL_BASE, SLOT_WORDS per thread): posts so far, the tag of the last. */
const SEQ = 0;
const TAG = 1;
const READY = 3;
/** Its scratch addresses (packed A, packed B): patched into chunks that need them. */
const SCRATCH = 4;
const SCRATCH_WORDS = 2;
const SLOT_WORDS = 8;
/**
 * The job descriptor, after the slots: kernel, chunks, first block, block stride, claim, done, patch word,
 * error. The claim word is `tag << TAG_SHIFT | next chunk`, 0 while the descriptor is being written.
 */
const FN = 0;
const COUNT = 1;
const BASE = 2;
const STRIDE = 3;
const CLAIM = 4;
const DONE = 5;
const PATCH = 6;
const ERROR = 7;
const TAG_SHIFT = 11;
/** Tags run 1..MAX_TAG and wrap (a thread holds a stale one for a few microseconds, not 2^20 jobs). */
const MAX_TAG = (1 << (31 - TAG_SHIFT)) - 1;

/** Threads the control area and the parameter blocks have room for. */
export const MAX_THREADS = 16;
const SLOTS_BASE = CONTROL_BASE >> 2;
const DESC = SLOTS_BASE + MAX_THREADS * SLOT_WORDS;
/** Chunk parameter blocks follow the threads' own blocks. */
export const CHUNK_BASE = PARAMS_BASE + MAX_THREADS * PARAMS_BYTES;
export const MAX_CHUNKS = Math.min(Math.floor((65536 - CHUNK_BASE) / PARAMS_BYTES), (1 << TAG_SHIFT) - 1);

/** Word offsets of the descriptor, as the claim loop takes them. */
export const LAYOUT = { FN, COUNT, BASE, STRIDE, CLAIM, DONE, PATCH, ERROR, TAG_SHIFT } as const;
type Layout = typeof LAYOUT;

/**
 * Writes job `tag` (kernel `fn` on `count` blocks `stride` bytes apart from `base`, scratch patched at word
 * `patch` or -1) into the descriptor at word `d`. Its claim word is cleared first and carries the new tag
 * last, so a thread still holding an older tag claims nothing from the moment this starts.
 */
export function writeJob(
  ctl: Int32Array,
  d: number,
  tag: number,
  job: { fn: number; count: number; base: number; stride: number; patch: number },
): void {
  Atomics.store(ctl, d + CLAIM, 0);
  Atomics.store(ctl, d + FN, job.fn);
  Atomics.store(ctl, d + COUNT, job.count);
  Atomics.store(ctl, d + BASE, job.base);
  Atomics.store(ctl, d + STRIDE, job.stride);
  Atomics.store(ctl, d + PATCH, job.patch);
  Atomics.store(ctl, d + ERROR, 0);
  Atomics.store(ctl, d + DONE, 0);
  Atomics.store(ctl, d + CLAIM, tag << TAG_SHIFT);
}

/**
 * Claims and runs chunks of job `tag`, described at word `d`, until none are left (or the descriptor holds
 * another job). The calling thread runs this function; the workers run its source (so it must use nothing
 * but its arguments and globals).
 */
export function claimLoop(
  ctl: Int32Array,
  u8: Uint8Array,
  fns: readonly ((p: number) => void)[],
  d: number,
  tag: number,
  own: number,
  scratch: readonly number[],
  L: Layout,
): void {
  const first = tag << L.TAG_SHIFT;
  if (Atomics.load(ctl, d + L.CLAIM) >>> L.TAG_SHIFT !== tag) return;
  // Read after the tag and before any claim: a claim succeeds only if the tag held throughout, and the
  // caller clears it before it rewrites these.
  const n = Atomics.load(ctl, d + L.COUNT);
  const fn = fns[Atomics.load(ctl, d + L.FN)];
  const base = Atomics.load(ctl, d + L.BASE);
  const stride = Atomics.load(ctl, d + L.STRIDE);
  const patch = Atomics.load(ctl, d + L.PATCH);
  for (;;) {
    const c = Atomics.load(ctl, d + L.CLAIM);
    const i = c - first;
    if (i < 0 || i >= n) return;
    if (Atomics.compareExchange(ctl, d + L.CLAIM, c, c + 1) !== c) continue;
    let p = base + i * stride;
    if (patch >= 0) {
      u8.copyWithin(own, p, p + stride);
      const w = (own >> 2) + patch;
      for (let k = 0; k < scratch.length; k++) ctl[w + k] = scratch[k];
      p = own;
    }
    try {
      fn(p);
    } catch {
      Atomics.store(ctl, d + L.ERROR, 1);
    }
    if (Atomics.add(ctl, d + L.DONE, 1) + 1 === n) Atomics.notify(ctl, d + L.DONE);
  }
}

/** The worker's whole program (run with `eval`, so that no separate file needs resolving or transpiling). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, names, slot, own, spin, layout } = workerData;
const ctl = new Int32Array(memory.buffer, 0, 16384);
const u8 = new Uint8Array(memory.buffer, 0, 65536);
const claimLoop = ${claimLoop.toString()};
let fns;
try {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  fns = names.map((n) => instance.exports[n]);
} catch (e) {
  Atomics.store(ctl, slot + ${READY}, -1);
  Atomics.notify(ctl, slot + ${READY});
  throw e;
}
// The job counter as it is before this worker says it is ready: every job posted later is new.
let seen = Atomics.load(ctl, slot + ${SEQ});
Atomics.store(ctl, slot + ${READY}, 1);
Atomics.notify(ctl, slot + ${READY});
for (;;) {
  let s = Atomics.load(ctl, slot + ${SEQ});
  for (let i = 0; s === seen && i < spin; i++) s = Atomics.load(ctl, slot + ${SEQ});
  if (s === seen) {
    Atomics.wait(ctl, slot + ${SEQ}, seen);
    continue;
  }
  seen = s;
  const scratch = Array.from({ length: ${SCRATCH_WORDS} }, (_, k) => Atomics.load(ctl, slot + ${SCRATCH} + k));
  claimLoop(ctl, u8, fns, ${DESC}, Atomics.load(ctl, slot + ${TAG}), own, scratch, layout);
}
`;

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (e: Error) => void): void;
}

type WorkerCtor = new (source: string, options: { eval: true; workerData: unknown; name?: string }) => WorkerLike;

function workerConstructor(): WorkerCtor | undefined {
  try {
    const wt = globalThis.process?.getBuiltinModule?.('node:worker_threads') as { Worker?: WorkerCtor } | undefined;
    return wt?.Worker;
  } catch {
    return undefined;
  }
}

export interface PoolOptions {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  /** Exported kernel names; jobs name a kernel by its index here. */
  readonly exports: readonly string[];
  /** Kernels by index, on the calling thread. */
  readonly kernels: readonly ((p: number) => void)[];
  /** Total threads, the caller included. */
  readonly threads: number;
  /** Atomics.load polls a worker makes after a job before it sleeps (cheap wake-up for bursts of work). */
  readonly spin?: number;
}

export class ThreadPool {
  private readonly workers: (WorkerLike | undefined)[] = [];
  private readonly ctl: Int32Array;
  private readonly u8: Uint8Array;
  private started = false;
  private readonly errors: string[] = [];
  private tag = 0;
  /** Jobs each thread was given (index 0: the caller), for tests. */
  readonly jobsRun: number[];
  threads: number;

  constructor(private readonly options: PoolOptions) {
    this.threads = Math.max(1, Math.min(MAX_THREADS, options.threads));
    this.ctl = new Int32Array(options.memory.buffer, 0, 16384);
    this.u8 = new Uint8Array(options.memory.buffer, 0, 65536);
    this.jobsRun = new Array<number>(this.threads).fill(0);
  }

  private slot(thread: number): number {
    return SLOTS_BASE + thread * SLOT_WORDS;
  }

  /** A thread's own parameter block (where patched chunks run). */
  static ownBlock(thread: number): number {
    return PARAMS_BASE + thread * PARAMS_BYTES;
  }

  /** Sets a thread's scratch addresses (patched into chunks that ask for them). */
  setScratch(thread: number, scratch: readonly [number, number]): void {
    const s = this.slot(thread) + SCRATCH;
    for (let k = 0; k < SCRATCH_WORDS; k++) Atomics.store(this.ctl, s + k, scratch[k]);
  }

  /** Starts the workers (once; they become usable when ready). False where threads are unavailable. */
  start(): boolean {
    if (this.started) return this.workers.length > 0;
    this.started = true;
    const Worker = workerConstructor();
    if (!Worker || this.threads < 2) return false;
    for (let w = 1; w < this.threads; w++) {
      const slot = this.slot(w);
      for (let i = 0; i < SCRATCH; i++) Atomics.store(this.ctl, slot + i, 0);
      try {
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          name: `hrm-wasm-${w}`,
          workerData: {
            module: this.options.module,
            memory: this.options.memory,
            names: this.options.exports,
            slot,
            own: ThreadPool.ownBlock(w),
            spin: this.options.spin ?? 20000,
            layout: LAYOUT,
          },
        });
        worker.on('error', (e) => {
          this.errors.push(e.message);
          Atomics.store(this.ctl, slot + READY, -1);
        });
        worker.unref();
        this.workers[w] = worker;
      } catch (e) {
        this.errors.push((e as Error).message);
      }
    }
    return this.workers.length > 0;
  }

  private ready(w: number): boolean {
    return this.workers[w] !== undefined && Atomics.load(this.ctl, this.slot(w) + READY) === 1;
  }

  /** Threads that can take a share now: the caller plus the workers that are ready. */
  available(): number {
    let n = 1;
    for (let w = 1; w < this.threads; w++) if (this.ready(w)) n++;
    return n;
  }

  /** Blocks until every worker is ready or failed (or `timeoutMs` passes); returns the threads available. */
  waitUntilReady(timeoutMs = 10000): number {
    this.start();
    const deadline = Date.now() + timeoutMs;
    for (let w = 1; w < this.threads; w++) {
      if (!this.workers[w]) continue;
      const at = this.slot(w) + READY;
      while (Atomics.load(this.ctl, at) === 0 && Date.now() < deadline) Atomics.wait(this.ctl, at, 0, 50);
    }
    return this.available();
  }

  /**
   * Runs kernel `fn` on `count` chunk parameter blocks, `stride` bytes apart from `base`, with up to
   * `helpers` ready workers alongside the calling thread. With `patch` >= 0 each chunk runs on a copy in
   * the running thread's own block, with that thread's scratch addresses written at word `patch`.
   * Returns when every chunk is done; throws if one failed.
   */
  run(fn: number, count: number, base: number, stride: number, patch: number, helpers: number): void {
    const ctl = this.ctl;
    const d = DESC;
    this.tag = (this.tag % MAX_TAG) + 1;
    const tag = this.tag;
    writeJob(ctl, d, tag, { fn, count, base, stride, patch });
    let posted = 0;
    for (let w = 1; w < this.threads && posted < helpers; w++) {
      if (!this.ready(w)) continue;
      const slot = this.slot(w);
      Atomics.store(ctl, slot + TAG, tag);
      Atomics.add(ctl, slot + SEQ, 1);
      Atomics.notify(ctl, slot + SEQ, 1);
      this.jobsRun[w]++;
      posted++;
    }
    const slot0 = this.slot(0);
    const scratch = Array.from({ length: SCRATCH_WORDS }, (_, k) => ctl[slot0 + SCRATCH + k]);
    claimLoop(ctl, this.u8, this.options.kernels, d, tag, ThreadPool.ownBlock(0), scratch, LAYOUT);
    this.jobsRun[0]++;
    // Only the chunks other threads claimed can still be running: wait for those.
    for (let i = 0; ; i++) {
      const done = Atomics.load(ctl, d + DONE);
      if (done >= count) break;
      if (i > 20000) Atomics.wait(ctl, d + DONE, done, 1000);
    }
    if (Atomics.load(ctl, d + ERROR) !== 0) throw new Error(`wasm thread pool: kernel ${fn} failed on a chunk`);
  }

  /** Ends the workers (the pool starts them again on its next use). */
  async close(): Promise<void> {
    const ws = this.workers.splice(0);
    this.started = false;
    await Promise.all(ws.map((w) => w?.terminate()));
  }

  failures(): readonly string[] {
    return this.errors;
  }
}
