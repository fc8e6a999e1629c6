/**
 * Kernels against peers, side by side in one run: this library's backends (reference, wasm on 1
 * thread, wasm on 2 threads) against @tensorflow/tfjs-backend-cpu, @tensorflow/tfjs-backend-wasm and
 * @jax-js/jax (wasm device), on the same inputs.
 *
 *   - matmul in the four transpose variants (A·B, Aᵀ·B, A·Bᵀ, Aᵀ·Bᵀ), at a square size, the HRM block's
 *     projection [2592,128]x[128,512] (32 Sudoku sequences of 81 tokens) and batched attention
 *     [128,81,32]x[128,32,81]; a transposed operand is stored transposed and used through a view;
 *   - a post-norm Transformer block (block-model.ts), forward and forward + backward;
 *   - one HRM training step (@hrm/hrm trainStep on the sudoku6 preset): our backends only, since the
 *     peers have no HRM; reported relative to the reference backend.
 *
 *   npx tsx bench/src/kernels.ts            full sizes
 *   npx tsx bench/src/kernels.ts --quick    small sizes, few repetitions (CI)
 *
 * Before timing, every implementation's result is checked against a float64 product (matmul) or the
 * reference backend (block, HRM: loss and gradients); a disagreement throws. Each timed call includes
 * reading the result back. Ratios are peer time / our time (above 1: ours faster). Peers run on one
 * thread in Node (see peers.ts): compare them with wasm-1t; wasm-2t shows what the second core adds.
 * Writes bench/results/kernels[-quick].json and the charts kernels-peers and kernels-ours.
 */
import os from 'node:os';
import { leaves, valueAndGrad } from '@hrm/autodiff';
import { foldIn, key, scope, take, withBackend } from '@hrm/core';
import {
  actLoss,
  actStep,
  type Batch,
  type HrmParams,
  initTrainState,
  type ModelConfig,
  modelConfig,
  reasonerFor,
  resetHalted,
  type TrainConfig,
  trainConfig,
  trainStep,
} from '@hrm/hrm';
import { presetNamed } from '@hrm/hrm/node';
import { type Backend, backend, measureCeiling, WasmBackend } from '@hrm/kernels';
import { blockInputs, blockRunner, forwardFlops, randomData, S, SHAPES, type Weights } from './block-model.js';
import { barChart, writeChart } from './chart.js';
import {
  fmt,
  formatMachine,
  formatTable,
  loadAverage,
  machineInfo,
  measureAsync,
  ourMatmul,
  releaseReplaced,
  type Timing,
  type TimingOptions,
  writeResults,
} from './lib.js';
import {
  type BlockCalls,
  type Call,
  jaxBlock,
  jaxInfo,
  jaxMatmul,
  jaxUse,
  tfjsBlock,
  tfjsInfo,
  tfjsMatmul,
  tfjsUse,
} from './peers.js';

const quick = process.argv.includes('--quick');

type Ours = 'reference' | 'wasm-1t' | 'wasm-2t';
/** `tfjs-wasm-xt`: tfjs-wasm with explicit transposes (block only; see peers.ts `plainMatMul`). */
type Peer = 'tfjs-cpu' | 'tfjs-wasm' | 'tfjs-wasm-xt' | 'jax-wasm';
type Impl = Ours | Peer;
const OURS: readonly Ours[] = ['reference', 'wasm-1t', 'wasm-2t'];
const PEERS: readonly Peer[] = ['tfjs-cpu', 'tfjs-wasm', 'tfjs-wasm-xt', 'jax-wasm'];

type Kind = 'matmul' | 'block' | 'hrm';

interface Row {
  readonly case: string;
  readonly kind: Kind;
  readonly impl: Impl;
  readonly timing: Timing;
  /** Matmul FLOPs per second (block: matmul FLOPs only); null for the HRM step. */
  readonly gflops: number | null;
}

interface Check {
  readonly case: string;
  readonly impl: Impl;
  /** What was compared, the error and the bound it had to meet. */
  readonly against: string;
  readonly error: number;
  readonly tolerance: number;
}

class Disagreement extends Error {
  override readonly name = 'Disagreement';
}

const checks: Check[] = [];

function check(c: Check): void {
  checks.push(c);
  if (!(c.error <= c.tolerance))
    throw new Disagreement(
      `${c.case}: ${c.impl} disagrees with ${c.against}: error ${fmt(c.error)} > tolerance ${fmt(c.tolerance)}`,
    );
}

/** Max |a - b| / max |b|: an error relative to the size of the values. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    num = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(num, d);
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / (den || 1);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(m, d);
  }
  return m;
}

/**
 * Timing options from the duration of the checking call (which also warmed the code up): slow calls
 * get fewer repetitions. Quick mode: just enough calls to exercise the code.
 */
function timingFor(firstSeconds: number): Partial<TimingOptions> {
  if (quick)
    return firstSeconds > 0.2 ? { warmup: 0, minReps: 1, minSeconds: 0 } : { warmup: 1, minReps: 2, minSeconds: 0.05 };
  if (firstSeconds > 1) return { warmup: 0, minReps: 3, minSeconds: 1 };
  if (firstSeconds > 0.1) return { warmup: 1, minReps: 3, minSeconds: 1.5 };
  return { warmup: 2, minReps: 7, minSeconds: 1.5 };
}

async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1e3 };
}

// ---------------------------------------------------------------------------------------------
// Our backends

interface OurBackends {
  readonly reference: Backend;
  readonly 'wasm-1t': WasmBackend;
  readonly 'wasm-2t': WasmBackend;
}

// ---------------------------------------------------------------------------------------------
// Matmul

interface Size {
  readonly label: string;
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

const SIZES: readonly Size[] = quick
  ? [
      { label: '128³', batch: 1, m: 128, k: 128, n: 128 },
      { label: '[324,128]x[128,512]', batch: 1, m: 4 * S, k: 128, n: 512 },
    ]
  : [
      { label: '256³', batch: 1, m: 256, k: 256, n: 256 },
      { label: '[2592,128]x[128,512]', batch: 1, m: 32 * S, k: 128, n: 512 },
      { label: '[128,81,32]x[128,32,81]', batch: 128, m: S, k: 32, n: S },
    ];

const VARIANTS = [
  { name: 'A·B', ta: false, tb: false },
  { name: 'Aᵀ·B', ta: true, tb: false },
  { name: 'A·Bᵀ', ta: false, tb: true },
  { name: 'Aᵀ·Bᵀ', ta: true, tb: true },
] as const;

/** [batch, rows, cols] -> [batch, cols, rows]. */
function transposeLast(x: Float32Array, batch: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) out[b * rows * cols + j * rows + i] = x[b * rows * cols + i * cols + j];
  return out;
}

/** The product in float64 (i-k-j order), the yardstick every implementation is checked against. */
function matmul64(a: Float32Array, b: Float32Array, s: Size): Float64Array {
  const { batch, m, k, n } = s;
  const c = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++)
    for (let i = 0; i < m; i++) {
      const row = p * m * n + i * n;
      for (let q = 0; q < k; q++) {
        const av = a[p * m * k + i * k + q];
        const bo = p * k * n + q * n;
        for (let j = 0; j < n; j++) c[row + j] += av * b[bo + j];
      }
    }
  return c;
}

/**
 * Allowed |difference| from the float64 product: each output sums K products of size <= 1, rounded
 * in float32 along the way; 16·K·2^-24 is far above rounding and far below a wrong index or a missed
 * term (as in wasm-matmul.ts).
 */
const matmulTolerance = (k: number): number => 16 * k * 2 ** -24;

async function matmulCases(ours: OurBackends, rows: Row[]): Promise<void> {
  for (const [si, s] of SIZES.entries()) {
    const batchDims = s.batch > 1 ? [s.batch] : [];
    const a = randomData(100 + 2 * si, s.batch * s.m * s.k);
    const b = randomData(101 + 2 * si, s.batch * s.k * s.n);
    const expected = matmul64(a, b, s);
    const flops = 2 * s.batch * s.m * s.k * s.n;
    for (const v of VARIANTS) {
      const name = `matmul ${v.name} ${s.label}`;
      const aStored = v.ta ? transposeLast(a, s.batch, s.m, s.k) : a;
      const bStored = v.tb ? transposeLast(b, s.batch, s.k, s.n) : b;
      const aShape = [...batchDims, ...(v.ta ? [s.k, s.m] : [s.m, s.k])];
      const bShape = [...batchDims, ...(v.tb ? [s.n, s.k] : [s.k, s.n])];
      const makers: [Impl, () => Promise<Call<Float32Array>>][] = [
        ...OURS.map(
          (o) =>
            [o, async () => ourMatmul(ours[o], aStored, aShape, bStored, bShape, v.ta, v.tb)] as [
              Impl,
              () => Promise<Call<Float32Array>>,
            ],
        ),
        [
          'tfjs-cpu',
          async () => {
            await tfjsUse('cpu');
            return tfjsMatmul(aStored, aShape, bStored, bShape, v.ta, v.tb);
          },
        ],
        [
          'tfjs-wasm',
          async () => {
            await tfjsUse('wasm');
            return tfjsMatmul(aStored, aShape, bStored, bShape, v.ta, v.tb);
          },
        ],
        [
          'jax-wasm',
          async () => {
            await jaxUse();
            return jaxMatmul(aStored, aShape, bStored, bShape, v.ta, v.tb);
          },
        ],
      ];
      for (const [impl, make] of makers) {
        const call = await make();
        const first = await timed(call.once);
        check({
          case: name,
          impl,
          against: 'float64 product',
          error: maxAbsDiff(first.value, expected),
          tolerance: matmulTolerance(s.k),
        });
        const timing = await measureAsync(async () => void (await call.once()), timingFor(first.seconds));
        call.free();
        rows.push({ case: name, kind: 'matmul', impl, timing, gflops: flops / timing.median / 1e9 });
      }
      process.stdout.write('.');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Transformer block

const BLOCK_BATCH = quick ? 2 : 32;

async function blockCases(ours: OurBackends, rows: Row[]): Promise<void> {
  const inputs = blockInputs(BLOCK_BATCH);
  const flops = forwardFlops(BLOCK_BATCH * S);
  const fwdName = `block forward B=${BLOCK_BATCH}`;
  const stepName = `block fwd+bwd B=${BLOCK_BATCH}`;
  let expected: { loss: number; grads: Weights<Float32Array> } | undefined;
  const makers: [Impl, () => Promise<BlockCalls>][] = [
    ...OURS.map((o) => [o, async () => blockRunner(ours[o], inputs)] as [Impl, () => Promise<BlockCalls>]),
    [
      'tfjs-cpu',
      async () => {
        await tfjsUse('cpu');
        return tfjsBlock(inputs);
      },
    ],
    [
      'tfjs-wasm',
      async () => {
        await tfjsUse('wasm');
        return tfjsBlock(inputs);
      },
    ],
    [
      'tfjs-wasm-xt',
      async () => {
        await tfjsUse('wasm');
        return tfjsBlock(inputs, 'explicit transposes');
      },
    ],
    [
      'jax-wasm',
      async () => {
        await jaxUse();
        return jaxBlock(inputs);
      },
    ],
  ];
  for (const [impl, make] of makers) {
    const calls = await make();
    const first = await timed(calls.step);
    if (impl === 'reference') expected = first.value;
    else if (expected) {
      const ref = expected;
      check({
        case: stepName,
        impl,
        against: 'reference backend, loss',
        error: Math.abs(first.value.loss - ref.loss),
        tolerance: 1e-4,
      });
      const gradErr = Math.max(
        ...(Object.keys(SHAPES) as (keyof Weights<unknown>)[]).map((k) => relErr(first.value.grads[k], ref.grads[k])),
      );
      check({
        case: stepName,
        impl,
        against: 'reference backend, gradients (max error / max |grad|)',
        error: gradErr,
        tolerance: 1e-3,
      });
    }
    const firstFwd = await timed(calls.forward);
    if (expected)
      check({
        case: fwdName,
        impl,
        against: 'reference backend, loss',
        error: Math.abs(firstFwd.value - expected.loss),
        tolerance: 1e-4,
      });
    const fwd = await measureAsync(async () => void (await calls.forward()), timingFor(firstFwd.seconds));
    rows.push({ case: fwdName, kind: 'block', impl, timing: fwd, gflops: flops / fwd.median / 1e9 });
    const step = await measureAsync(async () => void (await calls.step()), timingFor(first.seconds));
    rows.push({ case: stepName, kind: 'block', impl, timing: step, gflops: (3 * flops) / step.median / 1e9 });
    calls.free();
    process.stdout.write('.');
  }
}

// ---------------------------------------------------------------------------------------------
// HRM training step (ours only)

function hrmSetup(): { model: ModelConfig; train: TrainConfig; batch: (step: number) => Batch; preset: string } {
  const preset = presetNamed('sudoku6');
  if (!preset) throw new Error('the sudoku6 preset is missing');
  const model = modelConfig(preset.model);
  const train = trainConfig({
    ...preset.train,
    batchSize: quick ? 8 : (preset.train.batchSize ?? 64),
    totalSteps: 1000,
  });
  return { model, train, batch: (step) => preset.trainBatch(0, step, train.batchSize), preset: preset.name };
}

/** The ACT loss of the first training step and its gradient with respect to the parameters, read back. */
function hrmLossAndGrad(
  b: Backend,
  setup: ReturnType<typeof hrmSetup>,
): { loss: number; grads: Map<string, Float32Array> } {
  const { model, train } = setup;
  return withBackend(b, () =>
    scope(() => {
      const reasoner = reasonerFor(model);
      const state = initTrainState(reasoner, key(0), train);
      const carry = resetHalted(reasoner, state.carry, setup.batch(0), state.buffers);
      const table = state.buffers.puzzleEmb;
      const rows = table ? take(table, carry.data.puzzleIds, 0) : undefined;
      const f = valueAndGrad((params: HrmParams) => {
        const out = actStep(reasoner, params, rows, carry, { training: true, key: foldIn(state.key, 1) });
        return actLoss(out.outputs, out.carry, reasoner.act).loss;
      });
      const { value, grad } = f(state.params);
      return {
        loss: value.item(),
        grads: new Map(leaves(grad).map((l) => [l.path, l.value.data() as Float32Array])),
      };
    }),
  );
}

async function hrmCases(ours: OurBackends, rows: Row[]): Promise<Record<string, unknown>> {
  const setup = hrmSetup();
  const name = `HRM train step (${setup.preset}, batch ${setup.train.batchSize})`;
  let expected: ReturnType<typeof hrmLossAndGrad> | undefined;
  for (const impl of OURS) {
    const b = ours[impl];
    const got = hrmLossAndGrad(b, setup);
    if (impl === 'reference') expected = got;
    else if (expected) {
      check({
        case: name,
        impl,
        against: 'reference backend, ACT loss',
        error: Math.abs(got.loss - expected.loss) / Math.max(1, Math.abs(expected.loss)),
        tolerance: 1e-4,
      });
      const ref = expected;
      const errs = [...ref.grads.entries()].map(([path, g]) => relErr(got.grads.get(path) ?? [], g));
      check({
        case: name,
        impl,
        against: `reference backend, ${ref.grads.size} gradient leaves (max error / max |grad|)`,
        error: Math.max(...errs),
        tolerance: 1e-3,
      });
    }
    const { model, train } = setup;
    const batches = Array.from({ length: 4 }, (_, i) => withBackend(b, () => setup.batch(i + 1)));
    const reasoner = reasonerFor(model);
    let state = withBackend(b, () => initTrainState(reasoner, key(0), train));
    let i = 0;
    const step = () =>
      withBackend(b, () => {
        const next = trainStep(reasoner, state, batches[i++ % batches.length], train).state;
        releaseReplaced(state, next);
        state = next;
      });
    const first = await timed(step);
    const timing = await measureAsync(async () => step(), timingFor(first.seconds));
    rows.push({ case: name, kind: 'hrm', impl, timing, gflops: null });
    process.stdout.write('.');
  }
  return { preset: setup.preset, model: setup.model, train: setup.train };
}

// ---------------------------------------------------------------------------------------------

const SHORT: Record<Impl, string> = {
  reference: 'reference',
  'wasm-1t': 'wasm-1t',
  'wasm-2t': 'wasm-2t',
  'tfjs-cpu': 'tfjs-cpu',
  'tfjs-wasm': 'tfjs-wasm',
  'tfjs-wasm-xt': 'tfjs-wasm-xt',
  'jax-wasm': 'jax-js',
};

async function main(): Promise<void> {
  const ours: OurBackends = {
    reference: backend('reference'),
    'wasm-1t': new WasmBackend({ name: 'wasm-1t', threads: 1 }),
    'wasm-2t': new WasmBackend({ name: 'wasm-2t', threads: 2, adaptiveThreads: false }),
  };
  const threadsReady = ours['wasm-2t'].startThreads();
  const machine = machineInfo([ours.reference, ours['wasm-1t'], ours['wasm-2t']]);
  console.log(`kernels: this library's backends vs tfjs-cpu, tfjs-wasm, jax-js (wasm)${quick ? ' (quick)' : ''}`);
  console.log(formatMachine(machine));
  if (threadsReady < 2) console.log(`note: wasm-2t has ${threadsReady} thread(s) ready (this machine or runtime)`);
  await tfjsUse('wasm');
  await jaxUse();
  const tfjs = tfjsInfo();
  const jax = jaxInfo();
  const peers = {
    'tfjs-cpu': {
      package: '@tensorflow/tfjs-backend-cpu',
      version: tfjs.version,
      threads: 1,
      note: 'plain JavaScript',
    },
    'tfjs-wasm': {
      package: '@tensorflow/tfjs-backend-wasm',
      version: tfjs.version,
      threads: tfjs.threads,
      simd: tfjs.wasmSimd,
      note: 'one thread in Node: its thread pool needs browser workers (WASM_HAS_MULTITHREAD_SUPPORT is false)',
    },
    'tfjs-wasm-xt': {
      package: '@tensorflow/tfjs-backend-wasm',
      version: tfjs.version,
      threads: tfjs.threads,
      simd: tfjs.wasmSimd,
      note: 'the block with explicit transposes: every product a plain matMul, its gradients too (tf.customGrad)',
    },
    'jax-wasm': { package: '@jax-js/jax', version: '0.1.25', device: 'wasm', threads: jax.threads, note: jax.note },
  };
  console.log(
    `peers:  tfjs ${tfjs.version} cpu and wasm (SIMD ${tfjs.wasmSimd ? 'on' : 'off'}, 1 thread); jax-js 0.1.25 wasm, ${jax.note}`,
  );

  // The single-core FMA ceiling, measured before and after the cases (load only ever lowers it, so the
  // better of the two is the run's ceiling): the fractions below are of what this machine did today.
  const ceilingBefore = measureCeiling(true);
  const rows: Row[] = [];
  let hrm: Record<string, unknown> = {};
  try {
    await matmulCases(ours, rows);
    await blockCases(ours, rows);
    hrm = await hrmCases(ours, rows);
  } finally {
    await ours['wasm-2t'].closeThreads();
  }
  const ceilingAfter = measureCeiling(true);
  const ceiling = Math.max(ceilingBefore, ceilingAfter);
  console.log('');
  console.log(
    `single-core FMA ceiling (wasm register-only loop): ${fmt(ceilingBefore)} GFLOP/s before the cases, ${fmt(ceilingAfter)} after`,
  );
  /** A one-thread row's matmul GFLOP/s over the ceiling (two threads: over twice it). */
  const ofCeiling = (r: Row) =>
    r.gflops === null || r.impl === 'reference' || r.impl === 'tfjs-cpu'
      ? null
      : r.gflops / (ceiling * (r.impl === 'wasm-2t' ? 2 : 1));

  const cases = [...new Set(rows.map((r) => r.case))];
  const find = (c: string, impl: Impl) => rows.find((r) => r.case === c && r.impl === impl);
  // Ratios: every peer against every one of our backends, and our backends against the reference.
  const ratios = cases.flatMap((c) => {
    const pairs: { case: string; numerator: Impl; denominator: Impl; ratio: number }[] = [];
    for (const num of [...PEERS, 'reference'] as Impl[])
      for (const den of OURS) {
        const [n, d] = [find(c, num), find(c, den)];
        if (n && d && num !== den)
          pairs.push({ case: c, numerator: num, denominator: den, ratio: n.timing.median / d.timing.median });
      }
    return pairs;
  });
  const ratio = (c: string, num: Impl, den: Impl) =>
    ratios.find((r) => r.case === c && r.numerator === num && r.denominator === den)?.ratio ?? Number.NaN;

  console.log(
    formatTable(
      [
        'case',
        'impl',
        'median ms',
        'min..max ms',
        'reps',
        'GFLOP/s',
        'of ceiling',
        '/ reference',
        '/ wasm-1t',
        '/ wasm-2t',
      ],
      rows.map((r) => {
        const cell = (den: Ours) =>
          r.impl === den ? '' : fmt(r.timing.median / (find(r.case, den)?.timing.median ?? Number.NaN));
        return [
          r.case,
          SHORT[r.impl],
          fmt(r.timing.median * 1e3),
          `${fmt(r.timing.min * 1e3)}..${fmt(r.timing.max * 1e3)}`,
          String(r.timing.reps),
          r.gflops === null ? '' : fmt(r.gflops),
          (() => {
            const of = ofCeiling(r);
            return of === null ? '' : `${fmt(100 * of)}%`;
          })(),
          cell('reference'),
          cell('wasm-1t'),
          cell('wasm-2t'),
        ];
      }),
    ),
  );
  console.log(
    "/ x: this row's time over backend x's time (peers: above 1 means ours is faster). GFLOP/s counts matmul FLOPs only; 'of ceiling' divides them by the ceiling above (twice it for wasm-2t). tfjs-wasm-xt: tfjs-wasm with explicit transposes instead of matMul's transpose flags.",
  );
  console.log(
    `\n${formatTable(
      [
        'case',
        'tfjs-cpu / reference',
        'tfjs-cpu / wasm-1t',
        'tfjs-wasm / wasm-1t',
        'tfjs-wasm-xt / wasm-1t',
        'jax-js / wasm-1t',
        'reference / wasm-1t',
        'wasm-1t / wasm-2t',
      ],
      cases.map((c) => [
        c,
        ...(
          [
            ['tfjs-cpu', 'reference'],
            ['tfjs-cpu', 'wasm-1t'],
            ['tfjs-wasm', 'wasm-1t'],
            ['tfjs-wasm-xt', 'wasm-1t'],
            ['jax-wasm', 'wasm-1t'],
            ['reference', 'wasm-1t'],
          ] as [Impl, Impl][]
        ).map(([n, d]) => {
          const x = ratio(c, n, d);
          return Number.isNaN(x) ? 'n/a' : fmt(x);
        }),
        (() => {
          const [one, two] = [find(c, 'wasm-1t'), find(c, 'wasm-2t')];
          return one && two ? fmt(one.timing.median / two.timing.median) : 'n/a';
        })(),
      ]),
    )}`,
  );
  console.log(`checks: ${checks.length} comparisons, all within tolerance (see the JSON for each error)`);
  const loadAtEnd = loadAverage();
  console.log(`load at end: ${loadAtEnd.join(' ')}`);

  const suffix = quick ? '-quick' : '';
  const file = writeResults(`kernels${suffix}`, {
    benchmark: 'kernels',
    quick,
    machine,
    loadAtEnd,
    wasm2ThreadsReady: threadsReady,
    peers,
    notMeasured: [
      {
        case: 'HRM train step',
        impls: PEERS,
        why: 'the peers have no HRM; the step is reported for our backends, relative to the reference backend',
      },
      { case: 'all', impls: ['tfjs-wasm', 'jax-wasm'], why: 'more than one thread: not available to them in Node 20' },
      {
        case: 'matmul',
        impls: ['tfjs-wasm-xt'],
        why: 'a single product with a transposed operand is the tfjs-wasm row (flags) or a transpose plus A·B (its rows)',
      },
    ],
    sizes: SIZES,
    ceiling: {
      gflops: ceiling,
      before: ceilingBefore,
      after: ceilingAfter,
      what: 'single-core FMA, wasm register-only loop',
    },
    block: { batch: BLOCK_BATCH, flopsForward: forwardFlops(BLOCK_BATCH * S) },
    hrm,
    results: rows.map((r) => ({ ...r, ofCeiling: ofCeiling(r), timing: { ...r.timing, unit: 's' } })),
    ratios,
    checks,
  });
  const groups = cases.filter((c) => !c.startsWith('HRM'));
  const charts = [
    writeChart(
      `kernels-peers${suffix}`,
      barChart({
        title: 'Peers vs this library (wasm backend, 1 thread): time ratio, above 1 = ours faster',
        yLabel: 'peer time / wasm-1t time (log scale)',
        groups,
        logY: true,
        referenceLine: 1,
        series: PEERS.map((p) => ({
          name: `${SHORT[p]} / wasm-1t`,
          values: groups.map((c) => nullable(ratio(c, p, 'wasm-1t'))),
        })),
        width: 1100,
        height: 520,
      }),
    ),
    writeChart(
      `kernels-ours${suffix}`,
      barChart({
        title: "This library's backends: speed-up over the reference backend",
        yLabel: 'reference time / backend time (log scale)',
        groups: cases,
        logY: true,
        referenceLine: 1,
        series: (['wasm-1t', 'wasm-2t'] as const).map((o) => ({
          name: o,
          values: cases.map((c) => nullable(ratio(c, 'reference', o))),
        })),
        width: 1100,
        height: 520,
      }),
    ),
  ];
  console.log(`wrote ${file}\ncharts: ${charts.join(', ')}`);
  if (os.availableParallelism() < 2) console.log('note: fewer than 2 cores here; wasm-2t cannot show a speed-up');
}

const nullable = (x: number): number | null => (Number.isFinite(x) ? x : null);

await main();
