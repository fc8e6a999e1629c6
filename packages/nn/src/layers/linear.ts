/** A linear layer `x @ w (+ b)`. Weights are stored [in, out], so the forward pass needs no transpose. */
import { add, type Dim, type Key, matmul, type Shape, splitKey, type Tensor, zeros } from '@hrm/core';
import { type DimSizes, lecunNormal } from '../init.js';

/** The weight `[in, out]` and optional bias `[out]` of a linear layer; `I` and `O` are sizes or names. */
export interface LinearParams<I extends Dim = number, O extends Dim = number> {
  readonly w: Tensor<[I, O]>;
  readonly b?: Tensor<[O]>;
}

/**
 * Truncated LeCun-normal weights, zero bias (when `bias`). The dims are sizes (`initLinear(k, 64, 10)`)
 * or names sized by `dims` (`initLinear(k, 'hidden', 'vocab', { dims: { hidden: 64, vocab: 10 } })`),
 * which then name the weights' dims in their type.
 */
export function initLinear<const I extends Dim, const O extends Dim>(
  key: Key,
  inFeatures: I,
  outFeatures: O,
  opts: { readonly bias?: boolean; readonly dims?: DimSizes } = {},
): LinearParams<I, O> {
  const [kw] = splitKey(key, 1);
  const dims = opts.dims ?? {};
  const w = lecunNormal(kw, [inFeatures, outFeatures], { dims });
  return opts.bias ? { w, b: zeros<[O]>([outFeatures], { dims }) } : { w };
}

/** `x @ w + b` over any leading dims. */
export function linear<S extends Shape, I extends Dim, O extends Dim>(
  p: LinearParams<I, O>,
  x: Tensor<[...S, I]>,
): Tensor<[...S, O]> {
  const y = matmul(x, p.w);
  return p.b ? add(y, p.b) : y;
}
