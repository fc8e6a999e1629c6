/**
 * A two-hidden-layer MLP as pure functions over a parameter record, with softmax cross-entropy,
 * written directly on @hrm/core and @hrm/autodiff (the layer library, @hrm/nn, comes later).
 */
import {
  add,
  argmax,
  cast,
  eq,
  expandDims,
  type Key,
  logSoftmax,
  matmul,
  mean,
  neg,
  splitKey,
  type Tensor,
  takeAlongAxis,
  tanh,
  truncatedNormal,
  zeros,
} from '@hrm/core';

export interface MlpParams {
  readonly w1: Tensor<[2, 'H']>;
  readonly b1: Tensor<['H']>;
  readonly w2: Tensor<['H', 'H']>;
  readonly b2: Tensor<['H']>;
  readonly w3: Tensor<['H', 'C']>;
  readonly b3: Tensor<['C']>;
}

/** LeCun-style initialisation: truncated normal with standard deviation 1/sqrt(fan in). */
export function initMlp(key: Key, hidden: number, classes: number): MlpParams {
  const [k1, k2, k3] = splitKey(key, 3);
  const dims = { H: hidden, C: classes };
  return {
    w1: truncatedNormal(k1, [2, 'H'], { dims, std: 1 / Math.sqrt(2) }),
    b1: zeros(['H'], { dims }),
    w2: truncatedNormal(k2, ['H', 'H'], { dims, std: 1 / Math.sqrt(hidden) }),
    b2: zeros(['H'], { dims }),
    w3: truncatedNormal(k3, ['H', 'C'], { dims, std: 1 / Math.sqrt(hidden) }),
    b3: zeros(['C'], { dims }),
  };
}

export function logits(p: MlpParams, x: Tensor<['N', 2]>): Tensor<['N', 'C']> {
  const h1 = tanh(add(matmul(x, p.w1), p.b1));
  const h2 = tanh(add(matmul(h1, p.w2), p.b2));
  return add(matmul(h2, p.w3), p.b3);
}

/** Mean negative log-likelihood of the labels. */
export function crossEntropy(z: Tensor<['N', 'C']>, labels: Tensor<['N'], 'int32'>): Tensor<[]> {
  const picked = takeAlongAxis(logSoftmax(z), expandDims(labels, -1), -1);
  return neg(mean(picked));
}

export function accuracy(z: Tensor<['N', 'C']>, labels: Tensor<['N'], 'int32'>): number {
  return mean(cast(eq(argmax(z, -1), labels), 'float32')).item();
}
