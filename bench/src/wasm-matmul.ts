/**
 * float32 matmul on the wasm backend against @tensorflow/tfjs-backend-wasm (SIMD, one thread: its only
 * mode in Node) and this library's reference backend, side by side in one run: square sizes, the HRM
 * shapes with the transposed operands of the backward pass, and batched attention.
 *
 *   npx tsx bench/src/wasm-matmul.ts            all cases
 *   npx tsx bench/src/wasm-matmul.ts --quick    a few small cases, seconds (CI)
 *
 * Our rows: `wasm` (1 thread; relaxed-SIMD FMA when the runtime has it), `wasm-simd` (1 thread, FMA
 * off: the plain SIMD128 kernels), `wasm-2t` (2 threads). Each timed call is one product, left on its
 * backend and disposed: both libraries compute eagerly, on the call. (Reading a result back is a copy
 * into a fresh JS array, the same for both, and for the attention case it took longer than the product
 * itself: timing it would measure the allocator, not the kernel. Every product is read back once and
 * checked.) The implementations of a case are timed interleaved (`measureInterleaved`: rounds in which
 * each gets an equal slice), so that the host's changing load falls on all of them alike; the reference
 * backend, seconds per call at the large sizes, is timed on its own. Prints GFLOP/s (2·batch·M·K·N / median),
 * the ratios, and the fraction of two ceilings: the 128-bit ceilings measured once in C
 * (a register-only multiply-add loop, on an Intel Xeon the team benchmarks on), and the one WebAssembly reaches here in this run (a
 * register-only loop of multiply-adds, `measureCeiling`, before and after the cases: same machine, same
 * load). Writes bench/results/wasm-matmul[-quick].json.
 */
import os from 'node:os';
import { key, uniform } from '@hrm/core';
import { type Backend, backend, measureCeiling, WasmBackend } from '@hrm/kernels';
import {
  fmt,
  formatMachine,
  formatTable,
  machineInfo,
  measure,
  measureInterleaved,
  ourMatmul,
  type Timing,
  writeResults,
} from './lib.js';
import { tfjsInfo, tfjsMatmul, tfjsUse } from './peers.js';

const quick = process.argv.includes('--quick');

/** 128-bit ceilings per core, GFLOP/s, measured in C on that Xeon: mul+add, and fused multiply-add. */
const CEILING = { simd: 31.6, fma: 47.6 } as const;

interface Case {
  readonly name: string;
  readonly what: string;
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** The operand is stored transposed ([K, M] for A, [N, K] for B) and used through a transposed view. */
  readonly ta: boolean;
  readonly tb: boolean;
}

const c = (
  name: string,
  what: string,
  batch: number,
  m: number,
  k: number,
  n: number,
  ta = false,
  tb = false,
): Case => ({
  name,
  what,
  batch,
  m,
  k,
  n,
  ta,
  tb,
});

const ALL: readonly Case[] = [
  c('256³', 'square', 1, 256, 256, 256),
  c('512³', 'square', 1, 512, 512, 512),
  c('1024³', 'square', 1, 1024, 1024, 1024),
  c('hrm x·W', '[2592,128]x[128,512] forward', 1, 2592, 128, 512),
  c('hrm dY·Wᵀ', '[2592,512]x[512,128]ᵀ input grad (A·Bᵀ)', 1, 2592, 512, 128, false, true),
  c('hrm xᵀ·dY', '[2592,128]ᵀx[2592,512] weight grad (Aᵀ·B)', 1, 128, 2592, 512, true, false),
  c('hrm Aᵀ·Bᵀ', '[128,2592]ᵀx[512,128]ᵀ (Aᵀ·Bᵀ)', 1, 2592, 128, 512, true, true),
  c('attn Q·Kᵀ', '[128,81,32]x[128,81,32]ᵀ scores (A·Bᵀ)', 128, 81, 32, 81, false, true),
  c('attn [128,81,32]x[128,32,81]', 'batched, plain', 128, 81, 32, 81),
  c('attn P·V', '[128,81,81]x[128,81,32]', 128, 81, 81, 32),
  c('attn Pᵀ·dO', '[128,81,81]ᵀx[128,81,32] value grad (Aᵀ·B)', 128, 81, 81, 32, true, false),
];
const QUICK = ['256³', 'hrm x·W', 'hrm xᵀ·dY', 'attn [128,81,32]x[128,32,81]'];
const CASES = quick ? ALL.filter((x) => QUICK.includes(x.name)) : ALL;

type Impl = 'wasm' | 'wasm-simd' | 'wasm-2t' | 'tfjs-wasm' | 'reference';

const flops = (x: Case) => 2 * x.batch * x.m * x.k * x.n;

function randomData(seed: number, n: number): Float32Array {
  const [sign, size] = [uniform(key(seed), [n]).data(), uniform(key(seed + 1), [n]).data()];
  return Float32Array.from(sign, (s, i) => (s < 0.5 ? -1 : 1) * (0.01 + 0.99 * size[i]));
}

/** Stored shapes of the operands (transposed ones as stored). */
function storedShapes(x: Case): [number[], number[]] {
  const batch = x.batch > 1 ? [x.batch] : [];
  return [
    [...batch, ...(x.ta ? [x.k, x.m] : [x.m, x.k])],
    [...batch, ...(x.tb ? [x.n, x.k] : [x.k, x.n])],
  ];
}

function ours(b: Backend, x: Case, aData: Float32Array, bData: Float32Array) {
  const [sa, sb] = storedShapes(x);
  return ourMatmul(b, aData, sa, bData, sb, x.ta, x.tb);
}

type Calls = ReturnType<typeof ourMatmul>;

function theirs(x: Case, aData: Float32Array, bData: Float32Array): Calls {
  const [sa, sb] = storedShapes(x);
  return tfjsMatmul(aData, sa, bData, sb, x.ta, x.tb);
}

/** Allowed difference between two float32 products: 16·K·u (as in kernels.ts), times the largest |value| ~ 1. */
const tolerance = (k: number): number => 16 * k * 2 ** -24;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

interface Row {
  readonly case: string;
  readonly impl: Impl;
  readonly timing: Timing;
  readonly gflops: { readonly median: number; readonly min: number; readonly max: number };
}

async function main(): Promise<void> {
  await tfjsUse('wasm');
  const tfjs = tfjsInfo();

  const wasm1 = new WasmBackend({ name: 'wasm-1t', threads: 1 });
  const simd1 = new WasmBackend({ name: 'wasm-simd', threads: 1, relaxedSimd: false });
  const cores = os.availableParallelism();
  const wasm2 = cores >= 2 ? new WasmBackend({ name: 'wasm-2t', threads: 2, adaptiveThreads: false }) : undefined;
  const workers = wasm2?.startThreads() ?? 1;
  const reference = backend('reference');
  const machine = machineInfo([wasm1, simd1, ...(wasm2 ? [wasm2] : []), reference]);
  console.log(`matmul float32, wasm backend vs tfjs-backend-wasm ${tfjs.version}${quick ? ' (quick)' : ''}`);
  console.log(formatMachine(machine));
  console.log(
    `wasm:   relaxed-SIMD FMA ${wasm1.relaxedSimd ? 'on' : 'off (runtime lacks it)'}; wasm-2t has ${workers} threads ready; tfjs-wasm SIMD ${tfjs.wasmSimd ? 'on' : 'off'}, 1 thread\n`,
  );

  const ceilingBefore = { fma: measureCeiling(true), simd: measureCeiling(false) };
  console.log(
    `ceiling now (wasm register-only loop, 1 thread): ${fmt(ceilingBefore.fma)} GFLOP/s with FMA, ${fmt(ceilingBefore.simd)} with mul+add\n`,
  );

  const rows: Row[] = [];
  const checks: { case: string; impl: Impl; maxAbsDiff: number; tol: number }[] = [];
  for (const [ci, x] of CASES.entries()) {
    const [sa, sb] = storedShapes(x);
    const aData = randomData(
      3000 + 4 * ci,
      sa.reduce((p, d) => p * d, 1),
    );
    const bData = randomData(
      3002 + 4 * ci,
      sb.reduce((p, d) => p * d, 1),
    );
    const slow = flops(x) > 3e8;
    const impls: [Impl, Calls][] = [
      ['tfjs-wasm', theirs(x, aData, bData)],
      ['wasm', ours(wasm1, x, aData, bData)],
      ['wasm-simd', ours(simd1, x, aData, bData)],
      ...(wasm2 ? [['wasm-2t', ours(wasm2, x, aData, bData)] as [Impl, Calls]] : []),
      ...(!quick || !slow ? [['reference', ours(reference, x, aData, bData)] as [Impl, Calls]] : []),
    ];
    const base = impls[0][1].once();
    for (const [impl, run] of impls)
      if (impl !== 'tfjs-wasm')
        checks.push({ case: x.name, impl, maxAbsDiff: maxAbsDiff(run.once(), base), tol: tolerance(x.k) });
    const fast = impls.filter(([impl]) => impl !== 'reference');
    const timings = measureInterleaved(
      fast.map(([, run]) => run.product),
      quick ? { rounds: 2, secondsEach: 0.2, warmup: 1 } : { rounds: 5, secondsEach: 1.5, warmup: 3 },
    );
    const timed: [Impl, Timing][] = fast.map(([impl], i) => [impl, timings[i]]);
    const ref = impls.find(([impl]) => impl === 'reference');
    // The reference takes seconds at the large sizes: fewer repetitions there.
    if (ref)
      timed.push([
        'reference',
        measure(
          ref[1].product,
          quick || flops(x) / 1e9 > 0.3
            ? { warmup: 1, minReps: 3, minSeconds: 0.2 }
            : { warmup: 2, minReps: 5, minSeconds: 1 },
        ),
      ]);
    const f = flops(x) / 1e9;
    for (const [impl, timing] of timed)
      rows.push({
        case: x.name,
        impl,
        timing,
        gflops: { median: f / timing.median, min: f / timing.max, max: f / timing.min },
      });
    for (const [, run] of impls) run.free();
  }

  const ceilingAfter = { fma: measureCeiling(true), simd: measureCeiling(false) };
  // The run's ceiling: the better of the two measurements (load only ever lowers it).
  const measured = {
    fma: Math.max(ceilingBefore.fma, ceilingAfter.fma),
    simd: Math.max(ceilingBefore.simd, ceilingAfter.simd),
  };
  const find = (cs: string, impl: Impl) => rows.find((r) => r.case === cs && r.impl === impl);
  const ceiling = (impl: Impl, c: { fma: number; simd: number }): number | undefined =>
    impl === 'wasm'
      ? wasm1.relaxedSimd
        ? c.fma
        : c.simd
      : impl === 'wasm-simd'
        ? c.simd
        : impl === 'wasm-2t'
          ? 2 * (wasm1.relaxedSimd ? c.fma : c.simd)
          : undefined;
  const table = rows.map((r) => {
    const tfjsRow = find(r.case, 'tfjs-wasm');
    const ref = find(r.case, 'reference');
    const doc = ceiling(r.impl, CEILING);
    const now = ceiling(r.impl, measured);
    return {
      ...r,
      overTfjs: tfjsRow ? r.gflops.median / tfjsRow.gflops.median : Number.NaN,
      overReference: ref ? r.gflops.median / ref.gflops.median : Number.NaN,
      ofCeiling: doc ? r.gflops.median / doc : Number.NaN,
      ofMeasuredCeiling: now ? r.gflops.median / now : Number.NaN,
    };
  });
  console.log(
    formatTable(
      [
        'case',
        'impl',
        'median ms',
        'min..max ms',
        'GFLOP/s',
        'GFLOP/s range',
        'reps',
        'x tfjs-wasm',
        'x reference',
        'of C ceiling',
        'of run ceiling',
      ],
      table.map((r) => [
        r.case,
        r.impl,
        fmt(r.timing.median * 1e3),
        `${fmt(r.timing.min * 1e3)}..${fmt(r.timing.max * 1e3)}`,
        fmt(r.gflops.median),
        `${fmt(r.gflops.min)}..${fmt(r.gflops.max)}`,
        String(r.timing.reps),
        r.impl === 'tfjs-wasm' ? '' : fmt(r.overTfjs),
        r.impl === 'reference' || Number.isNaN(r.overReference) ? '' : fmt(r.overReference),
        Number.isNaN(r.ofCeiling) ? '' : `${(100 * r.ofCeiling).toFixed(0)}%`,
        Number.isNaN(r.ofMeasuredCeiling) ? '' : `${(100 * r.ofMeasuredCeiling).toFixed(0)}%`,
      ]),
    ),
  );
  console.log(
    `x tfjs-wasm, x reference: speed ratios of medians (above 1: faster). of C ceiling: GFLOP/s over the 128-bit\n` +
      `ceiling per core (${CEILING.fma} with FMA, ${CEILING.simd} mul+add; twice that for wasm-2t). of run ceiling: over this run's\n` +
      `wasm register-only loop (${fmt(measured.fma)} with FMA, ${fmt(measured.simd)} mul+add; twice that for wasm-2t).`,
  );

  const scaling = CASES.map((x) => {
    const one = find(x.name, 'wasm');
    const two = find(x.name, 'wasm-2t');
    return { case: x.name, twoOverOne: one && two ? two.gflops.median / one.gflops.median : Number.NaN };
  });
  if (wasm2)
    console.log(
      `\n${formatTable(
        ['case', 'wasm-2t / wasm'],
        scaling.map((s) => [s.case, fmt(s.twoOverOne)]),
      )}`,
    );

  const bad = checks.filter((ch) => !(ch.maxAbsDiff <= ch.tol));
  console.log(
    `\nagreement with tfjs-wasm: ${checks.length - bad.length}/${checks.length} products within 16·K·2^-24` +
      (bad.length ? `; DISAGREE: ${bad.map((b) => `${b.case} ${b.impl} ${fmt(b.maxAbsDiff)}`).join(', ')}` : ''),
  );
  const loadEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  console.log(`load at end: ${loadEnd.join(' ')}`);

  const file = writeResults(quick ? 'wasm-matmul-quick' : 'wasm-matmul', {
    benchmark: 'wasm-matmul',
    quick,
    machine,
    loadAtEnd: loadEnd,
    tfjs: tfjs.version,
    relaxedSimd: wasm1.relaxedSimd,
    threadsReady: workers,
    ceilings: { anchors: CEILING, measuredBefore: ceilingBefore, measuredAfter: ceilingAfter },
    cases: CASES,
    timed: 'the product alone (left on the backend, disposed; no read-back), implementations interleaved',
    results: table.map((r) => ({ ...r, timing: { ...r.timing, unit: 's' } })),
    scaling,
    checks,
  });
  console.log(`wrote ${file}`);
  await wasm2?.closeThreads();
  if (bad.length > 0) process.exitCode = 1;
}

await main();
