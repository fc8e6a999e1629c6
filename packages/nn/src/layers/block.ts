/**
 * Transformer blocks: a sequence mixer (attention, or TRM's token-mixing MLP) and a SwiGLU, each
 * with a residual and an RMSNorm without weight. Post-norm (HRM, TRM): `x = norm(x + f(x))`.
 * Pre-norm: `x = x + f(norm(x))`.
 */
import { type AnyTensor, add, type Dim, type Key, splitKey, type Tensor, transpose } from '@hrm/core';
import { type AttentionParams, attention, initAttention } from './attention.js';
import { rmsNorm } from './rmsnorm.js';
import type { RopeTables } from './rope.js';
import { initSwiGlu, type SwiGluParams, swiglu, swigluWidth } from './swiglu.js';

export interface BlockConfig {
  readonly hidden: number;
  readonly heads: number;
  readonly expansion: number;
  /** SwiGLU width rounding (256 in HRM). */
  readonly multipleOf?: number;
  readonly norm?: 'post' | 'pre';
  readonly eps?: number;
  readonly causal?: boolean;
  /** Mix positions with attention (default) or, as TRM's `mlp_t`, with a SwiGLU over `tokens` positions. */
  readonly mixer?: 'attention' | { readonly tokens: number };
}

export type BlockParams<D extends Dim = number> =
  | { readonly attention: AttentionParams<D>; readonly mlp: SwiGluParams<D> }
  | { readonly tokenMixer: SwiGluParams; readonly mlp: SwiGluParams<D> };

export function initBlock(key: Key, cfg: BlockConfig): BlockParams {
  const [k1, k2] = splitKey(key, 2);
  const mlp = initSwiGlu(k2, cfg.hidden, swigluWidth(cfg.hidden, cfg.expansion, cfg.multipleOf));
  const mixer = cfg.mixer ?? 'attention';
  if (mixer === 'attention') return { attention: initAttention(k1, cfg.hidden, { heads: cfg.heads }), mlp };
  return { tokenMixer: initSwiGlu(k1, mixer.tokens, swigluWidth(mixer.tokens, cfg.expansion, cfg.multipleOf)), mlp };
}

/** `norm(x + f(x))` or `x + f(norm(x))`. */
function residual(x: AnyTensor, f: (h: AnyTensor) => AnyTensor, cfg: BlockConfig): AnyTensor {
  const eps = cfg.eps ?? 1e-5;
  return cfg.norm === 'pre' ? add(x, f(rmsNorm(x, { eps }))) : rmsNorm(add(x, f(x)), { eps });
}

export function block<B extends Dim, L extends Dim, D extends Dim>(
  p: BlockParams,
  x: Tensor<[B, L, D]>,
  cfg: BlockConfig & { readonly rope?: RopeTables },
): Tensor<[B, L, D]> {
  const t = x as AnyTensor;
  let h: AnyTensor;
  if ('attention' in p) {
    const att = { heads: cfg.heads, causal: cfg.causal ?? false, ...(cfg.rope ? { rope: cfg.rope } : {}) };
    h = residual(t, (y) => attention(p.attention, y, att), cfg);
  } else {
    // TRM's mlp_t: mix along the sequence axis, normalising over it, as the reference does.
    const mixer = p.tokenMixer;
    h = transpose(residual(transpose(t), (y) => swiglu(mixer, y), cfg));
  }
  return residual(h, (y) => swiglu(p.mlp, y), cfg) as Tensor<[B, L, D]>;
}
