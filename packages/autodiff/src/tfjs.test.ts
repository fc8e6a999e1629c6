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
  takeAlongAxis,
  tanh,
  transpose,
} from '@hrm/core';
import { mulberry32 } from '@hrm/testing/rng';
import {
  excess,
  expectClose,
  expectSameValueAndGrads,
  type Host,
  onTf,
  ours,
  randomArray,
  tfValueAndGrads,
  theirs,
  useTfjsCpu,
} from '@hrm/testing/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { valueAndGrad } from './grad.js';

useTfjsCpu();

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
