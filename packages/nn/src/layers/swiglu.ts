/**
 * SwiGLU feed-forward: `down(silu(gate(x)) * up(x))`, with gate and up fused in one [D, 2·inter]
 * weight (gate the first half of its columns, up the second), no biases.
 */
import {
  type AnyTensor,
  type Dim,
  type Key,
  matmul,
  mul,
  type Shape,
  silu,
  slice,
  splitKey,
  type Tensor,
} from '@hrm/core';
import { lecunNormal } from '../init.js';

export interface SwiGluParams<D extends Dim = number, F extends Dim = number> {
  /** [D, 2F]: gate columns then up columns. */
  readonly gateUp: Tensor<[D, number]>;
  readonly down: Tensor<[F, D]>;
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

export function initSwiGlu<D extends number>(key: Key, hidden: D, inter: number): SwiGluParams<D> {
  const [k1, k2] = splitKey(key, 2);
  return {
    gateUp: lecunNormal(k1, [hidden, 2 * inter] as [D, number]),
    down: lecunNormal(k2, [inter, hidden] as [number, D]),
  };
}

export function swiglu<S extends Shape, D extends Dim, F extends Dim>(
  p: SwiGluParams<D, F>,
  x: Tensor<[...S, D]>,
): Tensor<[...S, D]> {
  const gu: AnyTensor = matmul(x, p.gateUp);
  const inter = p.down.shape[0];
  const hidden: AnyTensor = mul(silu(slice(gu, -1, 0, inter)), slice(gu, -1, inter));
  return matmul(hidden, p.down) as Tensor<[...S, D]>;
}
