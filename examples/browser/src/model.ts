/**
 * What the browser example and the GPU tests run: the spirals MLP of examples/src (trained with
 * momentum, one scope per step) and the small Transformer of bench/src/gpu-model.ts (a block
 * forward pass, and next-token training). Each function runs on the backend it is given and
 * releases everything it made, so the same code checks the GPU against the CPU and checks leaks.
 */
import { treeMap, valueAndGrad } from '@hrm/autodiff';
import {
  type AnyTensor,
  add,
  dispose,
  keep,
  key,
  mul,
  backend as namedBackend,
  scope,
  splitKey,
  sub,
  uniform,
  withBackend,
  zerosLike,
} from '@hrm/core';
import type { Backend } from '@hrm/kernels';
import {
  type BlockConfig,
  block,
  countingBatch,
  initBlock,
  initLm,
  type LmConfig,
  lmLoss,
} from '../../../bench/src/gpu-model.js';
import { accuracy, crossEntropy, initMlp, logits, type MlpParams } from '../../src/mlp.js';
import { spirals } from '../../src/spirals.js';

export interface TrainOptions {
  readonly steps: number;
  readonly seed?: number;
  readonly hidden?: number;
  readonly learningRate?: number;
  readonly momentum?: number;
  /** Called after every step with its index and loss (e.g. to sample live textures). */
  readonly onStep?: (step: number, loss: number) => void;
}

export interface TrainResult {
  readonly losses: number[];
  readonly accuracy: number;
}

/**
 * `opts.steps` steps of full-batch momentum SGD on `loss` from `initial` (kept), one scope per step, the
 * replaced parameters and velocity released at once. Returns the final parameters (kept; the caller
 * disposes them) and the loss of every step.
 */
function momentumSgd<P>(
  initial: P,
  loss: (params: P) => AnyTensor,
  opts: Pick<TrainOptions, 'steps' | 'onStep'> & { readonly learningRate: number; readonly momentum: number },
): { params: P; losses: number[] } {
  const { steps, learningRate, momentum } = opts;
  const step = valueAndGrad(loss);
  let params = initial;
  let velocity: P = keep(treeMap((p: AnyTensor) => zerosLike(p), params));
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const next = scope(() => {
      const { value, grad } = step(params);
      losses.push(value.item());
      const v = treeMap((vel: AnyTensor, g: AnyTensor) => add(mul(vel, momentum), g), velocity, grad);
      const p = treeMap((w: AnyTensor, vel: AnyTensor) => sub(w, mul(vel, learningRate)), params, v);
      return { p, v };
    });
    dispose([params, velocity]);
    params = keep(next.p);
    velocity = keep(next.v);
    opts.onStep?.(i, losses[i]);
  }
  dispose(velocity);
  return { params, losses };
}

/** Full-batch momentum SGD on three spirals (300 points), as examples/src/train.ts, on `backend`. */
export function trainSpirals(backend: Backend, opts: TrainOptions): TrainResult {
  const { seed = 1, hidden = 24, learningRate = 0.5, momentum = 0.9 } = opts;
  return withBackend(backend, () => {
    const [dataKey, initKey] = splitKey(key(seed), 2);
    // Set-up in scopes too: on the GPU, whatever is made outside a scope lives until disposed.
    const data = keep(scope(() => spirals(dataKey, 100)));
    const initial: MlpParams = keep(scope(() => initMlp(initKey, hidden, 3)));
    const sgd = { ...opts, learningRate, momentum };
    const { params, losses } = momentumSgd(initial, (p) => crossEntropy(logits(p, data.points), data.labels), sgd);
    const acc = scope(() => accuracy(logits(params, data.points), data.labels));
    dispose([params, data]);
    return { losses, accuracy: acc };
  });
}

export const LM: LmConfig = { dim: 32, heads: 4, hidden: 64, vocab: 16 };

/** Momentum SGD on the counting task with the one-block Transformer LM, on `backend`. */
export function trainTransformer(backend: Backend, opts: TrainOptions): TrainResult {
  const { seed = 3, learningRate = 0.05, momentum = 0.9 } = opts;
  return withBackend(backend, () => {
    const batch = keep(scope(() => countingBatch(4, 8, LM.vocab)));
    const initial = keep(scope(() => initLm(key(seed), LM)));
    const sgd = { ...opts, learningRate, momentum };
    const { params, losses } = momentumSgd(initial, (p) => lmLoss(p, batch.tokens, batch.targets, LM), sgd);
    dispose([params, batch]);
    return { losses, accuracy: Number.NaN };
  });
}

export const BLOCK: BlockConfig = { dim: 32, heads: 4, hidden: 64 };

/** A Transformer block's output for fixed inputs, computed on `backend`, read back to the host. */
export function blockForward(backend: Backend, batch = 2, t = 8): Float32Array {
  return withBackend(backend, () =>
    scope(() => {
      const p = initBlock(key(11), BLOCK);
      const x = uniform(key(12), [batch, t, BLOCK.dim], { minval: -1, maxval: 1 });
      return block(p, x as AnyTensor, BLOCK).data() as Float32Array;
    }),
  );
}

/** The block on `gpu` against the reference backend. */
export function compareBlockForward(gpu: Backend): { maxAbsDiff: number; tol: number } {
  const a = blockForward(gpu);
  const b = blockForward(namedBackend('reference'));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return { maxAbsDiff: a.length === b.length ? m : Number.POSITIVE_INFINITY, tol: 1e-4 };
}
