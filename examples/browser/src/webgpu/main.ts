/**
 * The gpu.js backend in WebGPU mode, where the browser has an adapter: the op suite (every case of
 * packages/core/src/ops/*.test.ts, through the async harness in ./opcheck.ts), a Transformer block
 * forward pass, and a few training steps, each read back with `readAsync` and compared with the CPU.
 * Results go to `window.hrmWebGPU` and the page.
 */
import { treeMap, valueAndGrad } from '@hrm/autodiff';
import {
  type AnyTensor,
  add,
  backend,
  dispose,
  keep,
  key,
  mul,
  scope,
  splitKey,
  sub,
  toBackend,
  uniform,
  withBackend,
  zerosLike,
} from '@hrm/core';
import { createGpujsBackend, type GpujsBackend, type GpuView } from '@hrm/gpujs';
import { block, initBlock } from '../../../../bench/src/gpu-model.js';
import { crossEntropy, initMlp, logits, type MlpParams } from '../../../src/mlp.js';
import { spirals } from '../../../src/spirals.js';
import { BLOCK, trainSpirals } from '../model.js';
import { registeredTests } from '../suite/vitest-shim.js';
import { setDevice } from './opcheck.js';

import.meta.glob('../../../../packages/core/src/ops/*.test.ts', { eager: true });

export interface WebGPUResult {
  readonly state: 'done' | 'error' | 'unavailable';
  readonly mode?: string;
  readonly renderer?: string;
  readonly total?: number;
  readonly passed?: number;
  readonly failures?: readonly { name: string; message: string }[];
  readonly blockForward?: { readonly maxAbsDiff: number };
  readonly gpuLosses?: readonly number[];
  readonly cpuLosses?: readonly number[];
  readonly seconds?: number;
  readonly error?: string;
}

declare global {
  interface Window {
    hrmWebGPU?: WebGPUResult;
  }
}

const log = document.getElementById('log') as HTMLPreElement;
const summary = document.getElementById('summary') as HTMLParagraphElement;
const line = (text: string) => {
  log.textContent += `${text}\n`;
};

async function readAll(gpu: GpujsBackend, t: AnyTensor): Promise<Float32Array> {
  return Float32Array.from(await gpu.readAsync(t.view as GpuView));
}

/** The spirals MLP trained with the loss read back asynchronously (Tensor.item() is synchronous). */
async function trainAsync(gpu: GpujsBackend, steps: number): Promise<number[]> {
  const [dataKey, initKey] = splitKey(key(1), 2);
  return withBackend(gpu, async () => {
    // The data set is drawn on the CPU (spirals() reads its noise back synchronously), then moved.
    const cpuData = withBackend('reference', () => spirals(dataKey, 100));
    const data = keep({ points: toBackend(cpuData.points, gpu), labels: toBackend(cpuData.labels, gpu) });
    let params: MlpParams = keep(scope(() => initMlp(initKey, 24, 3)));
    let velocity: MlpParams = keep(treeMap((p: AnyTensor) => zerosLike(p), params));
    const step = valueAndGrad((p: MlpParams) => crossEntropy(logits(p, data.points), data.labels));
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const next = withBackend(gpu, () =>
        scope(() => {
          const { value, grad } = step(params);
          const v = treeMap((vel: AnyTensor, g: AnyTensor) => add(mul(vel, 0.9), g), velocity, grad);
          const p = treeMap((w: AnyTensor, vel: AnyTensor) => sub(w, mul(vel, 0.5)), params, v);
          return { p, v, loss: value };
        }),
      );
      losses.push((await readAll(gpu, next.loss))[0]);
      dispose([params, velocity, next.loss]);
      params = keep(next.p);
      velocity = keep(next.v);
    }
    dispose([params, velocity, data]);
    return losses;
  });
}

async function run(): Promise<void> {
  const t0 = performance.now();
  let gpu: GpujsBackend;
  try {
    gpu = await createGpujsBackend({ mode: 'webgpu' });
  } catch (e) {
    line(`no WebGPU here: ${(e as Error).message}`);
    window.hrmWebGPU = { state: 'unavailable', error: (e as Error).message };
    document.body.dataset.state = 'unavailable';
    return;
  }
  setDevice(gpu);
  const { mode, renderer } = gpu.info;
  line(`backend ${gpu.name}: mode ${mode}, renderer ${renderer}`);

  const tests = registeredTests().filter((t) => t.name.endsWith('[webgpu]'));
  const failures: { name: string; message: string }[] = [];
  for (const [i, t] of tests.entries()) {
    try {
      await t.fn();
    } catch (e) {
      failures.push({ name: t.name, message: (e as Error).message });
      line(`FAIL ${t.name}: ${(e as Error).message}`);
    }
    if (i % 20 === 0) summary.textContent = `${i + 1} / ${tests.length} op cases, ${failures.length} failed`;
  }

  const out = withBackend(gpu, () =>
    keep(
      scope(() =>
        block(
          initBlock(key(11), BLOCK),
          uniform(key(12), [2, 8, BLOCK.dim], { minval: -1, maxval: 1 }) as AnyTensor,
          BLOCK,
        ),
      ),
    ),
  );
  const got = await readAll(gpu, out);
  dispose(out);
  const want = withBackend('reference', () =>
    scope(() =>
      block(
        initBlock(key(11), BLOCK),
        uniform(key(12), [2, 8, BLOCK.dim], { minval: -1, maxval: 1 }) as AnyTensor,
        BLOCK,
      ).data(),
    ),
  );
  const blockForward = { maxAbsDiff: Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i]))) };
  line(`Transformer block forward, WebGPU against CPU: max |diff| ${blockForward.maxAbsDiff.toExponential(2)}`);

  const gpuLosses = await trainAsync(gpu, 10);
  const cpuLosses = trainSpirals(backend('reference'), { steps: 10 }).losses;
  line(`spirals MLP, 10 steps: WebGPU ${gpuLosses.map((l) => l.toFixed(4)).join(' ')}`);
  line(`                          CPU ${cpuLosses.map((l) => l.toFixed(4)).join(' ')}`);

  const seconds = (performance.now() - t0) / 1000;
  const passed = tests.length - failures.length;
  summary.textContent = `${passed} / ${tests.length} op cases passed on ${mode} in ${seconds.toFixed(1)} s`;
  window.hrmWebGPU = {
    state: 'done',
    mode,
    renderer,
    total: tests.length,
    passed,
    failures,
    blockForward,
    gpuLosses,
    cpuLosses,
    seconds,
  };
  document.body.dataset.state = 'done';
}

run().catch((e: unknown) => {
  const error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  line(`ERROR ${error}`);
  window.hrmWebGPU = { state: 'error', error };
  document.body.dataset.state = 'error';
});
