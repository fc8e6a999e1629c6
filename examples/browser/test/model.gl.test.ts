/**
 * The example's models on the gpu.js backend in Node (headless-gl under Xvfb; `npm run test:gl`):
 * training follows the CPU loss curve, a Transformer block's forward pass matches the CPU, and many
 * training steps keep live buffers, GL textures, framebuffers and process memory flat.
 */
import { backend } from '@hrm/core';
import { GpujsBackend } from '@hrm/gpujs';
import { releaseSharedRopeTables } from '@hrm/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hrmForward, hrmTrain } from '../src/hrm.js';
import { compareBlockForward, trainSpirals, trainTransformer } from '../src/model.js';

let gpu: GpujsBackend;
beforeAll(() => {
  gpu = new GpujsBackend();
});
afterAll(async () => {
  await gpu?.destroy();
});

/**
 * Largest |gpu - cpu| / max(1, |cpu|) over the steps. Both run float32 with different summation
 * orders (the reference backend accumulates in float64); the measured gap is ~3e-7 per step and
 * does not grow over these runs. 1e-4 leaves room for other GPUs' roundings and is still far below
 * what a wrong kernel (a missed term, a wrong index, a stale texture) produces.
 */
const CURVE_TOL = 1e-4;

/** What must not grow from step to step (the recycling pool only follows the peak within a step). */
function live(s: ReturnType<GpujsBackend['stats']>) {
  return { buffers: s.buffers, bytes: s.bytes, textures: s.textures, framebuffers: s.framebuffers, kernels: s.kernels };
}

function worstGap(gpuLosses: readonly number[], cpuLosses: readonly number[]): number {
  expect(gpuLosses.length).toBe(cpuLosses.length);
  return Math.max(...gpuLosses.map((l, i) => Math.abs(l - cpuLosses[i]) / Math.max(1, Math.abs(cpuLosses[i]))));
}

describe('training on the GPU follows the CPU', () => {
  it('spirals MLP: 40 steps of momentum SGD', () => {
    const onGpu = trainSpirals(gpu, { steps: 40 });
    const onCpu = trainSpirals(backend('reference'), { steps: 40 });
    expect(worstGap(onGpu.losses, onCpu.losses)).toBeLessThan(CURVE_TOL);
    expect(onGpu.losses[39]).toBeLessThan(0.5 * onGpu.losses[0]);
    expect(Math.abs(onGpu.accuracy - onCpu.accuracy)).toBeLessThanOrEqual(1 / 300);
  });

  it('one-block Transformer LM (embedding gather, attention, scatterAdd gradient): 30 steps', () => {
    const onGpu = trainTransformer(gpu, { steps: 30 });
    const onCpu = trainTransformer(backend('reference'), { steps: 30 });
    expect(worstGap(onGpu.losses, onCpu.losses)).toBeLessThan(CURVE_TOL);
    expect(onGpu.losses[29]).toBeLessThan(0.1 * onGpu.losses[0]);
  });

  it('Transformer block forward pass', () => {
    const { maxAbsDiff, tol } = compareBlockForward(gpu);
    expect(maxAbsDiff).toBeLessThan(tol);
  });
});

describe('the Hierarchical Reasoning Model on the GPU', () => {
  it('forward pass of one segment (logits, Q halt, Q continue) matches the CPU', () => {
    const onGpu = hrmForward(gpu);
    const onCpu = hrmForward(backend('reference'));
    expect(onGpu.length).toBe(onCpu.length);
    const worst = Math.max(...Array.from(onGpu, (v, i) => Math.abs(v - onCpu[i])));
    expect(worst).toBeLessThan(1e-4); // measured ~1.5e-6: float32, different summation orders
  });

  it('20 training steps (ACT, deep supervision, AdamATan2) follow the CPU loss curve, with flat memory', () => {
    const stats: ReturnType<GpujsBackend['stats']>[] = [];
    const onGpu = hrmTrain(gpu, 20, () => stats.push(gpu.stats()));
    const onCpu = hrmTrain(backend('reference'), 20);
    console.log(`HRM lm loss, GPU: ${onGpu.map((l) => l.toFixed(4)).join(' ')}`);
    expect(worstGap(onGpu, onCpu)).toBeLessThan(CURVE_TOL);
    expect(onGpu[19]).toBeLessThan(onGpu[0]);
    for (const s of stats.slice(1)) expect(live(s)).toEqual(live(stats[0]));
    // The shared RoPE tables (two per length and dtype) live on purpose; everything else the steps made is gone.
    releaseSharedRopeTables(gpu);
    expect(gpu.liveBuffers()).toBe(0);
  });
});

describe('memory over many training steps', () => {
  it('keeps buffers, textures and framebuffers exactly flat, and process memory nearly flat', () => {
    const stats: ReturnType<GpujsBackend['stats']>[] = [];
    const rss: number[] = [];
    const steps = 300;
    trainSpirals(gpu, {
      steps,
      onStep: () => {
        stats.push(gpu.stats());
        rss.push(process.memoryUsage().rss / 2 ** 20);
      },
    });
    for (const s of stats.slice(1)) expect(live(s)).toEqual(live(stats[0]));
    // headless-gl keeps some memory of every deleted texture (RSS grows ~0.4 MB per step without recycling); recycling texture
    // objects (on by default there) keeps the growth to a few MB over hundreds of steps.
    const growth = rss[steps - 1] - rss[50];
    console.log(
      `${steps} steps: ${stats[0].buffers} buffers (${stats[0].bytes} bytes), ${stats[0].textures} textures (${stats[0].pooledTextures} pooled), ` +
        `${stats[0].framebuffers} framebuffers after every step; RSS ${rss[50].toFixed(0)} MB at step 50, ${rss[steps - 1].toFixed(0)} MB at step ${steps}`,
    );
    expect(growth).toBeLessThan(40);
    // Nothing the steps made outlives them: what is left is the backend's own kernels' textures.
    // The shared RoPE tables (two per length and dtype) live on purpose; everything else the steps made is gone.
    releaseSharedRopeTables(gpu);
    expect(gpu.liveBuffers()).toBe(0);
  });

  // About 6 minutes on software GL (0.4 s a step), so opt-in: HRM_GL_LONG=1 npm run test:gl.
  it.runIf(process.env.HRM_GL_LONG === '1')(
    'keeps 1,000 HRM training steps flat: buffers, textures, framebuffers and kernels',
    () => {
      const stats: ReturnType<GpujsBackend['stats']>[] = [];
      const losses = hrmTrain(gpu, 1000, () => stats.push(gpu.stats()));
      expect(stats).toHaveLength(1000);
      for (const s of stats.slice(1)) expect(live(s)).toEqual(live(stats[0]));
      expect(losses[999]).toBeLessThan(losses[0]);
      // The shared RoPE tables (two per length and dtype) live on purpose; everything else the steps made is gone.
      releaseSharedRopeTables(gpu);
      expect(gpu.liveBuffers()).toBe(0);
    },
    1_200_000,
  );

  it('keeps the Transformer LM flat too', () => {
    const stats: ReturnType<GpujsBackend['stats']>[] = [];
    trainTransformer(gpu, { steps: 40, onStep: () => stats.push(gpu.stats()) });
    for (const s of stats.slice(1)) expect(live(s)).toEqual(live(stats[0]));
    // The shared RoPE tables (two per length and dtype) live on purpose; everything else the steps made is gone.
    releaseSharedRopeTables(gpu);
    expect(gpu.liveBuffers()).toBe(0);
  });
});
