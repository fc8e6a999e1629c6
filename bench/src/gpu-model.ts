/**
 * A small pre-norm Transformer block and a next-token model around it, written on @hrm/core ops
 * only. It stands in for the HRM model (whose package does not exist yet) wherever the GPU backend
 * needs a realistic workload: `bench/src/gpu.ts`, the browser example and its tests
 * (`examples/browser`), which import this file.
 */
import {
  type AnyTensor,
  add,
  div,
  expandDims,
  type Key,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  normal,
  ones,
  permute,
  reshape,
  rsqrt,
  silu,
  softmax,
  splitKey,
  square,
  take,
  takeAlongAxis,
  tensor,
} from '@hrm/core';

export interface BlockConfig {
  /** Model width. */
  readonly dim: number;
  readonly heads: number;
  /** Hidden width of the MLP. */
  readonly hidden: number;
}

export interface BlockParams {
  readonly norm1: AnyTensor; // [dim]
  readonly wq: AnyTensor; // [dim, dim]
  readonly wk: AnyTensor;
  readonly wv: AnyTensor;
  readonly wo: AnyTensor;
  readonly norm2: AnyTensor; // [dim]
  readonly w1: AnyTensor; // [dim, hidden]
  readonly w2: AnyTensor; // [hidden, dim]
}

export interface LmConfig extends BlockConfig {
  readonly vocab: number;
}

export interface LmParams {
  readonly embed: AnyTensor; // [vocab, dim]
  readonly block: BlockParams;
  readonly head: AnyTensor; // [dim, vocab]
}

function dense(key: Key, fanIn: number, fanOut: number): AnyTensor {
  return mul(normal(key, [fanIn, fanOut]), 1 / Math.sqrt(fanIn));
}

export function initBlock(key: Key, c: BlockConfig): BlockParams {
  const [kq, kk, kv, ko, k1, k2] = splitKey(key, 6);
  return {
    norm1: ones([c.dim]),
    wq: dense(kq, c.dim, c.dim),
    wk: dense(kk, c.dim, c.dim),
    wv: dense(kv, c.dim, c.dim),
    wo: dense(ko, c.dim, c.dim),
    norm2: ones([c.dim]),
    w1: dense(k1, c.dim, c.hidden),
    w2: dense(k2, c.hidden, c.dim),
  };
}

export function initLm(key: Key, c: LmConfig): LmParams {
  const [ke, kb, kh] = splitKey(key, 3);
  return { embed: mul(normal(ke, [c.vocab, c.dim]), 0.5), block: initBlock(kb, c), head: dense(kh, c.dim, c.vocab) };
}

/** x / rms(x) * gain over the last axis. */
export function rmsNorm(x: AnyTensor, gain: AnyTensor): AnyTensor {
  return mul(mul(x, rsqrt(add(mean(square(x), -1, { keepdims: true }), 1e-6))), gain);
}

/** 0 on and below the diagonal, -1e9 above it: added to attention scores, it hides the future. */
export function causalMask(t: number): AnyTensor {
  const rows = Array.from({ length: t }, (_, i) => Array.from({ length: t }, (_, j) => (j > i ? -1e9 : 0)));
  return tensor(rows);
}

/** Multi-head causal self-attention over `x: [B, T, dim]`. */
export function attention(p: BlockParams, x: AnyTensor, heads: number): AnyTensor {
  const [b, t, d] = x.shape as number[];
  const hd = d / heads;
  // [B, T, D] -> [B, H, T, hd]
  const split = (y: AnyTensor) => permute(reshape(y, [b, t, heads, hd]), [0, 2, 1, 3]);
  const q = split(matmul(x, p.wq));
  const k = split(matmul(x, p.wk));
  const v = split(matmul(x, p.wv));
  const scores = add(div(matmul(q, permute(k, [0, 1, 3, 2])), Math.sqrt(hd)), causalMask(t));
  const mixed = matmul(softmax(scores, -1), v); // [B, H, T, hd]
  return matmul(reshape(permute(mixed, [0, 2, 1, 3]), [b, t, d]), p.wo);
}

/** Pre-norm block: x + attention(norm(x)), then + mlp(norm(.)), with a SiLU MLP. */
export function block(p: BlockParams, x: AnyTensor, c: BlockConfig): AnyTensor {
  const h = add(x, attention(p, rmsNorm(x, p.norm1), c.heads));
  return add(h, matmul(silu(matmul(rmsNorm(h, p.norm2), p.w1)), p.w2));
}

/** Logits `[B, T, vocab]` for int32 tokens `[B, T]`. */
export function lmLogits(p: LmParams, tokens: AnyTensor, c: LmConfig): AnyTensor {
  return matmul(block(p.block, take(p.embed, tokens, 0), c), p.head);
}

/** Mean cross-entropy of predicting `targets` (int32 `[B, T]`). */
export function lmLoss(p: LmParams, tokens: AnyTensor, targets: AnyTensor, c: LmConfig): AnyTensor {
  const logp = logSoftmax(lmLogits(p, tokens, c), -1);
  return neg(mean(takeAlongAxis(logp, expandDims(targets, -1), -1)));
}

/** A deterministic toy task: each target is the next token of a counting sequence (mod vocab). */
export function countingBatch(batch: number, t: number, vocab: number): { tokens: AnyTensor; targets: AnyTensor } {
  const toks: number[][] = [];
  const tgts: number[][] = [];
  for (let i = 0; i < batch; i++) {
    const row = Array.from({ length: t + 1 }, (_, j) => (i * 3 + j * (1 + (i % 3))) % vocab);
    toks.push(row.slice(0, t));
    tgts.push(row.slice(1));
  }
  return { tokens: tensor(toks, 'int32'), targets: tensor(tgts, 'int32') };
}
