/**
 * Softmax, log-softmax and logsumexp, stable by subtracting the maximum. Softmax is one fused kernel
 * on backends that have one (see fused.ts), the composite elsewhere; the other two are composites.
 */
import type { FloatDType } from '@hrm/kernels';
import { apply, type KernelPrimitive, stopGradient } from '../engine.js';
import type { Axis, AxisCheck, Dim, Reduce, Shape } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { add, div, mul, sub } from './binary.js';
import { eq } from './compare.js';
import { fusedFor, fusedOf, fusedVjp } from './fused.js';
import { transpose } from './permute.js';
import { max, sum } from './reduce.js';
import { squeeze } from './reshape.js';
import { exp, log } from './unary.js';
import { normalizeAxis, requireFloat, spec } from './util.js';
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
>(x: Tensor<S, D>, axis?: A, opts?: { readonly keepdims?: K }): Tensor<Reduce<S, A, K>, D>;
/** Reached only when the axis is out of range: its error message says which. */
export function logsumexp<S extends Shape, D extends FloatDType, const A extends number>(
  x: Tensor<S, D>,
  axis: A & AxisCheck<'logsumexp', S, A>,
  opts?: { readonly keepdims?: boolean },
): never;
export function logsumexp(x: AnyTensor, axis = -1, opts?: { readonly keepdims?: boolean }): AnyTensor {
  requireFloat('logsumexp', x);
  normalizeAxis('logsumexp', axis, x.rank); // the error names this op, as at compile time
  const m = safeMax(x, axis);
  const r = add(log(sum(exp(sub(x, m)), axis, { keepdims: true })), m);
  return opts?.keepdims ? r : squeeze(r, axis);
}

/**
 * The signature of softmax and logSoftmax. The first overload is the pattern generic code uses (the
 * last axis of `[...S, L]`); the second takes any literal axis of a known rank; the last is reached
 * only when the axis is out of range, and its error message says which.
 */
export interface SoftmaxFn<Op extends string> {
  <S extends Shape, L extends Dim, D extends FloatDType>(
    x: Tensor<readonly [...S, L], D>,
    axis?: -1,
  ): Tensor<[...S, L], D>;
  <S extends Shape, D extends FloatDType>(x: Tensor<S, D>, axis?: Axis<S>): Tensor<S, D>;
  <S extends Shape, D extends FloatDType, const A extends number>(
    x: Tensor<S, D>,
    axis: A & AxisCheck<Op, S, A>,
  ): never;
}

/** Softmax's VJP from its output: `y * (g - sum(g * y))` along the last axis. */
const SOFTMAX_VJP: KernelPrimitive = {
  name: 'softmaxVjp',
  kernel: (backend, [y, g]) => fusedOf(backend).softmaxVjp(y, g),
};

/** Softmax along the last axis in one kernel (backends with fused kernels). */
const SOFTMAX: KernelPrimitive = {
  name: 'softmax',
  kernel: (backend, [x]) => fusedOf(backend).softmax(x),
  vjp: (ct, { output: y }) => [
    fusedVjp(SOFTMAX_VJP, [y, ct], undefined, () => mul(y, sub(ct, sum(mul(ct, y), -1, { keepdims: true })))),
  ],
};

/** exp(x) / sum(exp(x)) along `axis` (default the last). */
export const softmax = ((x: AnyTensor, axis = -1): AnyTensor => {
  requireFloat('softmax', x);
  const ax = normalizeAxis('softmax', axis, x.rank);
  if (fusedFor('softmax', [x])) {
    const last = x.rank - 1;
    if (ax !== last) return transpose(softmax(transpose(x, ax, last)), ax, last);
    return apply(SOFTMAX, [x], undefined, spec(x.view.shape, x.dtype, x.names));
  }
  const e = exp(sub(x, safeMax(x, axis)));
  return div(e, sum(e, axis, { keepdims: true }));
}) as SoftmaxFn<'softmax'>;

/** x - logsumexp(x) along `axis` (default the last): log-probabilities. */
export const logSoftmax = ((x: AnyTensor, axis = -1): AnyTensor => {
  requireFloat('logSoftmax', x);
  normalizeAxis('logSoftmax', axis, x.rank);
  return sub(x, logsumexp(x, axis, { keepdims: true }));
}) as SoftmaxFn<'logSoftmax'>;

export type { Dim };
