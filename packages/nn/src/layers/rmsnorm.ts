/**
 * RMSNorm over the last axis: `x / sqrt(mean(x²) + eps)`, times an optional learned weight.
 * HRM uses no weight and eps 1e-5.
 */
import { add, type Dim, mean, mul, rsqrt, type Shape, square, type Tensor } from '@hrm/core';

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
  const inv = rsqrt(add(mean(square(x), -1, { keepdims: true }), opts.eps ?? 1e-5));
  const y = mul(x, inv);
  return opts.weight ? mul(y, opts.weight) : y;
}
