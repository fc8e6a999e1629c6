/** A linear layer `x @ w (+ b)`. Weights are stored [in, out], so the forward pass needs no transpose. */
import { add, type Dim, type Key, matmul, type Shape, splitKey, type Tensor, zeros } from '@hrm/core';
import { lecunNormal } from '../init.js';

export interface LinearParams<I extends Dim = number, O extends Dim = number> {
  readonly w: Tensor<[I, O]>;
  readonly b?: Tensor<[O]>;
}

/** Truncated LeCun-normal weights, zero bias (when `bias`). */
export function initLinear<I extends number, O extends number>(
  key: Key,
  inFeatures: I,
  outFeatures: O,
  opts: { readonly bias?: boolean } = {},
): LinearParams<I, O> {
  const [kw] = splitKey(key, 1);
  const w = lecunNormal(kw, [inFeatures, outFeatures] as [I, O]);
  return opts.bias ? { w, b: zeros([outFeatures] as [O]) } : { w };
}

/** `x @ w + b` over any leading dims. */
export function linear<S extends Shape, I extends Dim, O extends Dim>(
  p: LinearParams<I, O>,
  x: Tensor<[...S, I]>,
): Tensor<[...S, O]> {
  const y = matmul(x, p.w);
  return p.b ? add(y, p.b) : y;
}
