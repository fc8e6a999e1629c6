/**
 * Multi-head scaled dot-product attention with a fused QKV projection and no biases (HRM's layer).
 * Softmax scale 1/sqrt(headDim); non-causal by default; RoPE on q and k when tables (or a theta) are
 * given. Written over `[batch, seq, hidden]` with the dims generic: the heads are split off and merged
 * back with `splitLast`/`mergeLast`, and the products are batched over `[batch, heads]`.
 */
import {
  arange,
  broadcastLike,
  type Dim,
  expandDims,
  ge,
  type Key,
  matmul,
  mergeLast,
  mul,
  slice,
  softmax,
  splitKey,
  splitLast,
  type Tensor,
  transpose,
  where,
} from '@hrm/core';
import { type DimSizes, lecunNormal, sizeOfDim } from '../init.js';
import { applyRope, type RopeTables, sharedRopeTables } from './rope.js';

/** The fused projection `[D, 3·heads·headDim]` (q heads, then k heads, then v heads) and the output `[heads·headDim, D]`. */
export interface AttentionParams<D extends Dim = number> {
  readonly qkv: Tensor<[D, number]>;
  readonly out: Tensor<[number, D]>;
}

/** Heads, head size (default hidden / heads), causal masking, and RoPE: explicit tables, or a theta to build them. */
export interface AttentionConfig {
  readonly heads: number;
  /** Default hidden / heads. */
  readonly headDim?: number;
  readonly causal?: boolean;
  /** RoPE tables for at least `seq` positions. */
  readonly rope?: RopeTables;
  /** RoPE with this base, on tables built once per length and dtype (ignored when `rope` is given). */
  readonly ropeTheta?: number;
}

/** LeCun-normal attention weights for width `hidden` (a size, or a name sized by `dims`). */
export function initAttention<const D extends Dim>(
  key: Key,
  hidden: D,
  cfg: Pick<AttentionConfig, 'heads' | 'headDim'> & { readonly dims?: DimSizes },
): AttentionParams<D> {
  const dims = cfg.dims ?? {};
  const width = sizeOfDim(hidden, dims, 'initAttention');
  const headDim = cfg.headDim ?? width / cfg.heads;
  if (!Number.isInteger(headDim))
    throw new RangeError(`attention: hidden ${width} is not divisible by ${cfg.heads} heads`);
  const [k1, k2] = splitKey(key, 2);
  return {
    qkv: lecunNormal(k1, [hidden, 3 * cfg.heads * headDim], { dims }),
    out: lecunNormal(k2, [cfg.heads * headDim, hidden], { dims }),
  };
}

/** Attention over `[batch, seq, hidden]`. */
export function attention<B extends Dim, L extends Dim, D extends Dim>(
  p: AttentionParams<D>,
  x: Tensor<[B, L, D]>,
  cfg: AttentionConfig,
): Tensor<[B, L, D]> {
  const { heads } = cfg;
  const headDim = p.qkv.shape[1] / (3 * heads);
  const seq: number = x.shape[1];
  const rope =
    cfg.rope ?? (cfg.ropeTheta === undefined ? undefined : sharedRopeTables(seq, headDim, cfg.ropeTheta, x.dtype));
  // [batch, seq, 3·heads, headDim]: q, k and v heads side by side.
  const qkv = splitLast(matmul(x, p.qkv), [3 * heads, headDim]);
  // Each as [batch, heads, seq, headDim]; RoPE on q and k in their [batch, seq, heads, headDim] layout.
  const head = (i: number, positional: boolean) => {
    const h = slice(qkv, 2, i * heads, (i + 1) * heads);
    return transpose(positional && rope ? applyRope(h, rope) : h, -3, -2);
  };
  const [q, k, v] = [head(0, true), head(1, true), head(2, false)];
  let scores = mul(matmul(q, transpose(k)), 1 / Math.sqrt(headDim));
  if (cfg.causal) {
    // Position i sees positions j <= i.
    const positions = arange(seq);
    const visible = broadcastLike(ge(expandDims(positions, 1), positions), scores);
    scores = where(visible, scores, Number.NEGATIVE_INFINITY);
  }
  const mixed = matmul(softmax(scores, -1), v);
  return matmul(mergeLast(transpose(mixed, -3, -2)), p.out);
}
