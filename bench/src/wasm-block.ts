/**
 * A post-norm Transformer block (performance-anchors.md §5), forward and forward + backward, on the
 * wasm backend (1 and 2 threads), on this library's reference backend, and in tfjs-backend-wasm, side
 * by side in one run.
 *
 *   h = rms(x + Attn(x)),  y = rms(h + SwiGLU(h)),  loss = mean(y * target)
 *
 * B = 32 sequences of S = 81 tokens, hidden D = 128, 4 heads of 32, SwiGLU width F = 512 (gate and up
 * fused in one [D, 2F] weight), RMSNorm without weight (eps 1e-5), non-causal softmax attention, no
 * RoPE, no biases. Ours is built from @hrm/core ops and differentiated with @hrm/autodiff's
 * valueAndGrad; tfjs's from its functional ops and differentiated with variableGrads (tfjs 4.22.0).
 * Gradients with respect to the four weights; each timed call reads every gradient back.
 *
 *   npx tsx bench/src/wasm-block.ts            the full block (B = 32)
 *   npx tsx bench/src/wasm-block.ts --quick    B = 4, few repetitions (CI)
 *
 * Writes bench/results/wasm-block[-quick].json.
 */
import os from 'node:os';
import { type Backend, backend, WasmBackend } from '@hrm/kernels';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  blockInputs,
  blockRunner,
  D,
  DH,
  EPS,
  F,
  forwardFlops,
  H,
  type Runner,
  S,
  SHAPES,
  type Weights,
} from './block-model.js';
import { fmt, formatMachine, formatTable, machineInfo, measure, type Timing, writeResults } from './lib.js';

const quick = process.argv.includes('--quick');
const B = quick ? 4 : 32;
const N = B * S;
const FWD_FLOPS = forwardFlops(N);
const inputs = blockInputs(B);
const ours = (b: Backend): Runner => blockRunner(b, inputs);

// ---------------------------------------------------------------------------------------------
// tfjs (functional API: the Node bundle has no chained ops)

function tfjsRunner(): Runner {
  const x = tf.tensor2d(inputs.x, [N, D]);
  const target = tf.tensor2d(inputs.target, [N, D]);
  const vars = {
    wqkv: tf.variable(tf.tensor2d(inputs.weights.wqkv, SHAPES.wqkv), true, 'wqkv'),
    wo: tf.variable(tf.tensor2d(inputs.weights.wo, SHAPES.wo), true, 'wo'),
    wgu: tf.variable(tf.tensor2d(inputs.weights.wgu, SHAPES.wgu), true, 'wgu'),
    wdown: tf.variable(tf.tensor2d(inputs.weights.wdown, SHAPES.wdown), true, 'wdown'),
  };
  const trms = (t: tf.Tensor) => tf.mul(t, tf.rsqrt(tf.add(tf.mean(tf.square(t), -1, true), EPS)));
  const loss = (): tf.Scalar => {
    const qkv = tf.reshape(tf.matMul(x, vars.wqkv), [B, S, 3 * H, DH]);
    const [q, k, v] = tf.split(qkv, 3, 2).map((t) => tf.transpose(t, [0, 2, 1, 3]));
    const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(DH));
    const mixed = tf.matMul(tf.softmax(scores, -1), v);
    const merged = tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [N, D]);
    const h = trms(tf.add(x, tf.matMul(merged, vars.wo)));
    const [g, u] = tf.split(tf.matMul(h, vars.wgu), 2, 1);
    const ff = tf.mul(tf.mul(g, tf.sigmoid(g)), u);
    const y = trms(tf.add(h, tf.matMul(ff, vars.wdown)));
    return tf.mean(tf.mul(y, target));
  };
  return {
    forward: () => tf.tidy(() => loss().dataSync()[0]),
    step: () => {
      const { value, grads } = tf.variableGrads(loss);
      const out = {
        loss: value.dataSync()[0],
        grads: {
          wqkv: grads.wqkv.dataSync() as Float32Array,
          wo: grads.wo.dataSync() as Float32Array,
          wgu: grads.wgu.dataSync() as Float32Array,
          wdown: grads.wdown.dataSync() as Float32Array,
        },
      };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    },
    free: () => tf.dispose([x, target, ...Object.values(vars)]),
  };
}

// ---------------------------------------------------------------------------------------------

type Impl = 'wasm' | 'wasm-2t' | 'reference' | 'tfjs-wasm';
type What = 'forward' | 'forward+backward';

interface Row {
  readonly impl: Impl;
  readonly what: What;
  readonly timing: Timing;
  readonly gflops: number;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

async function main(): Promise<void> {
  tf.enableProdMode();
  await tf.setBackend('wasm');
  await tf.ready();
  const machine = machineInfo();
  const wasm1 = new WasmBackend({ name: 'wasm-1t', threads: 1 });
  const wasm2 =
    os.availableParallelism() >= 2
      ? new WasmBackend({ name: 'wasm-2t', threads: 2, adaptiveThreads: false })
      : undefined;
  const ready = wasm2?.startThreads() ?? 1;
  console.log(
    `Transformer block fwd+bwd: B=${B} S=${S} D=${D} heads=${H} SwiGLU ${F}, post-norm RMSNorm${quick ? ' (quick)' : ''}`,
  );
  console.log(formatMachine(machine));
  console.log(
    `wasm relaxed-SIMD FMA ${wasm1.relaxedSimd ? 'on' : 'off'}, wasm-2t ${ready} threads ready; tfjs ${tf.version_core} wasm backend (SIMD, 1 thread)\n`,
  );

  const runners: [Impl, Runner][] = [
    ['tfjs-wasm', tfjsRunner()],
    ['wasm', ours(wasm1)],
    ...(wasm2 ? [['wasm-2t', ours(wasm2)] as [Impl, Runner]] : []),
    ['reference', ours(backend('reference'))],
  ];
  const rows: Row[] = [];
  const results = new Map<Impl, { loss: number; grads: Weights<Float32Array> }>();
  for (const [impl, r] of runners) {
    results.set(impl, r.step());
    const slow = impl === 'reference' || impl === 'tfjs-wasm';
    const opts = quick
      ? { warmup: 1, minReps: 3, minSeconds: 0.3 }
      : slow
        ? { warmup: 1, minReps: 3, minSeconds: 2 }
        : { warmup: 2, minReps: 7, minSeconds: 3 };
    const fwd = measure(() => void r.forward(), opts);
    rows.push({ impl, what: 'forward', timing: fwd, gflops: FWD_FLOPS / fwd.median / 1e9 });
    const step = measure(() => void r.step(), opts);
    rows.push({ impl, what: 'forward+backward', timing: step, gflops: (3 * FWD_FLOPS) / step.median / 1e9 });
    r.free();
  }

  const find = (impl: Impl, what: What) => rows.find((r) => r.impl === impl && r.what === what);
  const table = rows.map((r) => {
    const t = find('tfjs-wasm', r.what);
    const ref = find('reference', r.what);
    return {
      ...r,
      overTfjs: t ? t.timing.median / r.timing.median : Number.NaN,
      overReference: ref ? ref.timing.median / r.timing.median : Number.NaN,
    };
  });
  console.log(
    formatTable(
      ['impl', 'what', 'median ms', 'min..max ms', 'reps', 'GFLOP/s', 'x tfjs-wasm', 'x reference'],
      table.map((r) => [
        r.impl,
        r.what,
        fmt(r.timing.median * 1e3),
        `${fmt(r.timing.min * 1e3)}..${fmt(r.timing.max * 1e3)}`,
        String(r.timing.reps),
        fmt(r.gflops),
        r.impl === 'tfjs-wasm' ? '' : fmt(r.overTfjs),
        r.impl === 'reference' ? '' : fmt(r.overReference),
      ]),
    ),
  );
  console.log(
    `GFLOP/s counts matmul FLOPs only (${fmt(FWD_FLOPS / 1e9)} GFLOP forward, 3x that forward+backward). x: speed ratio of medians.`,
  );

  // Agreement: every implementation against the reference backend (float32 throughout).
  const base = results.get('reference');
  const checks = [...results.entries()]
    .filter(([impl]) => impl !== 'reference')
    .map(([impl, r]) => ({
      impl,
      lossDiff: base ? Math.abs(r.loss - base.loss) : Number.NaN,
      gradRelErr: base
        ? Math.max(...(Object.keys(SHAPES) as (keyof Weights<unknown>)[]).map((k) => relErr(r.grads[k], base.grads[k])))
        : Number.NaN,
    }));
  console.log(
    `\n${formatTable(
      ['impl', '|loss - reference|', 'max grad error / max |grad|', 'agree'],
      checks.map((c) => [
        c.impl,
        fmt(c.lossDiff),
        fmt(c.gradRelErr),
        c.gradRelErr < 1e-3 && c.lossDiff < 1e-4 ? 'yes' : 'NO',
      ]),
    )}`,
  );
  const loadEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  console.log(`load at end: ${loadEnd.join(' ')}`);
  console.log(
    'HRM training steps are not part of this benchmark (issue 6 leaves that comparison for when the model is done).',
  );
  const file = writeResults(quick ? 'wasm-block-quick' : 'wasm-block', {
    benchmark: 'wasm-block',
    quick,
    machine,
    loadAtEnd: loadEnd,
    config: { B, S, D, heads: H, F, eps: EPS },
    flops: { forward: FWD_FLOPS, forwardBackward: 3 * FWD_FLOPS },
    tfjs: tf.version_core,
    relaxedSimd: wasm1.relaxedSimd,
    threadsReady: ready,
    results: table.map((r) => ({ ...r, timing: { ...r.timing, unit: 's' } })),
    checks,
  });
  console.log(`wrote ${file}`);
  await wasm2?.closeThreads();
  if (checks.some((c) => !(c.gradRelErr < 1e-3 && c.lossDiff < 1e-4))) process.exitCode = 1;
}

await main();
