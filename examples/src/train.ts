/**
 * Training the spirals MLP: full-batch gradient descent with momentum, deterministic for a seed.
 */
import { treeMap, valueAndGrad } from '@hrm/autodiff';
import { type AnyTensor, add, dispose, keep, key, mul, scope, splitKey, sub, zerosLike } from '@hrm/core';
import { accuracy, crossEntropy, initMlp, logits, type MlpParams } from './mlp.js';
import { spirals } from './spirals.js';

export interface TrainOptions {
  readonly steps: number;
  readonly seed: number;
  readonly hidden: number;
  readonly learningRate: number;
  readonly momentum: number;
  readonly log?: (line: string) => void;
}

export interface TrainResult {
  readonly losses: number[];
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
}

export function train(opts: TrainOptions): TrainResult {
  const [dataKey, testKey, initKey] = splitKey(key(opts.seed), 3);
  const data = spirals(dataKey, 100);
  const test = spirals(testKey, 100);
  let params: MlpParams = keep(initMlp(initKey, opts.hidden, 3));
  let velocity: MlpParams = keep(treeMap((p) => zerosLike(p), params));
  const step = valueAndGrad((p: MlpParams) => crossEntropy(logits(p, data.points), data.labels));
  const losses: number[] = [];

  for (let i = 0; i < opts.steps; i++) {
    // One step in a scope: only the new parameters and velocity leave it, so memory stays flat.
    const next = scope(() => {
      const { value, grad } = step(params);
      losses.push(value.item());
      const v = treeMap((vel: AnyTensor, g: AnyTensor) => add(mul(vel, opts.momentum), g), velocity, grad);
      const p = treeMap((w: AnyTensor, vel: AnyTensor) => sub(w, mul(vel, opts.learningRate)), params, v);
      return { p, v };
    });
    dispose([params, velocity]);
    params = next.p;
    velocity = next.v;
    if (opts.log && (i % 50 === 0 || i === opts.steps - 1)) {
      const acc = scope(() => accuracy(logits(params, data.points), data.labels));
      opts.log(`step ${String(i).padStart(4)}  loss ${losses[i].toFixed(4)}  train accuracy ${acc.toFixed(3)}`);
    }
  }
  return scope(() => ({
    losses,
    trainAccuracy: accuracy(logits(params, data.points), data.labels),
    testAccuracy: accuracy(logits(params, test.points), test.labels),
  }));
}
