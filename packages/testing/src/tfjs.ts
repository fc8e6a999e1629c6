/**
 * Helpers for cross-checks against TensorFlow.js (tfjs-backend-cpu), the independent oracle of the
 * test suites: the same computation is built in both libraries from the same float32 numbers and
 * compared on host copies, value and gradients.
 */
import { type AnyTensor, fromArray, reshape, Tensor } from '@hrm/core';
import * as tf from '@tensorflow/tfjs-core';
// The core's Node bundle registers no gradients; the union package registers them in the shared registry.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';

/** A host copy of a result: what both libraries are compared on. */
export interface Host {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** Uniform values in [-scale, scale), rounded to float32 once so both libraries start from identical numbers. */
export function randomArray(rand: () => number, shape: readonly number[], scale = 1): Host {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (2 * rand() - 1) * scale;
  return { data, shape };
}

export function ours(h: Host): AnyTensor {
  const t = fromArray(h.data, [...h.shape]);
  if (E.isLeft(t)) throw t.left;
  return t.right as AnyTensor;
}

export const theirs = (h: Host): tf.Tensor => tf.tensor(h.data, [...h.shape], 'float32');

/** Runs `fn` under tf.tidy and copies its tensors to the host, so no tfjs tensor outlives the call. */
export function onTf<K extends string>(fn: () => Record<K, tf.Tensor>): Record<K, Host> {
  const out: Partial<Record<K, Host>> = {};
  tf.tidy(() => {
    const ts = fn();
    for (const k of Object.keys(ts) as K[])
      out[k] = { data: Float32Array.from(ts[k].dataSync()), shape: [...ts[k].shape] };
  });
  return out as Record<K, Host>;
}

/** The value and the gradients of a tfjs loss with respect to all of its arguments, keyed by name. */
export function tfValueAndGrads<K extends string>(
  names: readonly K[],
  inputs: Record<K, Host>,
  f: (args: Record<K, tf.Tensor>) => tf.Tensor,
): { value: Host; grads: Record<K, Host> } {
  const r = onTf(() => {
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) =>
      f(Object.fromEntries(names.map((k, i) => [k, xs[i]])) as Record<K, tf.Tensor>),
    )(names.map((k) => theirs(inputs[k])));
    return { value, ...Object.fromEntries(names.map((k, i) => [`grad.${k}`, grads[i]])) } as Record<string, tf.Tensor>;
  });
  return { value: r.value, grads: Object.fromEntries(names.map((k) => [k, r[`grad.${k}`]])) as Record<K, Host> };
}

/**
 * Tolerance. Both sides store float32 (unit roundoff u = 6e-8). Both accumulate dot products in JS
 * doubles (tfjs-cpu rounds to float32 once per block of 48 terms; our reference backend once per
 * output), so at these sizes the products mostly agree bit for bit; the differences come from the two
 * gradients being different chains of ops (tfjs has fused softmax, logSoftmax and cross-entropy rules).
 * Measured: at most 5e-7 absolute, 1/1000 of what is allowed. We allow 1e-5 of the tensor's scale (its
 * largest tfjs magnitude, at least 1) plus 1e-4 relative: loose enough for a backend that accumulates
 * in float32 (K <= 16 terms of O(1) here, about 1e-6), far below the O(1) relative error of a wrong
 * gradient rule, a wrong axis or a missing term, and tight enough to catch a 1e-3 change of one element.
 */
export const ATOL = 1e-5;
export const RTOL = 1e-4;

/** The worst ratio of |ours - tfjs| to the allowed error (<= 1 passes; NaN or a shape mismatch is Infinity). */
export function excess(a: Host, b: Host): { ratio: number; at: number; maxAbs: number } {
  if (a.shape.join() !== b.shape.join() || a.data.length !== b.data.length)
    return { ratio: Infinity, at: -1, maxAbs: Infinity };
  const scale = Math.max(1, ...Array.from(b.data, Math.abs));
  let ratio = 0;
  let at = -1;
  let maxAbs = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    const r = Number.isNaN(d) ? Infinity : d / (ATOL * scale + RTOL * Math.abs(b.data[i]));
    maxAbs = Math.max(maxAbs, d);
    if (r > ratio || at < 0) [ratio, at] = [r, i];
  }
  return { ratio, at, maxAbs };
}

export function expectClose(label: string, a: AnyTensor | Host, b: Host): void {
  const h = a instanceof Tensor ? host(a) : a;
  const { ratio, at, maxAbs } = excess(h, b);
  const where =
    at < 0
      ? `shape [${h.shape.join(', ')}] vs tfjs [${b.shape.join(', ')}]`
      : `element ${at}: ${h.data[at]} vs tfjs ${b.data[at]}`;
  expect(ratio, `${label}: max abs diff ${maxAbs.toExponential(2)}; worst at ${where}`).toBeLessThanOrEqual(1);
}

export function host(t: AnyTensor): Host {
  return { data: Float32Array.from(t.data()), shape: [...t.shape] };
}

/** Compares the value and each gradient of ours with those of tfjs. */
export function expectSameValueAndGrads<K extends string>(
  label: string,
  mine: { value: AnyTensor; grad: Record<K, AnyTensor> },
  tfjs: { value: Host; grads: Record<K, Host> },
): void {
  expectClose(`${label}: value`, reshape(mine.value, [1]) as AnyTensor, { data: tfjs.value.data, shape: [1] });
  for (const k of Object.keys(tfjs.grads) as K[]) expectClose(`${label}: d/d${k}`, mine.grad[k], tfjs.grads[k]);
}

/** Registers the hooks a tfjs cross-check needs: the cpu backend, and a check that no tfjs tensor leaks. */
export function useTfjsCpu(): void {
  beforeAll(async () => {
    // PROD only silences tfjs's console banner ("looks like you are running in Node.js"); no numerics change.
    tf.enableProdMode();
    await tf.setBackend('cpu');
    await tf.ready();
  });

  let tfTensorsBefore = 0;
  beforeEach(() => {
    tfTensorsBefore = tf.memory().numTensors;
  });
  afterEach(() => {
    // Every tfjs tensor a test makes must be disposed (onTf runs everything under tidy).
    expect(tf.memory().numTensors).toBe(tfTensorsBefore);
  });
}
