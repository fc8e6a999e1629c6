/**
 * Initialisers. Weights are drawn from explicit keys, so `init(key, config)` is a pure function.
 */
import { type Dim, type FloatDType, type Key, normalCdf, type Tensor, truncatedNormal, zeros } from '@hrm/core';

/** The standard deviation of N(0, 1) truncated to [lower, upper]. */
export function truncatedStd(lower: number, upper: number): number {
  const pdf = (x: number) => (Number.isFinite(x) ? Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) : 0);
  const z = normalCdf(upper) - normalCdf(lower);
  const fin = (x: number) => (Number.isFinite(x) ? x * pdf(x) : 0);
  const mean = (pdf(lower) - pdf(upper)) / z;
  return Math.sqrt(1 + (fin(lower) - fin(upper)) / z - mean * mean);
}

/** Sizes of a shape of plain numbers. */
type Sized = readonly number[];

/**
 * Truncated normal whose *actual* standard deviation is `std`, as JAX's initialisers and HRM's
 * `trunc_normal_init_` do it: a standard normal truncated at ±`truncation` is rescaled by
 * std / truncatedStd(−truncation, truncation), so the samples lie in ±truncation·(that scale).
 * (PyTorch's `trunc_normal_` skips the correction and comes out about 12% too narrow at ±2.)
 */
export function truncNormal<const S extends Sized, D extends FloatDType = 'float32'>(
  key: Key,
  shape: S,
  std: number,
  opts: { readonly truncation?: number; readonly dtype?: D } = {},
): Tensor<S, D> {
  const t = opts.truncation ?? 2;
  const scale = std / truncatedStd(-t, t);
  const dtype: FloatDType = opts.dtype ?? 'float32';
  return truncatedNormal(key, shape as readonly number[], {
    lower: -t,
    upper: t,
    std: scale,
    dtype,
  }) as unknown as Tensor<S, D>;
}

/** Truncated LeCun normal for a weight `[fanIn, ...]`: std 1/sqrt(fanIn), HRM's init for every linear layer. */
export function lecunNormal<const S extends Sized>(key: Key, shape: S): Tensor<S> {
  if (shape.length === 0) throw new RangeError('lecunNormal: needs a shape with a fan-in axis');
  return truncNormal(key, shape, 1 / Math.sqrt(shape[0]));
}

export { zeros };

/**
 * HRM's fixed initial state: one vector of size `hidden` from a truncated normal (std 1, truncation 2),
 * drawn once, never trained, and broadcast to every position when a sequence is reset.
 */
export function initialState<H extends number>(key: Key, hidden: H): Tensor<[H]> {
  return truncNormal(key, [hidden] as [H], 1);
}

export type { Dim };
