/**
 * An independent cross-check against TensorFlow.js (tfjs-backend-cpu): the same composite functions,
 * built in both libraries from the same float32 numbers, must agree in value and in every gradient.
 * Nothing here hard-codes an expected number; tfjs is the oracle.
 */
import {
  type AnyTensor,
  add,
  currentBackend,
  div,
  fromArray,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  oneHot,
  permute,
  relu,
  reshape,
  slice,
  softmax,
  square,
  sub,
  sum,
  Tensor,
  takeAlongAxis,
  tanh,
  transpose,
} from '@hrm/core';
import * as tf from '@tensorflow/tfjs-core';
// The core's Node bundle registers no gradients; the union package registers them in the shared registry.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { mulberry32 } from '@hrm/core/testing/rng';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { valueAndGrad } from './grad.js';

/** A host copy of a result: what both libraries are compared on. */
interface Host {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** Uniform values in [-scale, scale), rounded to float32 once so both libraries start from identical numbers. */
function randomArray(rand: () => number, shape: readonly number[], scale = 1): Host {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (2 * rand() - 1) * scale;
  return { data, shape };
}

function ours(h: Host): AnyTensor {
  const t = fromArray(h.data, [...h.shape]);
  if (E.isLeft(t)) throw t.left;
  return t.right as AnyTensor;
}

const theirs = (h: Host): tf.Tensor => tf.tensor(h.data, [...h.shape], 'float32');

/** Runs `fn` under tf.tidy and copies its tensors to the host, so no tfjs tensor outlives the call. */
function onTf<K extends string>(fn: () => Record<K, tf.Tensor>): Record<K, Host> {
  const out: Partial<Record<K, Host>> = {};
  tf.tidy(() => {
    const ts = fn();
    for (const k of Object.keys(ts) as K[])
      out[k] = { data: Float32Array.from(ts[k].dataSync()), shape: [...ts[k].shape] };
  });
  return out as Record<K, Host>;
}

/** The value and the gradients of a tfjs loss with respect to all of its arguments, keyed by name. */
function tfValueAndGrads<K extends string>(
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
const ATOL = 1e-5;
const RTOL = 1e-4;

/** The worst ratio of |ours - tfjs| to the allowed error (<= 1 passes; NaN or a shape mismatch is Infinity). */
function excess(a: Host, b: Host): { ratio: number; at: number; maxAbs: number } {
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

function expectClose(label: string, a: AnyTensor | Host, b: Host): void {
  const h = a instanceof Tensor ? host(a) : a;
  const { ratio, at, maxAbs } = excess(h, b);
  const where =
    at < 0
      ? `shape [${h.shape.join(', ')}] vs tfjs [${b.shape.join(', ')}]`
      : `element ${at}: ${h.data[at]} vs tfjs ${b.data[at]}`;
  expect(ratio, `${label}: max abs diff ${maxAbs.toExponential(2)}; worst at ${where}`).toBeLessThanOrEqual(1);
}

function host(t: AnyTensor): Host {
  return { data: Float32Array.from(t.data()), shape: [...t.shape] };
}

/** Compares the value and each gradient of ours with those of tfjs. */
function expectSameValueAndGrads<K extends string>(
  label: string,
  mine: { value: AnyTensor; grad: Record<K, AnyTensor> },
  tfjs: { value: Host; grads: Record<K, Host> },
): void {
  expectClose(`${label}: value`, reshape(mine.value, [1]) as AnyTensor, { data: tfjs.value.data, shape: [1] });
  for (const k of Object.keys(tfjs.grads) as K[]) expectClose(`${label}: d/d${k}`, mine.grad[k], tfjs.grads[k]);
}

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

// ---------------------------------------------------------------------------------------------
// 1. A two-layer MLP

type MlpParams = Record<'w1' | 'b1' | 'w2' | 'b2', AnyTensor>;
const MLP_NAMES = ['w1', 'b1', 'w2', 'b2'] as const;

function mlpInputs(seed: number) {
  const rand = mulberry32(seed);
  return {
    x: randomArray(rand, [8, 5]),
    y: randomArray(rand, [8, 3]),
    params: {
      w1: randomArray(rand, [5, 16], 1 / Math.sqrt(5)),
      b1: randomArray(rand, [16], 0.5),
      w2: randomArray(rand, [16, 3], 1 / Math.sqrt(16)),
      b2: randomArray(rand, [3], 0.5),
    },
  };
}

interface Activation {
  readonly ours: (x: AnyTensor) => AnyTensor;
  readonly tfjs: (x: tf.Tensor) => tf.Tensor;
}
const ACTIVATIONS: Record<'tanh' | 'relu', Activation> = {
  tanh: { ours: (x) => tanh(x) as AnyTensor, tfjs: (x) => tf.tanh(x) },
  relu: { ours: (x) => relu(x) as AnyTensor, tfjs: (x) => tf.relu(x) },
};

describe(`tfjs cross-check on the '${currentBackend().name}' backend`, () => {
  describe('two-layer MLP, loss = mean((mlp(x) - y)^2), 8 x 5 -> 16 -> 3', () => {
    it.each(['tanh', 'relu'] as const)('%s: loss and gradients w.r.t. W1, b1, W2, b2', (act) => {
      const { x, y, params } = mlpInputs(act === 'tanh' ? 1 : 2);
      const f = ACTIVATIONS[act];
      const X = ours(x);
      const Y = ours(y);
      const mine = valueAndGrad((p: MlpParams) => {
        const h = f.ours(add(matmul(X, p.w1), p.b1) as AnyTensor);
        return mean(square(sub(add(matmul(h, p.w2), p.b2), Y) as AnyTensor));
      })({
        w1: ours(params.w1),
        b1: ours(params.b1),
        w2: ours(params.w2),
        b2: ours(params.b2),
      });
      const tfjs = tfValueAndGrads(MLP_NAMES, params, (p) => {
        const h = f.tfjs(tf.add(tf.matMul(theirs(x), p.w1), p.b1));
        return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(h, p.w2), p.b2), theirs(y))));
      });
      expectSameValueAndGrads(act, mine, tfjs);
    });

    it('views: a transposed input, a transposed and an offset parameter, a transpose inside the function', () => {
      const rand = mulberry32(3);
      const xT = randomArray(rand, [5, 8]);
      const y = randomArray(rand, [8, 3]);
      const w1T = randomArray(rand, [16, 5], 1 / Math.sqrt(5));
      const bWide = randomArray(rand, [20], 0.5);
      const w2 = randomArray(rand, [16, 3], 1 / Math.sqrt(16));
      const xTT = ours(xT);
      // Parameters that are themselves non-contiguous views: x (strides [1, 8]) and b1 (offset 2).
      const x = transpose(xTT) as AnyTensor;
      const b1 = slice(ours(bWide), 0, 2, 18) as AnyTensor;
      expect(x.view.strides).toEqual([1, 8]);
      expect(b1.view.offset).toBe(2);
      const Y = ours(y);
      const mine = valueAndGrad((p: Record<'x' | 'w1T' | 'b1' | 'w2', AnyTensor>) => {
        const h = tanh(add(matmul(p.x, transpose(p.w1T) as AnyTensor), p.b1) as AnyTensor) as AnyTensor;
        return mean(square(sub(matmul(h, p.w2), Y) as AnyTensor));
      })({ x, w1T: ours(w1T), b1, w2: ours(w2) });
      // tfjs gets the same views materialized, and the same transpose inside the function.
      const tfInputs = onTf(() => ({
        x: tf.transpose(theirs(xT)),
        b1: tf.slice(theirs(bWide), [2], [16]),
      }));
      const tfjs = tfValueAndGrads(['x', 'w1T', 'b1', 'w2'], { ...tfInputs, w1T, w2 }, (p) => {
        const h = tf.tanh(tf.add(tf.matMul(p.x, tf.transpose(p.w1T)), p.b1));
        return tf.mean(tf.square(tf.sub(tf.matMul(h, p.w2), theirs(y))));
      });
      expectSameValueAndGrads('views', mine, tfjs);
    });
  });

  // -------------------------------------------------------------------------------------------
  // 2. Softmax cross-entropy

  describe('softmax cross-entropy, logits [6, 10], integer labels', () => {
    const rand = mulberry32(4);
    // Spread of +-3 so that the distributions are far from uniform and from one-hot.
    const logits = randomArray(rand, [6, 10], 3);
    const labels = Int32Array.from({ length: 6 }, () => Math.floor(rand() * 10));
    const labelTensor = () => {
      const t = fromArray(labels, [6], { dtype: 'int32' });
      if (E.isLeft(t)) throw t.left;
      return t.right;
    };

    it('softmax and logSoftmax values', () => {
      const z = ours(logits);
      const r = onTf(() => ({ p: tf.softmax(theirs(logits)), lp: tf.logSoftmax(theirs(logits)) }));
      expectClose('softmax', softmax(z, -1) as AnyTensor, r.p);
      expectClose('logSoftmax', logSoftmax(z, -1) as AnyTensor, r.lp);
    });

    it('loss = mean(-sum(onehot * logSoftmax(logits), -1)) and its gradient w.r.t. logits', () => {
      const mine = valueAndGrad((p: { logits: AnyTensor }) => {
        const picked = sum(mul(oneHot(labelTensor(), 10), logSoftmax(p.logits, -1)) as AnyTensor, -1);
        return mean(neg(picked as AnyTensor));
      })({ logits: ours(logits) });
      const tfjs = tfValueAndGrads(['logits'], { logits }, (p) =>
        tf.mean(tf.neg(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), tf.logSoftmax(p.logits)), -1))),
      );
      expectSameValueAndGrads('one-hot cross-entropy', mine, tfjs);
      // tfjs's own fused loss (a separately written gradient rule, softmax - onehot) must agree as well.
      const fused = tfValueAndGrads(['logits'], { logits }, (p) =>
        tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), p.logits),
      );
      expectSameValueAndGrads('tf.losses.softmaxCrossEntropy', mine, fused);
    });

    it('the same loss through takeAlongAxis (a gather, whose gradient is a scatter-add)', () => {
      const mine = valueAndGrad((p: { logits: AnyTensor }) => {
        const idx = reshape(labelTensor(), [6, 1]);
        return neg(mean(takeAlongAxis(logSoftmax(p.logits, -1), idx, -1) as AnyTensor));
      })({ logits: ours(logits) });
      const tfjs = tfValueAndGrads(['logits'], { logits }, (p) =>
        tf.mean(tf.neg(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), tf.logSoftmax(p.logits)), -1))),
      );
      expectSameValueAndGrads('takeAlongAxis cross-entropy', mine, tfjs);
    });
  });

  // -------------------------------------------------------------------------------------------
  // 3. Multi-head attention

  describe('multi-head scaled dot-product attention, x [2, 7, 16], 4 heads of 4, loss = sum(out * r)', () => {
    const [B, S, D, H] = [2, 7, 16, 4];
    const dh = D / H;
    type Names = 'x' | 'wq' | 'wk' | 'wv' | 'wo';
    const NAMES: readonly Names[] = ['x', 'wq', 'wk', 'wv', 'wo'];

    it('loss and gradients w.r.t. x, Wq, Wk, Wv, Wo', () => {
      const rand = mulberry32(5);
      const w = () => randomArray(rand, [D, D], 1 / Math.sqrt(D));
      const inputs: Record<Names, Host> = { x: randomArray(rand, [B, S, D]), wq: w(), wk: w(), wv: w(), wo: w() };
      const r = randomArray(rand, [B, S, D]);
      const R = ours(r);

      const mine = valueAndGrad((p: Record<Names, AnyTensor>) => {
        // [B, S, D] -> [B, H, S, dh]: a reshape, then a permute (a strided view that matmul reads as is).
        const heads = (t: AnyTensor) => permute(reshape(t, [B, S, H, dh]), [0, 2, 1, 3]) as AnyTensor;
        const q = heads(matmul(p.x, p.wq) as AnyTensor);
        const k = heads(matmul(p.x, p.wk) as AnyTensor);
        const v = heads(matmul(p.x, p.wv) as AnyTensor);
        const scores = div(matmul(q, transpose(k) as AnyTensor), Math.sqrt(dh)) as AnyTensor;
        const attn = matmul(softmax(scores, -1), v) as AnyTensor;
        // Back to [B, S, D]: the reshape of a permuted view has to copy.
        const merged = reshape(permute(attn, [0, 2, 1, 3]) as AnyTensor, [B, S, D]) as AnyTensor;
        return sum(mul(matmul(merged, p.wo), R) as AnyTensor);
      })({ x: ours(inputs.x), wq: ours(inputs.wq), wk: ours(inputs.wk), wv: ours(inputs.wv), wo: ours(inputs.wo) });

      const tfjs = tfValueAndGrads(NAMES, inputs, (p) => {
        // tfjs 4.22's BatchMatMul gradient does not sum over broadcast batch dims ("gradient of input 'b'
        // has shape 2,16,16 ... input 16,16"), so its [B, S, D] @ [D, D] goes through [B * S, D].
        const linear = (t: tf.Tensor, w: tf.Tensor) => tf.reshape(tf.matMul(tf.reshape(t, [B * S, D]), w), [B, S, D]);
        const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, S, H, dh]), [0, 2, 1, 3]);
        const q = heads(linear(p.x, p.wq));
        const k = heads(linear(p.x, p.wk));
        const v = heads(linear(p.x, p.wv));
        const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh));
        const attn = tf.matMul(tf.softmax(scores, -1), v);
        const merged = tf.reshape(tf.transpose(attn, [0, 2, 1, 3]), [B, S, D]);
        return tf.sum(tf.mul(linear(merged, p.wo), theirs(r)));
      });
      expectSameValueAndGrads('attention', mine, tfjs);
    });
  });

  // -------------------------------------------------------------------------------------------
  // The comparison itself must be able to fail.

  it('the comparison rejects a gradient perturbed by 1e-3 in one element, a NaN and a shape mismatch', () => {
    const { params } = mlpInputs(6);
    const base = params.w1;
    const perturbed = Float32Array.from(base.data);
    perturbed[7] += 1e-3;
    expect(excess(base, base).ratio).toBe(0);
    expect(excess({ data: perturbed, shape: base.shape }, base).ratio).toBeGreaterThan(1);
    const nan = Float32Array.from(base.data);
    nan[0] = Number.NaN;
    expect(excess({ data: nan, shape: base.shape }, base).ratio).toBe(Infinity);
    expect(excess({ data: base.data, shape: [16, 5] }, base).ratio).toBe(Infinity);
  });
});
