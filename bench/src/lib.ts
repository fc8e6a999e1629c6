/**
 * Shared helpers for the benchmarks: timing, a description of the machine, an aligned text table and
 * the JSON result files. The development machine is shared and noisy (other tenants' load moves timings by tens of percent), so
 * every timing reports its median with the spread, and every result records the load it ran under.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AnyTensor, dispose, disposeReplaced, fromArray, matmul, transpose, withBackend } from '@hrm/core';
import { type Backend, currentBackend } from '@hrm/kernels';

// ---------------------------------------------------------------------------------------------
// Timing

export interface TimingOptions {
  /** Untimed calls first: they let V8 optimize the code and fill caches. */
  readonly warmup: number;
  /** Timed calls continue until both at least `minReps` calls and `minSeconds` of timed calls are done... */
  readonly minReps: number;
  readonly minSeconds: number;
  /** ...or `maxReps` calls, whichever comes first. */
  readonly maxReps: number;
}

export const DEFAULT_TIMING: TimingOptions = { warmup: 2, minReps: 5, minSeconds: 2, maxReps: 1000 };

/** Seconds per call: the median and the spread. */
export interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly reps: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

function summarize(samples: readonly number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], reps: s.length };
}

function done(samples: readonly number[], opts: TimingOptions): boolean {
  const total = samples.reduce((a, b) => a + b, 0);
  return samples.length >= opts.maxReps || (samples.length >= opts.minReps && total >= opts.minSeconds);
}

/** Times a synchronous `fn`, which must force its own result (read the output back). */
export function measure(fn: () => void, options: Partial<TimingOptions> = {}): Timing {
  const opts = { ...DEFAULT_TIMING, ...options };
  for (let i = 0; i < opts.warmup; i++) fn();
  const samples: number[] = [];
  while (!done(samples, opts)) {
    const t0 = now();
    fn();
    samples.push(now() - t0);
  }
  return summarize(samples);
}

/**
 * Times several synchronous functions side by side: `rounds` rounds, each giving every function in
 * turn an equal slice of time, so that a change in the host's load (these machines are shared) falls
 * on all of them alike instead of on whichever ran during it. One Timing per function, over all its
 * calls.
 */
export function measureInterleaved(
  fns: readonly (() => void)[],
  options: { readonly rounds?: number; readonly secondsEach?: number; readonly warmup?: number } = {},
): Timing[] {
  const rounds = options.rounds ?? 5;
  const slice = (options.secondsEach ?? 1.5) / rounds;
  for (const fn of fns) for (let i = 0; i < (options.warmup ?? 2); i++) fn();
  const samples = fns.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++)
    fns.forEach((fn, i) => {
      let spent = 0;
      // At least two calls per slice, however long a call takes.
      for (let n = 0; n < 2 || spent < slice; n++) {
        const t0 = now();
        fn();
        const dt = now() - t0;
        samples[i].push(dt);
        spent += dt;
      }
    });
  return samples.map(summarize);
}

/** Times an asynchronous `fn` (for backends whose read-back is a promise). */
export async function measureAsync(fn: () => Promise<void>, options: Partial<TimingOptions> = {}): Promise<Timing> {
  const opts = { ...DEFAULT_TIMING, ...options };
  for (let i = 0; i < opts.warmup; i++) await fn();
  const samples: number[] = [];
  while (!done(samples, opts)) {
    const t0 = now();
    await fn();
    samples.push(now() - t0);
  }
  return summarize(samples);
}

// ---------------------------------------------------------------------------------------------
// The machine

/** A backend a benchmark ran on: its name, class and the threads its kernels may use. */
export interface BackendInfo {
  readonly name: string;
  /** The implementation (`WasmBackend`, `ReferenceBackend`, ...): several names can share one class. */
  readonly kind: string;
  /** Threads its large kernels may use, the calling one included (1 for single-threaded backends). */
  readonly threads: number;
  /** Wasm backend only: whether its kernels use relaxed-SIMD fused multiply-add. */
  readonly relaxedSimd?: boolean;
}

export function backendInfo(b: Backend): BackendInfo {
  const extra = b as Partial<{ threads: number; relaxedSimd: boolean }>;
  return {
    name: b.name,
    kind: b.constructor.name,
    threads: typeof extra.threads === 'number' ? extra.threads : 1,
    ...(typeof extra.relaxedSimd === 'boolean' ? { relaxedSimd: extra.relaxedSimd } : {}),
  };
}

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews timings. */
  readonly loadavg: readonly number[];
  readonly totalMemGiB: number;
  readonly platform: string;
  readonly node: string;
  readonly v8: string;
  /** The backend(s) measured, each with its thread count (the default backend where none is named). */
  readonly backends: readonly BackendInfo[];
  /** The environment that picks backends and threads: HRM_BACKEND, HRM_WASM_THREADS (null when unset). */
  readonly env: { readonly HRM_BACKEND: string | null; readonly HRM_WASM_THREADS: string | null };
  /** The commit measured, and whether the working tree differed from it; null outside a git checkout. */
  readonly commit: string | null;
  readonly dirty: boolean | null;
  readonly date: string;
}

/** The 1, 5 and 15 minute load averages now, rounded (record it at the end of a run as well). */
export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // Not Linux: fall through to what Node reports.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function git(args: readonly string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function defaultBackends(): BackendInfo[] {
  try {
    return [backendInfo(currentBackend())];
  } catch (e) {
    return [{ name: `none (${(e as Error).message})`, kind: 'none', threads: 0 }];
  }
}

/**
 * The machine, its load and the commit, and the backends measured: `backends` where the benchmark
 * names them, else the default backend (what `currentBackend()` picks here).
 */
export function machineInfo(backends?: readonly Backend[]): MachineInfo {
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    loadavg: loadAverage(),
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    backends: backends ? backends.map(backendInfo) : defaultBackends(),
    env: { HRM_BACKEND: process.env.HRM_BACKEND ?? null, HRM_WASM_THREADS: process.env.HRM_WASM_THREADS ?? null },
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: status === null ? null : status !== '',
    date: new Date().toISOString(),
  };
}

const formatBackend = (b: BackendInfo): string =>
  `${b.name} (${b.kind}, ${b.threads} thread${b.threads === 1 ? '' : 's'}${b.relaxedSimd === undefined ? '' : b.relaxedSimd ? ', relaxed-SIMD FMA' : ', plain SIMD'})`;

function formatEnv(env: MachineInfo['env']): string {
  const set = Object.entries(env).filter(([, v]) => v !== null);
  return set.length ? `; ${set.map(([k, v]) => `${k}=${v}`).join(' ')}` : '';
}

export function formatMachine(m: MachineInfo): string {
  const commit = m.commit === null ? 'no git' : `${m.commit}${m.dirty ? ' (uncommitted changes)' : ''}`;
  return [
    `cpu:    ${m.cpu}, ${m.cores} cores, ${m.totalMemGiB} GiB`,
    `load:   ${m.loadavg.join(' ')} (1, 5, 15 min, at start)`,
    `node:   ${m.node} (V8 ${m.v8}) on ${m.platform}`,
    `backend: ${m.backends.map(formatBackend).join(', ')}${formatEnv(m.env)}`,
    `commit: ${commit}, ${m.date}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Training state

/**
 * Disposes the tensors of `old` that `next` no longer holds, as @hrm/hrm's training loop does between
 * steps (core's `disposeReplaced`). Without it, a benchmark's chained `trainStep` calls leave every old
 * state to the garbage collector, and the backends' live-byte accounting (which counts a buffer until it
 * is disposed) would grow by one state per step.
 */
export const releaseReplaced = disposeReplaced;

// ---------------------------------------------------------------------------------------------
// Output

/** Columns padded to their widest cell; a column whose cells all start like a number (or are empty) is right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) => rows.some((r) => (r[i] ?? '') !== '') && rows.every((r) => /^([-+\d.]|$)/.test(r[i] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A number with at least `digits` significant digits, in exponent notation only outside [1e-3, 1e9). */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (x !== 0 && (abs < 1e-3 || abs >= 1e9)) return x.toExponential(digits - 1);
  // Large values keep all their integer digits (3297, not 3.30e+3).
  return abs >= 10 ** digits ? String(Math.round(x)) : x.toPrecision(digits);
}

/** `bench/results`, next to `bench/src`. */
export const RESULTS_DIR = fileURLToPath(new URL('../results', import.meta.url));

/**
 * Writes `bench/results/<name>.json`. Through a temporary file and a rename, so that an interrupted
 * run never leaves a truncated file in place of the previous results. Returns the path.
 */
export function writeResults(name: string, payload: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(payload, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}

// ---------------------------------------------------------------------------------------------
// Our side of a comparison

/** A float32 tensor on backend `b` (the data checked against the shape). */
export function tensorOn(b: Backend, data: Float32Array, shape: number[]): AnyTensor {
  return withBackend(b, () => {
    const t = fromArray(data, shape);
    if (t._tag === 'Left') throw t.left;
    return t.right as AnyTensor;
  });
}

/**
 * `op(A)·op(B)` on backend `b`, with A and B stored as given (a transposed operand stored transposed
 * and used through a view): `once` reads its result back, `product` only computes it.
 */
export function ourMatmul(
  b: Backend,
  a: Float32Array,
  aShape: number[],
  bb: Float32Array,
  bShape: number[],
  ta: boolean,
  tb: boolean,
): { once: () => Float32Array; product: () => void; free: () => void } {
  const A = tensorOn(b, a, aShape);
  const B = tensorOn(b, bb, bShape);
  const av = ta ? transpose(A) : A;
  const bv = tb ? transpose(B) : B;
  return {
    once: () =>
      withBackend(b, () => {
        const out = matmul(av, bv as never) as AnyTensor;
        const data = out.data() as Float32Array;
        dispose(out);
        return data;
      }),
    // The product alone (computed on the call: the backends are eager), left on the backend and freed.
    product: () => withBackend(b, () => dispose(matmul(av, bv as never) as AnyTensor)),
    free: () => dispose([A, B, av, bv]),
  };
}

/** A checkout whose copy of a benchmark script runs its children: this one, or the `--baseline`. */
export interface CodeUnderTest {
  readonly label: 'this checkout' | 'baseline';
  /** The script its children run. */
  readonly script: string;
  /** Its short commit, with `+` when its tracked files are changed. */
  readonly commit: string;
}

/** The short commit of the checkout at `dir`, with `+` when its tracked files are changed. */
export function commitOf(dir: string): string {
  const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8' }).trim();
  return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+' : ''}`;
}

/**
 * The codes a before/after benchmark runs: this checkout, and with `--baseline <checkout>` (another
 * working copy of this repository, e.g. `git worktree add ../before <commit> && (cd ../before && npm ci
 * --ignore-scripts)`) a copy of the benchmark `script` placed in that checkout, so that its children run
 * against that checkout's packages; the baseline comes first. `cleanup` removes the copy.
 */
export function codesUnderTest(
  script: string,
  args: readonly string[],
): { codes: CodeUnderTest[]; cleanup: () => void } {
  const at = args.indexOf('--baseline');
  const baseline = at >= 0 ? resolve(args[at + 1] ?? '') : undefined;
  if (baseline && !existsSync(join(baseline, 'packages/hrm/src')))
    throw new Error(`--baseline ${baseline}: not a checkout of this repository (no packages/hrm/src)`);
  const codes: CodeUnderTest[] = [{ label: 'this checkout', script, commit: commitOf(resolve(script, '../../..')) }];
  if (!baseline) return { codes, cleanup: () => {} };
  const copy = join(baseline, 'bench/src', `.${basename(script)}`);
  copyFileSync(script, copy);
  codes.unshift({ label: 'baseline', script: copy, commit: commitOf(baseline) });
  return { codes, cleanup: () => rmSync(copy, { force: true }) };
}
