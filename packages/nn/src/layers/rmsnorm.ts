/**
 * RMSNorm over the last axis: `x / sqrt(mean(x²) + eps)`, times an optional learned weight.
 * HRM uses no weight and eps 1e-5. The normalisation is core's `rmsNorm` (one fused kernel, with its
 * VJP, on backends that have them).
 */
import { type Dim, mul, rmsNorm as normalize, type Shape, type Tensor } from '@hrm/core';

/** RMSNorm's epsilon (default 1e-5) and optional learned weight over the last axis. */
export interface RmsNormOptions<D extends Dim> {
  readonly eps?: number;
  readonly weight?: Tensor<[D]>;
}

/** `x / sqrt(mean(x², last axis) + eps)`, times `weight` when given, over any leading dims. */
export function rmsNorm<S extends Shape, D extends Dim>(
  x: Tensor<[...S, D]>,
  opts: RmsNormOptions<D> = {},
): Tensor<[...S, D]> {
  const y = normalize(x, opts.eps ?? 1e-5);
  return opts.weight ? mul(y, opts.weight) : y;
}
