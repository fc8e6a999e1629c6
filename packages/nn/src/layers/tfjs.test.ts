/**
 * Attention and RoPE against TensorFlow.js on random inputs: values and gradients with respect to
 * the input and every weight. tfjs has no RoPE or fused attention, so its side is written out from
 * the same formulas with its own ops (and its own gradient rules).
 */

import { valueAndGrad } from '@hrm/autodiff';
import { type AnyTensor, mul, sum } from '@hrm/core';
import { mulberry32 } from '@hrm/testing/rng';
import {
  expectClose,
  expectSameValueAndGrads,
  onTf,
  ours,
  randomArray,
  tfValueAndGrads,
  theirs,
  useTfjsCpu,
} from '@hrm/testing/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { attention } from './attention.js';
import { applyRope, ropeTables } from './rope.js';

useTfjsCpu();

/** RoPE on [B, S, H, hd] in tfjs: x·cos + rotate_half(x)·sin with tables [S, 1, hd]. */
function tfRope(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const hd = x.shape[3] as number;
  const [a, b] = tf.split(x, [hd / 2, hd / 2], 3);
  const rotated = tf.concat([tf.neg(b), a], 3);
  return tf.add(tf.mul(x, tf.expandDims(cos, 1)), tf.mul(rotated, tf.expandDims(sin, 1)));
}

/** Attention in tfjs with the fused layout of ours: qkv columns are the q heads, then k, then v. */
function tfAttention(
  x: tf.Tensor,
  qkv: tf.Tensor,
  out: tf.Tensor,
  heads: number,
  rope: { cos: tf.Tensor; sin: tf.Tensor },
  causal: boolean,
): tf.Tensor {
  const [B, S, D] = x.shape as number[];
  const hd = (qkv.shape[1] as number) / (3 * heads);
  // 2D products: tfjs 4.22's matMul gradient does not sum over a broadcast batch dim.
  const proj = tf.reshape(tf.matMul(tf.reshape(x, [B * S, D]), qkv), [B, S, 3 * heads, hd]);
  const [q0, k0, v0] = tf.split(proj, 3, 2);
  const toHeads = (t: tf.Tensor) => tf.transpose(t, [0, 2, 1, 3]);
  const q = toHeads(tfRope(q0, rope.cos, rope.sin));
  const k = toHeads(tfRope(k0, rope.cos, rope.sin));
  const v = toHeads(v0);
  let scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd));
  if (causal) scores = tf.add(scores, tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([S, S]), -1, 0)), -1e9));
  const mixed = tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]);
  return tf.reshape(tf.matMul(tf.reshape(mixed, [B * S, heads * hd]), out), [B, S, D]);
}

describe('against TensorFlow.js', () => {
  it('RoPE values', () => {
    const rand = mulberry32(21);
    const x = randomArray(rand, [2, 7, 3, 8]);
    const tables = ropeTables(7, 8);
    const cos = { data: Float32Array.from(tables.cos.data()), shape: [7, 8] };
    const sin = { data: Float32Array.from(tables.sin.data()), shape: [7, 8] };
    const want = onTf(() => ({ y: tfRope(theirs(x), theirs(cos), theirs(sin)) })).y;
    expectClose('rope', applyRope(ours(x), tables), want);
  });

  for (const causal of [false, true])
    it(`multi-head attention with RoPE (${causal ? 'causal' : 'non-causal'}): loss and every gradient`, () => {
      const rand = mulberry32(causal ? 23 : 22);
      const [B, S, D, H] = [2, 6, 16, 4];
      const inputs = {
        x: randomArray(rand, [B, S, D]),
        qkv: randomArray(rand, [D, 3 * D], 1 / Math.sqrt(D)),
        out: randomArray(rand, [D, D], 1 / Math.sqrt(D)),
      };
      const r = randomArray(rand, [B, S, D]);
      const tables = ropeTables(S, D / H);
      const cos = { data: Float32Array.from(tables.cos.data()), shape: [S, D / H] };
      const sin = { data: Float32Array.from(tables.sin.data()), shape: [S, D / H] };
      const names = ['x', 'qkv', 'out'] as const;
      const want = tfValueAndGrads(names, inputs, (a) =>
        tf.sum(tf.mul(tfAttention(a.x, a.qkv, a.out, H, { cos: theirs(cos), sin: theirs(sin) }, causal), theirs(r))),
      );
      const R = ours(r);
      const mine = valueAndGrad((p: Record<(typeof names)[number], AnyTensor>) =>
        sum(mul(attention({ qkv: p.qkv, out: p.out }, p.x, { heads: H, causal, rope: tables }), R)),
      )({ x: ours(inputs.x), qkv: ours(inputs.qkv), out: ours(inputs.out) });
      expectSameValueAndGrads(`attention${causal ? ' (causal)' : ''}`, mine, want);
    });
});
