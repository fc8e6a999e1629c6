/**
 * Transformer blocks: a sequence mixer (attention, TRM's token-mixing MLP, or the grid mixer) and a
 * SwiGLU, each with a residual and an RMSNorm without weight. Post-norm (HRM, TRM):
 * `x = norm(x + f(x))`. Pre-norm: `x = x + f(norm(x))`.
 */
import { add, addRmsNorm, type Dim, type Key, type Shape, splitKey, type Tensor, transpose } from '@hrm/core';
import { type AttentionParams, attention, initAttention } from './attention.js';
import { type GridMixerParams, gridMixer, initGridMixer } from './grid-mixer.js';
import { rmsNorm } from './rmsnorm.js';
import type { RopeTables } from './rope.js';
import { initSwiGlu, type SwiGluParams, swiglu, swigluWidth } from './swiglu.js';

/** The sizes and choices of a block: widths, heads, norm placement, masking, the sequence mixer, RoPE. */
export interface BlockConfig {
  readonly hidden: number;
  readonly heads: number;
  readonly expansion: number;
  /** SwiGLU width rounding (256 in HRM). */
  readonly multipleOf?: number;
  readonly norm?: 'post' | 'pre';
  readonly eps?: number;
  readonly causal?: boolean;
  /**
   * Mix positions with attention (default); as TRM's `mlp_t`, with a SwiGLU over `tokens` positions; or
   * with the grid mixer (`gridMixer`: 3x3 neighbourhoods of a square grid after `prefix` positions).
   */
  readonly mixer?: 'attention' | { readonly tokens: number } | { readonly grid: { readonly prefix: number } };
  /** RoPE in the attention, with this base (tables built once per length and dtype). */
  readonly ropeTheta?: number;
}

/**
 * A block's parameters over width `D` and sequence `L` (sizes or names): attention, a token-mixing
 * SwiGLU (over the `L` positions) or a grid mixer, and a SwiGLU.
 */
export type BlockParams<D extends Dim = number, L extends Dim = number> =
  | { readonly attention: AttentionParams<D>; readonly mlp: SwiGluParams<D> }
  | { readonly tokenMixer: SwiGluParams<L>; readonly mlp: SwiGluParams<D> }
  | { readonly gridMixer: GridMixerParams<D>; readonly mlp: SwiGluParams<D> };

/** The names of a block's width and sequence dims, which then name its weights' dims in their type. */
export interface BlockDimNames<D extends string, L extends string> {
  readonly hidden: D;
  readonly seq: L;
}

/** A block's parameters for `cfg`, with plain sizes in their type, or with the dims named by `names`. */
export function initBlock(key: Key, cfg: BlockConfig): BlockParams;
export function initBlock<const D extends string, const L extends string>(
  key: Key,
  cfg: BlockConfig,
  names: BlockDimNames<D, L>,
): BlockParams<D, L>;
export function initBlock(key: Key, cfg: BlockConfig, names?: BlockDimNames<string, string>): BlockParams<Dim, Dim> {
  const [k1, k2] = splitKey(key, 2);
  const hidden = names?.hidden ?? cfg.hidden;
  const mixer = cfg.mixer ?? 'attention';
  if (mixer === 'attention' || 'grid' in mixer) {
    const dims = names ? { [names.hidden]: cfg.hidden } : {};
    const mlp = initSwiGlu(k2, hidden, swigluWidth(cfg.hidden, cfg.expansion, cfg.multipleOf), { dims });
    if (mixer !== 'attention') return { gridMixer: initGridMixer(k1, hidden, { dims }), mlp };
    return { attention: initAttention(k1, hidden, { heads: cfg.heads, dims }), mlp };
  }
  const dims = names ? { [names.hidden]: cfg.hidden, [names.seq]: mixer.tokens } : {};
  const mlp = initSwiGlu(k2, hidden, swigluWidth(cfg.hidden, cfg.expansion, cfg.multipleOf), { dims });
  const width = swigluWidth(mixer.tokens, cfg.expansion, cfg.multipleOf);
  return { tokenMixer: initSwiGlu(k1, names?.seq ?? mixer.tokens, width, { dims }), mlp };
}

/** `norm(x + f(x))` or `x + f(norm(x))`, over any leading dims. */
function residual<S extends Shape, D extends Dim>(
  x: Tensor<[...S, D]>,
  f: (h: Tensor<[...S, D]>) => Tensor<[...S, D]>,
  cfg: BlockConfig,
): Tensor<[...S, D]> {
  const eps = cfg.eps ?? 1e-5;
  return cfg.norm === 'pre' ? add(x, f(rmsNorm(x, { eps }))) : addRmsNorm(x, f(x), eps);
}

/** One block over `[batch, seq, hidden]`; `rope` (tables) or `cfg.ropeTheta` turn on RoPE in the attention. */
export function block<B extends Dim, L extends Dim, D extends Dim>(
  p: BlockParams<D, L>,
  x: Tensor<[B, L, D]>,
  cfg: BlockConfig & { readonly rope?: RopeTables },
): Tensor<[B, L, D]> {
  let h: Tensor<[B, L, D]>;
  if ('attention' in p) {
    const att = {
      heads: cfg.heads,
      causal: cfg.causal ?? false,
      ...(cfg.rope ? { rope: cfg.rope } : {}),
      ...(cfg.ropeTheta !== undefined ? { ropeTheta: cfg.ropeTheta } : {}),
    };
    h = residual(x, (y) => attention(p.attention, y, att), cfg);
  } else if ('gridMixer' in p) {
    const mixer = cfg.mixer;
    if (mixer === undefined || mixer === 'attention' || !('grid' in mixer))
      throw new Error('block: grid-mixer weights need a config whose mixer is { grid: { prefix } }');
    h = residual(x, (y) => gridMixer(p.gridMixer, y, mixer.grid.prefix), cfg);
  } else {
    // TRM's mlp_t: mix along the sequence axis, normalising over it, as the reference does. Post-norm
    // normalises along axis -2 directly, so that the result keeps x's layout (no transposed view
    // downstream: the channel MLP then reads its rows in place).
    const mixer = p.tokenMixer;
    const mix = (y: Tensor<[B, D, L]>) => swiglu(mixer, y);
    h =
      cfg.norm === 'pre'
        ? transpose(residual(transpose(x), mix, cfg))
        : addRmsNorm(x, transpose(mix(transpose(x))), cfg.eps ?? 1e-5, -2);
  }
  return residual(h, (y) => swiglu(p.mlp, y), cfg);
}
