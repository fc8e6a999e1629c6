/**
 * Rotary position embedding, rotate-half convention (as HRM, TRM and Llama): for a head vector split
 * into halves [a, b], `rope(x) = x·cos + [-b, a]·sin`, with angle `pos / theta^(2i/headDim)` shared by
 * element i of both halves. Also the learned alternative: a trained position table added to the input.
 */
import {
  add,
  type Backend,
  broadcastLike,
  cast,
  concat,
  currentBackend,
  type Dim,
  dispose,
  expandDims,
  type FloatDType,
  fromArray,
  type Key,
  keep,
  mul,
  neg,
  noGrad,
  slice,
  type Tensor,
  withBackend,
} from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { type DimSizes, sizeOfDim, truncNormal } from '../init.js';

/** cos and sin tables `[seqLen, headDim]` (the frequencies repeated over both halves). */
export interface RopeTables<L extends number = number, H extends number = number, D extends FloatDType = FloatDType> {
  readonly cos: Tensor<[L, H], D>;
  readonly sin: Tensor<[L, H], D>;
}

/**
 * The tables for `seqLen` positions, in `dtype`. The angles are computed in float64 on the host and
 * rounded once, so the tables do not depend on the backend, and a float64 model gets exact ones.
 */
export function ropeTables<L extends number, H extends number, D extends FloatDType = 'float32'>(
  seqLen: L,
  headDim: H,
  theta = 10000,
  dtype?: D,
): RopeTables<L, H, D> {
  if (headDim % 2 !== 0) throw new RangeError(`ropeTables: headDim must be even, got ${headDim}`);
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
    const t = fromArray<[L, H], D>(data, [seqLen, headDim], dtype ? { dtype } : {});
    if (E.isLeft(t)) throw t.left;
    return t.right;
  };
  return { cos: table(c), sin: table(s) };
}

/** Tables already built, per backend, by size, theta and dtype: they are constants, kept out of every scope. */
const built = new WeakMap<Backend, Map<string, RopeTables>>();
/** The same maps, to release them all (a WeakMap cannot be iterated). */
const allBuilt = new Set<Map<string, RopeTables>>();

/**
 * The RoPE tables for `seqLen` positions of `headDim` in `dtype` on the current backend, built once
 * and then reused (what attention uses when it is given `ropeTheta` rather than tables).
 */
export function sharedRopeTables(seqLen: number, headDim: number, theta: number, dtype: FloatDType): RopeTables {
  const backend = currentBackend();
  const byKey = built.get(backend) ?? new Map<string, RopeTables>();
  built.set(backend, byKey);
  allBuilt.add(byKey);
  const id = `${seqLen}:${headDim}:${theta}:${dtype}`;
  const cached = byKey.get(id);
  if (cached) return cached;
  const tables = keep(noGrad(() => withBackend(backend, () => ropeTables(seqLen, headDim, theta, dtype))));
  byKey.set(id, tables);
  return tables;
}

/**
 * Frees the shared RoPE tables (of every backend, or of `backend`): they are otherwise kept for the
 * life of the process, a few small buffers per sequence length. For a program that wants every buffer
 * of a backend back (a GPU session that ends, a leak check).
 */
export function releaseSharedRopeTables(backend?: Backend): void {
  const release = (byKey: Map<string, RopeTables>) => {
    for (const t of byKey.values()) dispose(t);
    byKey.clear();
  };
  if (backend) {
    const byKey = built.get(backend);
    if (byKey) release(byKey);
  } else for (const byKey of allBuilt) release(byKey);
}

/** [a, b] -> [-b, a] on the two halves of the last axis. */
function rotateHalf<B extends Dim, L extends Dim, NH extends Dim, H extends Dim>(
  x: Tensor<[B, L, NH, H]>,
): Tensor<[B, L, NH, number]> {
  const half = x.shape[3] / 2;
  return concat([neg(slice(x, -1, half)), slice(x, -1, 0, half)], -1);
}

/**
 * Applies RoPE to `x` laid out `[batch, seq, heads, headDim]` with tables for `seq` positions
 * (or more: the first `seq` rows are used), in `x`'s dtype.
 */
export function applyRope<B extends Dim, L extends Dim, NH extends Dim, H extends Dim>(
  x: Tensor<[B, L, NH, H]>,
  tables: RopeTables,
): Tensor<[B, L, NH, H]> {
  const seq = x.shape[1];
  // [seq, 1, headDim] broadcasts over batch and heads.
  const c = broadcastLike(expandDims(cast(slice(tables.cos, 0, 0, seq), x.dtype), 1), x);
  const s = broadcastLike(expandDims(cast(slice(tables.sin, 0, 0, seq), x.dtype), 1), x);
  return add(mul(x, c), mul(broadcastLike(rotateHalf(x), x), s));
}

/** Learned positions: a `[seqLen, hidden]` table, std 1/sqrt(hidden) (HRM's `learned` option). */
export interface LearnedPositions<L extends Dim = number, D extends Dim = number> {
  readonly table: Tensor<[L, D]>;
}

/** A learned position table of `seqLen` rows of `hidden` (sizes, or names sized by `dims`), std 1/sqrt(hidden). */
export function initLearnedPositions<const L extends Dim, const D extends Dim>(
  key: Key,
  seqLen: L,
  hidden: D,
  opts: { readonly dims?: DimSizes } = {},
): LearnedPositions<L, D> {
  const dims = opts.dims ?? {};
  const width = sizeOfDim(hidden, dims, 'initLearnedPositions');
  return { table: truncNormal(key, [seqLen, hidden], 1 / Math.sqrt(width), { dims }) };
}

/**
 * The reference implementation's `0.707106781`: not `Math.SQRT1_2` (0.7071067811865476), which differs by
 * 1.9e-10 and would move a float64 model off the reference (in float32 both round to the same value).
 */
// biome-ignore lint/suspicious/noApproximativeNumericConstant: the reference's literal, on purpose
export const REFERENCE_HALF_SQRT2 = 0.707106781;

/**
 * HRM's learned-position mixing: `(tokens + positions) · 0.707106781`, before the sqrt(hidden) scale.
 * The factor keeps the variance of the sum that of one term; it is the reference implementation's
 * literal (not `Math.SQRT1_2`), so float64 models agree with it exactly.
 */
export function addLearnedPositions<B extends Dim, L extends Dim, D extends Dim>(
  x: Tensor<[B, L, D]>,
  p: LearnedPositions<L | number, D | number>,
): Tensor<[B, L, D]> {
  return mul(add(x, broadcastLike(p.table, x)), REFERENCE_HALF_SQRT2);
}
