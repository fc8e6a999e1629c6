/**
 * The gpu.js backend against the reference backend, side by side: a square matmul, a Transformer
 * block forward pass, and one training step of a small next-token model (forward, backward and a
 * momentum update, in a scope). Each timed call reads its result back, so the GPU's queue is drained.
 *
 *   xvfb-run -a npx tsx bench/src/gpu.ts            (npm run bench:gpu)
 *   xvfb-run -a npx tsx bench/src/gpu.ts --quick    a few seconds (CI)
 *
 * Prints the mode and renderer it ran on. On the development machine that is headless-gl on Mesa's
 * software rasteriser under Xvfb: the numbers check that the GPU path works end to end and say
 * nothing about speed on a real GPU. Writes bench/results/gpu[-quick].json.
 */
import { treeMap, valueAndGrad } from '@hrm/autodiff';
import { type AnyTensor, keep, key, matmul, mul, scope, sub, uniform, withBackend } from '@hrm/core';
import { GpujsBackend } from '@hrm/gpujs';
import { type BlockConfig, block, countingBatch, initBlock, initLm, type LmConfig, lmLoss } from './gpu-model.js';
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
const TIMING: Partial<TimingOptions> = quick
  ? { warmup: 1, minReps: 3, minSeconds: 0.2 }
  : { warmup: 2, minReps: 5, minSeconds: 2 };
const MATMUL_SIZES = quick ? [64, 128] : [128, 256, 512];
const BLOCK: BlockConfig & { batch: number; t: number } = quick
  ? { dim: 32, heads: 4, hidden: 64, batch: 2, t: 8 }
  : { dim: 64, heads: 4, hidden: 256, batch: 4, t: 32 };
const LM: LmConfig & { batch: number; t: number } = { ...BLOCK, vocab: quick ? 16 : 64 };

interface Case {
  readonly name: string;
  /** Runs once on the current backend and returns what it read back. */
  readonly run: () => Float32Array;
  /** Largest |gpu - reference| accepted (float32 with different summation orders). */
  readonly tol: number;
  readonly flops?: number;
}

interface Row {
  readonly name: string;
  readonly backend: string;
  readonly timing: Timing;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Inputs are made once per backend (outside the timed region); `run` reads its result back. */
function cases(): { name: string; make: () => Case }[] {
  const out: { name: string; make: () => Case }[] = MATMUL_SIZES.map((n) => ({
    name: `matmul ${n}³`,
    make: () => {
      const [a, b] = keep([
        uniform(key(n), [n, n], { minval: -1, maxval: 1 }),
        uniform(key(n + 1), [n, n], { minval: -1, maxval: 1 }),
      ]);
      return {
        name: `matmul ${n}³`,
        run: () => scope(() => matmul(a, b).data() as Float32Array),
        tol: 16 * n * 2 ** -24 * Math.sqrt(n),
        flops: 2 * n ** 3,
      };
    },
  }));
  const blockName = `block fwd B=${BLOCK.batch} T=${BLOCK.t} d=${BLOCK.dim} h=${BLOCK.heads}`;
  out.push({
    name: blockName,
    make: () => {
      const p = keep(initBlock(key(7), BLOCK));
      const x = keep(uniform(key(8), [BLOCK.batch, BLOCK.t, BLOCK.dim], { minval: -1, maxval: 1 }) as AnyTensor);
      return { name: blockName, run: () => scope(() => block(p, x, BLOCK).data() as Float32Array), tol: 1e-4 };
    },
  });
  const stepName = `train step B=${LM.batch} T=${LM.t} d=${LM.dim} V=${LM.vocab}`;
  out.push({
    name: stepName,
    make: () => {
      const { tokens, targets } = keep(countingBatch(LM.batch, LM.t, LM.vocab));
      const params = keep(initLm(key(9), LM));
      const step = valueAndGrad((p: typeof params) => lmLoss(p, tokens, targets, LM));
      // The same step each call (parameters are not replaced), so every repetition does identical work.
      return {
        name: stepName,
        run: () =>
          scope(() => {
            const { value, grad } = step(params);
            // An SGD update, computed and then dropped with the scope.
            treeMap((w: AnyTensor, g: AnyTensor) => sub(w, mul(g, 0.1)), params, grad);
            return Float32Array.of(value.item());
          }),
        tol: 1e-4,
      };
    },
  });
  return out;
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const gpu = new GpujsBackend();
  const info = gpu.info;
  console.log(`gpu.js backend against the reference backend${quick ? ' (quick)' : ''}\n${formatMachine(machine)}`);
  console.log(
    `gpu:    mode ${info.mode}, renderer "${info.renderer}" (${info.version}), MAX_TEXTURE_SIZE ${info.maxTextureSize}, ` +
      `software ${info.software === undefined ? 'unknown' : info.software}` +
      (info.mode === 'headlessgl' ? `, X display ${process.env.DISPLAY ?? 'none'}` : ''),
  );
  if (info.mode === 'headlessgl')
    console.log(
      "        (headless-gl renders through ANGLE on the X server's GL; under Xvfb that is Mesa's software rasteriser)",
    );
  console.log();

  const rows: Row[] = [];
  const checks: { name: string; maxAbsDiff: number; tol: number }[] = [];
  for (const c of cases()) {
    const onRef = withBackend('reference', c.make);
    const onGpu = withBackend(gpu, c.make);
    const expected = withBackend('reference', onRef.run);
    const got = withBackend(gpu, onGpu.run);
    checks.push({ name: c.name, maxAbsDiff: maxAbsDiff(got, expected), tol: onGpu.tol });
    rows.push({
      name: c.name,
      backend: `gpujs (${info.mode})`,
      timing: withBackend(gpu, () => measure(() => void onGpu.run(), TIMING)),
    });
    rows.push({
      name: c.name,
      backend: 'reference',
      timing: withBackend('reference', () => measure(() => void onRef.run(), TIMING)),
    });
  }
  const stats = gpu.stats();

  console.log(
    formatTable(
      ['case', 'backend', 'median ms', 'min..max ms', 'reps'],
      rows.map((r) => [
        r.name,
        r.backend,
        fmt(r.timing.median * 1e3),
        `${fmt(r.timing.min * 1e3)}..${fmt(r.timing.max * 1e3)}`,
        String(r.timing.reps),
      ]),
    ),
  );
  console.log(
    `\n${formatTable(
      ['case', 'max |gpu - reference|', 'tolerance', 'agree'],
      checks.map((c) => [c.name, fmt(c.maxAbsDiff), fmt(c.tol), c.maxAbsDiff <= c.tol ? 'yes' : 'NO']),
    )}`,
  );
  console.log(
    `\ngpu after the run: ${stats.buffers} buffers, ${stats.textures} GL textures, ${stats.kernels} compiled kernels`,
  );

  const file = writeResults(quick ? 'gpu-quick' : 'gpu', {
    benchmark: 'gpu',
    quick,
    machine,
    gpu: info,
    timing: TIMING,
    results: rows.map((r) => ({ ...r, timing: { ...r.timing, unit: 's' } })),
    checks,
    stats,
  });
  console.log(`\nwrote ${file}`);
  await gpu.destroy();
  if (checks.some((c) => !(c.maxAbsDiff <= c.tol))) {
    console.error('gpu: the gpu.js backend and the reference backend disagree beyond float32 tolerance');
    process.exitCode = 1;
  }
}

await main();
