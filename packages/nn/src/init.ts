/**
 * Initialisers. Weights are drawn from explicit keys, so `init(key, config)` is a pure function.
 */
import {
  type Dim,
  type FloatDType,
  type Key,
  normalCdf,
  type Shape,
  type Tensor,
  truncatedNormal,
  zeros,
} from '@hrm/core';

/** The standard deviation of N(0, 1) truncated to [lower, upper]. */
export function truncatedStd(lower: number, upper: number): number {
  const pdf = (x: number) => (Number.isFinite(x) ? Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) : 0);
  const z = normalCdf(upper) - normalCdf(lower);
  const fin = (x: number) => (Number.isFinite(x) ? x * pdf(x) : 0);
  const mean = (pdf(lower) - pdf(upper)) / z;
  return Math.sqrt(1 + (fin(lower) - fin(upper)) / z - mean * mean);
}

/** Sizes of named dims, for initialisers given shapes with names (`['hidden', 'vocab']`). */
export type DimSizes = Readonly<Record<string, number>>;

/** The size of a dim: a literal is its own size, a name's comes from `dims` (an error names what is missing). */
export function sizeOfDim(d: Dim, dims: DimSizes = {}, op = 'init'): number {
  const size = typeof d === 'number' ? d : dims[d];
  if (size === undefined || !Number.isInteger(size) || size < 0)
    throw new RangeError(`${op}: no valid size for dim '${d}' (got ${size}); pass it in dims`);
  return size;
}

/** Options of the initialisers: the sizes of named dims, the dtype, and the truncation in standard deviations. */
export interface InitOptions<D extends FloatDType = 'float32'> {
  readonly dims?: DimSizes;
  readonly dtype?: D;
  readonly truncation?: number;
}

/**
 * Truncated normal whose *actual* standard deviation is `std`, as JAX's initialisers and HRM's
 * `trunc_normal_init_` do it: a standard normal truncated at ±`truncation` is rescaled by
 * std / truncatedStd(−truncation, truncation), so the samples lie in ±truncation·(that scale).
 * (PyTorch's `trunc_normal_` skips the correction and comes out about 12% too narrow at ±2.)
 * Dims may be names, sized by `dims`: `truncNormal(k, ['vocab', 'hidden'], 0.1, { dims })`.
 */
export function truncNormal<const S extends Shape, D extends FloatDType = 'float32'>(
  key: Key,
  shape: S,
  std: number,
  opts: InitOptions<D> = {},
): Tensor<S, D> {
  const t = opts.truncation ?? 2;
  return truncatedNormal<S, D>(key, shape, {
    lower: -t,
    upper: t,
    std: std / truncatedStd(-t, t),
    ...(opts.dtype ? { dtype: opts.dtype } : {}),
    ...(opts.dims ? { dims: opts.dims } : {}),
  });
}

/** Truncated LeCun normal for a weight `[fanIn, ...]`: std 1/sqrt(fanIn), HRM's init for every linear layer. */
export function lecunNormal<const S extends Shape>(key: Key, shape: S, opts: InitOptions = {}): Tensor<S> {
  if (shape.length === 0) throw new RangeError('lecunNormal: needs a shape with a fan-in axis');
  return truncNormal(key, shape, 1 / Math.sqrt(sizeOfDim(shape[0], opts.dims, 'lecunNormal')), opts);
}

export { zeros };

/**
 * HRM's fixed initial state: one vector of size `hidden` (a literal, or a name sized by `dims`) from a
 * truncated normal (std 1, truncation 2), drawn once, never trained, and broadcast to every position
 * when a sequence is reset.
 */
export function initialState<const H extends Dim>(key: Key, hidden: H, opts: InitOptions = {}): Tensor<[H]> {
  return truncNormal(key, [hidden], 1, opts);
}

export type { Dim };
