/**
 * Rotary position embedding, rotate-half convention (as HRM, TRM and Llama): for a head vector split
 * into halves [a, b], `rope(x) = x·cos + [-b, a]·sin`, with angle `pos / theta^(2i/headDim)` shared by
 * element i of both halves. Also the learned alternative: a trained position table added to the input.
 */
import {
  type AnyTensor,
  add,
  cast,
  concat,
  type Dim,
  expandDims,
  fromArray,
  type Key,
  mul,
  neg,
  slice,
  type Tensor,
} from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { truncNormal } from '../init.js';

/** cos and sin tables `[seqLen, headDim]` (the frequencies repeated over both halves). */
export interface RopeTables<L extends number = number, H extends number = number> {
  readonly cos: Tensor<[L, H]>;
  readonly sin: Tensor<[L, H]>;
}

export function ropeTables<L extends number, H extends number>(seqLen: L, headDim: H, theta = 10000): RopeTables<L, H> {
  if (headDim % 2 !== 0) throw new RangeError(`ropeTables: headDim must be even, got ${headDim}`);
  // Angles in float64 on the host, then rounded once, so tables do not depend on the backend.
  const half = headDim / 2;
  const c = new Float64Array(seqLen * headDim);
  const s = new Float64Array(seqLen * headDim);
  for (let p = 0; p < seqLen; p++)
    for (let i = 0; i < half; i++) {
      const angle = p / theta ** ((2 * i) / headDim);
      for (const j of [i, i + half]) {
        c[p * headDim + j] = Math.cos(angle);
        s[p * headDim + j] = Math.sin(angle);
      }
    }
  const table = (data: Float64Array) => {
    const t = fromArray(data, [seqLen, headDim] as [L, H]);
    if (E.isLeft(t)) throw t.left;
    return t.right;
  };
  return { cos: table(c), sin: table(s) };
}

/** [a, b] -> [-b, a] on the two halves of the last axis. */
function rotateHalf(x: AnyTensor): AnyTensor {
  const half = x.shape[x.rank - 1] / 2;
  return concat([neg(slice(x, -1, half)), slice(x, -1, 0, half)], -1);
}

/**
 * Applies RoPE to `x` laid out `[batch, seq, heads, headDim]` with tables for `seq` positions
 * (or more: the first `seq` rows are used).
 */
export function applyRope<B extends Dim, L extends Dim, NH extends Dim, H extends Dim>(
  x: Tensor<[B, L, NH, H]>,
  tables: RopeTables,
): Tensor<[B, L, NH, H]> {
  const t = x as AnyTensor;
  const seq = t.shape[1];
  // [seq, 1, headDim] broadcasts over batch and heads; the tables follow x's dtype.
  const c = expandDims(cast(slice(tables.cos, 0, 0, seq), t.dtype), 1);
  const s = expandDims(cast(slice(tables.sin, 0, 0, seq), t.dtype), 1);
  return add(mul(t, c), mul(rotateHalf(t), s)) as Tensor<[B, L, NH, H]>;
}

/** Learned positions: a `[seqLen, hidden]` table, std 1/sqrt(hidden) (HRM's `learned` option). */
export interface LearnedPositions<L extends number = number, D extends number = number> {
  readonly table: Tensor<[L, D]>;
}

export function initLearnedPositions<L extends number, D extends number>(
  key: Key,
  seqLen: L,
  hidden: D,
): LearnedPositions<L, D> {
  return { table: truncNormal(key, [seqLen, hidden] as [L, D], 1 / Math.sqrt(hidden)) };
}

/**
 * HRM's learned-position mixing: `(tokens + positions) / sqrt 2`, done before the sqrt(hidden) scale
 * (0.7071 in the reference keeps the variance of the sum that of one term).
 */
export function addLearnedPositions<B extends Dim, L extends Dim, D extends Dim>(
  x: Tensor<[B, L, D]>,
  p: LearnedPositions,
): Tensor<[B, L, D]> {
  return mul(add(x as AnyTensor, p.table), Math.SQRT1_2) as Tensor<[B, L, D]>;
}
