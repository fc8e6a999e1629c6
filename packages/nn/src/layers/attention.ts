/**
 * Multi-head scaled dot-product attention with a fused QKV projection and no biases (HRM's layer).
 * Softmax scale 1/sqrt(headDim); non-causal by default; RoPE on q and k when tables are given.
 */
import {
  type AnyTensor,
  arange,
  type Dim,
  expandDims,
  ge,
  type Key,
  matmul,
  mul,
  permute,
  reshape,
  slice,
  softmax,
  splitKey,
  type Tensor,
  transpose,
  where,
} from '@hrm/core';
import { lecunNormal } from '../init.js';
import { applyRope, type RopeTables } from './rope.js';

export interface AttentionParams<D extends Dim = number> {
  /** [D, 3·heads·headDim]: the q heads, then the k heads, then the v heads. */
  readonly qkv: Tensor<[D, number]>;
  /** [heads·headDim, D] */
  readonly out: Tensor<[number, D]>;
}

export interface AttentionConfig {
  readonly heads: number;
  /** Default hidden / heads. */
  readonly headDim?: number;
  readonly causal?: boolean;
  readonly rope?: RopeTables;
}

export function initAttention<D extends number>(
  key: Key,
  hidden: D,
  cfg: Pick<AttentionConfig, 'heads' | 'headDim'>,
): AttentionParams<D> {
  const headDim = cfg.headDim ?? hidden / cfg.heads;
  if (!Number.isInteger(headDim))
    throw new RangeError(`attention: hidden ${hidden} is not divisible by ${cfg.heads} heads`);
  const [k1, k2] = splitKey(key, 2);
  return {
    qkv: lecunNormal(k1, [hidden, 3 * cfg.heads * headDim] as [D, number]),
    out: lecunNormal(k2, [cfg.heads * headDim, hidden] as [number, D]),
  };
}

/** Attention over `[batch, seq, hidden]` (the body works on run-time shapes; the signature keeps the types). */
export function attention<B extends Dim, L extends Dim, D extends Dim>(
  p: AttentionParams<D>,
  x: Tensor<[B, L, D]>,
  cfg: AttentionConfig,
): Tensor<[B, L, D]> {
  const [batch, seq] = x.shape;
  const heads = cfg.heads;
  const headDim = p.qkv.shape[1] / (3 * heads);
  const qkv: AnyTensor = reshape(matmul(x, p.qkv), [batch, seq, 3 * heads, headDim]);
  // q, k, v as [batch, heads, seq, headDim]; RoPE on q and k in their [batch, seq, heads, headDim] layout.
  const [q, k, v] = [0, 1, 2].map((i) => {
    const h: AnyTensor = slice(qkv, 2, i * heads, (i + 1) * heads);
    return permute(cfg.rope && i < 2 ? applyRope(h, cfg.rope) : h, [0, 2, 1, 3]) as AnyTensor;
  });
  let scores: AnyTensor = mul(matmul(q, transpose(k)), 1 / Math.sqrt(headDim));
  if (cfg.causal) {
    // Position i sees positions j <= i.
    const positions = arange(seq);
    scores = where(ge(expandDims(positions, 1), positions), scores, Number.NEGATIVE_INFINITY);
  }
  const mixed: AnyTensor = matmul(softmax(scores, -1), v);
  const merged: AnyTensor = reshape(permute(mixed, [0, 2, 1, 3]), [batch, seq, heads * headDim]);
  return matmul(merged, p.out) as Tensor<[B, L, D]>;
}
