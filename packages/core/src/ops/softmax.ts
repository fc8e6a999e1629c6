/** Softmax, log-softmax and logsumexp: composites of primitives, stable by subtracting the maximum. */
import type { FloatDType } from '@hrm/kernels';
import { stopGradient } from '../engine.js';
import type { Axis, Dim, Reduce, Shape } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { add, div, sub } from './binary.js';
import { eq } from './compare.js';
import { max, sum } from './reduce.js';
import { squeeze } from './reshape.js';
import { exp, log } from './unary.js';
import { requireFloat } from './util.js';
import { where } from './where.js';

/** The maximum along `axis`, kept as size 1, with ±Infinity replaced by 0 so that all-(-Infinity) rows stay finite. */
function safeMax(x: AnyTensor, axis: number): AnyTensor {
  const m = stopGradient(max(x, axis, { keepdims: true }));
  return where(eq(m, Number.POSITIVE_INFINITY), 0, where(eq(m, Number.NEGATIVE_INFINITY), 0, m));
}

/** log(sum(exp(x))) along `axis`, without overflow. */
export function logsumexp<
  S extends Shape,
  D extends FloatDType,
  const A extends Axis<S> = -1,
  K extends boolean = false,
>(x: Tensor<S, D>, axis?: A, opts?: { readonly keepdims?: K }): Tensor<Reduce<S, A, K>, D> {
  const t = x as AnyTensor;
  requireFloat('logsumexp', t);
  const ax = axis ?? -1;
  const m = safeMax(t, ax);
  const r = add(log(sum(exp(sub(t, m)), ax, { keepdims: true })), m);
  return (opts?.keepdims ? r : squeeze(r, ax)) as Tensor<Reduce<S, A, K>, D>;
}

/** exp(x) / sum(exp(x)) along `axis` (default the last). */
export function softmax<S extends Shape, D extends FloatDType>(
  x: Tensor<S, D>,
  axis: Axis<S> = -1 as Axis<S>,
): Tensor<S, D> {
  const t = x as AnyTensor;
  requireFloat('softmax', t);
  const e = exp(sub(t, safeMax(t, axis)));
  return div(e, sum(e, axis, { keepdims: true })) as Tensor<S, D>;
}

/** x - logsumexp(x) along `axis` (default the last): log-probabilities. */
export function logSoftmax<S extends Shape, D extends FloatDType>(
  x: Tensor<S, D>,
  axis: Axis<S> = -1 as Axis<S>,
): Tensor<S, D> {
  const t = x as AnyTensor;
  requireFloat('logSoftmax', t);
  return sub(t, logsumexp(t, axis, { keepdims: true })) as Tensor<S, D>;
}

export type { Dim };
