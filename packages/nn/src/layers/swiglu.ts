/**
 * SwiGLU feed-forward: `down(silu(gate(x)) * up(x))`, with gate and up fused in one `[D, 2·inter]`
 * weight (gate the first half of its columns, up the second), no biases. The activation is core's
 * `gatedSilu`, whose fused VJP writes both halves' gradients into one buffer: the gradient of the one
 * gate-and-up product.
 */
import { type Dim, gatedSilu, type Key, matmul, type Shape, splitKey, type Tensor } from '@hrm/core';
import { type DimSizes, lecunNormal } from '../init.js';

/**
 * The fused gate-and-up weight `[D, 2·inter]` (gate columns, then up columns) and the down weight
 * `[inter, D]`; the intermediate width is derived from the hidden one, so it is a plain size.
 */
export interface SwiGluParams<D extends Dim = number> {
  readonly gateUp: Tensor<[D, number]>;
  readonly down: Tensor<[number, D]>;
}

/** Python's round(): halves to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * HRM's intermediate width: `round(expansion · hidden · 2/3)` rounded up to a multiple of `multipleOf`
 * (256 in HRM and TRM, which makes tiny models much wider than `expansion` suggests: hidden 64 with
 * expansion 4 gives 256, not 171).
 */
export function swigluWidth(hidden: number, expansion: number, multipleOf = 256): number {
  const raw = roundHalfEven((expansion * hidden * 2) / 3);
  return Math.ceil(raw / multipleOf) * multipleOf;
}

/** LeCun-normal SwiGLU weights for width `hidden` (a size, or a name sized by `dims`) and `inter` intermediate units. */
export function initSwiGlu<const D extends Dim>(
  key: Key,
  hidden: D,
  inter: number,
  opts: { readonly dims?: DimSizes } = {},
): SwiGluParams<D> {
  const [k1, k2] = splitKey(key, 2);
  const dims = opts.dims ?? {};
  return { gateUp: lecunNormal(k1, [hidden, 2 * inter], { dims }), down: lecunNormal(k2, [inter, hidden], { dims }) };
}

/** The SwiGLU of `x` over its last axis, over any leading dims. */
export function swiglu<S extends Shape, D extends Dim>(p: SwiGluParams<D>, x: Tensor<[...S, D]>): Tensor<[...S, D]> {
  return matmul(gatedSilu(matmul(x, p.gateUp)), p.down);
}
