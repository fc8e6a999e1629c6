/**
 * Square float32 matmul: this library's reference backend against @tensorflow/tfjs-backend-cpu, side by
 * side in one run (absolute times on the shared machine are noisy; the ratio is what to read).
 *
 *   npx tsx bench/src/matmul.ts            256³ and 1024³
 *   npx tsx bench/src/matmul.ts --quick    128³ and 256³, a few seconds (CI)
 *
 * Prints GFLOP/s (2·M·K·N / median seconds) and writes bench/results/matmul[-quick].json.
 */
import { type AnyTensor, dispose, fromArray, key, matmul, uniform, withBackend } from '@hrm/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  fmt,
  formatMachine,
  formatTable,
  machineInfo,
  measure,
  type Timing,
  type TimingOptions,
  writeResults,
} from './lib.js';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [128, 256] : [256, 1024];
// A 1024³ call takes seconds on either side, so the full run keeps one warm-up and five repetitions.
const TIMING: Partial<TimingOptions> = quick
  ? { warmup: 1, minReps: 3, minSeconds: 0.3 }
  : { warmup: 1, minReps: 5, minSeconds: 2 };

/** Uniform over ±[0.01, 1] as in performance-anchors.md §9: O(1) values, none near zero; seeded, so every run multiplies the same matrices. */
function randomMatrix(seed: number, n: number): Float32Array {
  const [sign, size] = [uniform(key(seed), [n * n]).data(), uniform(key(seed + 1), [n * n]).data()];
  return Float32Array.from(sign, (s, i) => (s < 0.5 ? -1 : 1) * (0.01 + 0.99 * size[i]));
}

/**
 * How far the two results may differ. Each output sums K products of magnitude <= 1. Both libraries
 * accumulate in doubles and round to float32 once (ours) or once per block of 48 terms (tfjs-cpu), so
 * real differences are a few ulps of values of size about √K. We allow 16·K·u (u = 2^-24; 1e-3 at
 * K = 1024): far above rounding, far below the O(√K) error of a wrong index or a missed term.
 */
const tolerance = (k: number): number => 16 * k * 2 ** -24;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

interface Row {
  readonly size: number;
  readonly impl: 'reference' | 'tfjs-cpu';
  readonly timing: Timing;
  readonly gflops: { readonly median: number; readonly min: number; readonly max: number };
}

function row(size: number, impl: Row['impl'], timing: Timing): Row {
  const flops = 2 * size ** 3;
  return {
    size,
    impl,
    timing,
    gflops: { median: flops / timing.median / 1e9, min: flops / timing.max / 1e9, max: flops / timing.min / 1e9 },
  };
}

/** Builds the inputs once, checks that both libraries agree, then times each. */
function benchSize(n: number, seed: number): { rows: Row[]; check: { size: number; maxAbsDiff: number; tol: number } } {
  const aData = randomMatrix(seed, n);
  const bData = randomMatrix(seed + 2, n);

  // Ours, pinned to the reference backend. Inputs are built outside the timed region; each timed call
  // forces the product with data() (a host copy) and releases it at once.
  const [a, b] = withBackend('reference', () =>
    [aData, bData].map((d) => {
      const t = fromArray(d, [n, n]);
      if (t._tag === 'Left') throw t.left;
      return t.right as AnyTensor;
    }),
  );
  const oursOnce = (): Float32Array =>
    withBackend('reference', () => {
      const c = matmul(a, b) as AnyTensor;
      const out = c.data() as Float32Array;
      dispose(c);
      return out;
    });

  // tfjs-cpu: the functional API (the Node bundle has no chained ops), dataSync to force, then dispose.
  const ta = tf.tensor2d(aData, [n, n], 'float32');
  const tb = tf.tensor2d(bData, [n, n], 'float32');
  const tfOnce = (): Float32Array => {
    const c = tf.matMul(ta, tb);
    const out = c.dataSync() as Float32Array;
    c.dispose();
    return out;
  };

  const diff = maxAbsDiff(oursOnce(), tfOnce());
  const rows = [row(n, 'reference', measure(oursOnce, TIMING)), row(n, 'tfjs-cpu', measure(tfOnce, TIMING))];
  tf.dispose([ta, tb]);
  dispose([a, b]);
  return { rows, check: { size: n, maxAbsDiff: diff, tol: tolerance(n) } };
}

async function main(): Promise<void> {
  // PROD only silences tfjs's console banner about tfjs-node; it changes no kernel.
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();

  const machine = machineInfo();
  console.log(`matmul, square float32${quick ? ' (quick)' : ''}\n${formatMachine(machine)}\n`);

  const rows: Row[] = [];
  const checks: { size: number; maxAbsDiff: number; tol: number }[] = [];
  for (const [i, n] of SIZES.entries()) {
    const r = benchSize(n, 1000 + i);
    rows.push(...r.rows);
    checks.push(r.check);
  }

  const ratios = SIZES.map((size) => {
    const [ours, theirs] = (['reference', 'tfjs-cpu'] as const).map((impl) =>
      rows.find((r) => r.size === size && r.impl === impl),
    );
    return { size, referenceOverTfjsCpu: ours && theirs ? ours.gflops.median / theirs.gflops.median : Number.NaN };
  });

  console.log(
    formatTable(
      ['size', 'impl', 'median ms', 'min..max ms', 'GFLOP/s', 'GFLOP/s range', 'reps', 'ref/tfjs speed'],
      rows.map((r) => [
        `${r.size}³`,
        r.impl,
        fmt(r.timing.median * 1e3),
        `${fmt(r.timing.min * 1e3)}..${fmt(r.timing.max * 1e3)}`,
        fmt(r.gflops.median),
        `${fmt(r.gflops.min)}..${fmt(r.gflops.max)}`,
        String(r.timing.reps),
        r.impl === 'reference' ? fmt(ratios.find((q) => q.size === r.size)?.referenceOverTfjsCpu ?? Number.NaN) : '',
      ]),
    ),
  );
  console.log('ref/tfjs speed: reference GFLOP/s over tfjs-cpu GFLOP/s, medians (above 1: reference faster)');
  console.log(
    `\n${formatTable(
      ['size', 'max |reference - tfjs|', 'tolerance', 'agree'],
      checks.map((c) => [`${c.size}³`, fmt(c.maxAbsDiff), fmt(c.tol), c.maxAbsDiff <= c.tol ? 'yes' : 'NO']),
    )}`,
  );

  const file = writeResults(quick ? 'matmul-quick' : 'matmul', {
    benchmark: 'matmul',
    quick,
    machine,
    timing: TIMING,
    tfjs: tf.version_core,
    results: rows.map((r) => ({ ...r, timing: { ...r.timing, unit: 's' } })),
    ratios,
    checks,
  });
  console.log(`\nwrote ${file}`);
  if (checks.some((c) => !(c.maxAbsDiff <= c.tol))) {
    console.error('matmul: the two libraries disagree beyond float32 tolerance');
    process.exitCode = 1;
  }
}

await main();
