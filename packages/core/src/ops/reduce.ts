/** Reductions over axes: sum, mean, max, min (differentiable) and argmax, argmin (int32, no gradient). */
import type { ArgReduceOp, DType, FloatDType, ReduceOp } from '@hrm/kernels';
import { apply, type KernelPrimitive } from '../engine.js';
import { formatShape, ShapeError } from '../errors.js';
import type { Axis, AxisCheck, Dim, Reduce, Shape, SpliceAxis } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { div, mul } from './binary.js';
import { broadcastView } from './broadcast.js';
import { cast } from './cast.js';
import { eq } from './compare.js';
import { reshapeTo } from './reshape.js';
import { normalizeAxes, normalizeAxis, requireFloat, requireNumeric, spec } from './util.js';

type Numeric = Exclude<DType, 'bool'>;

/** A reduced tensor (axes dropped) viewed back at x's rank, then broadcast to x's shape. */
function spread(reduced: AnyTensor, x: AnyTensor, axes: readonly number[]): AnyTensor {
  const kept = x.view.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const names = x.names.map((n, i) => (axes.includes(i) ? undefined : n));
  return broadcastView(reshapeTo(reduced, kept, names), x.view.shape, x.names);
}

const RULES: Record<ReduceOp, KernelPrimitive<readonly number[]>['vjp']> = {
  sum: (ct, { inputs: [x], params: axes }) => [spread(ct, x, axes)],
  // The gradient goes to the extreme elements, split evenly between ties (as JAX).
  max: (ct, ctx) => extremeRule(ct, ctx),
  min: (ct, ctx) => extremeRule(ct, ctx),
};

function extremeRule(
  ct: AnyTensor,
  { inputs: [x], output, params: axes }: { inputs: readonly AnyTensor[]; output: AnyTensor; params: readonly number[] },
): AnyTensor[] {
  const hits = cast(eq(x, spread(output, x, axes)), x.dtype);
  const share = div(hits, spread(reduceAxes('sum', hits, axes), x, axes));
  return [mul(spread(ct, x, axes), share)];
}

const PRIMITIVES = new Map<ReduceOp, KernelPrimitive<readonly number[]>>();

/** @internal Reduces over normalized axes, dropping them. */
export function reduceAxes(op: ReduceOp, x: AnyTensor, axes: readonly number[]): AnyTensor {
  if (axes.length === 0) return x;
  if (op !== 'sum')
    for (const a of axes)
      if (x.shape[a] === 0)
        throw new ShapeError(op, `cannot reduce the empty axis ${a} of ${formatShape(x.shape, x.names)}`);
  let p = PRIMITIVES.get(op);
  if (!p) {
    const vjp = RULES[op];
    p = { name: op, kernel: (backend, [v], ax) => backend.reduce(op, v, ax), ...(vjp ? { vjp } : {}) };
    PRIMITIVES.set(op, p);
  }
  const keep = (_: unknown, i: number) => !axes.includes(i);
  return apply(p, [x], axes, spec(x.view.shape.filter(keep), x.dtype, x.names.filter(keep)));
}

type AxisArg<S extends Shape> = Axis<S> | readonly Axis<S>[] | undefined;

function reduceOp(
  op: ReduceOp,
  x: AnyTensor,
  axis: number | readonly number[] | undefined,
  keepdims = false,
): AnyTensor {
  const axes =
    axis === undefined ? x.shape.map((_, i) => i) : normalizeAxes(op, typeof axis === 'number' ? [axis] : axis, x.rank);
  const out = reduceAxes(op, x, axes);
  if (!keepdims) return out;
  return reshapeTo(
    out,
    x.view.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
    x.names.map((n, i) => (axes.includes(i) ? undefined : n)),
  );
}

/**
 * A reduction's signature. The first two overloads are the pattern generic code uses (the last axis
 * of `[...S, L]`); the last computes the result shape from literal axes (a number, a list, or none
 * for all axes), dropping them or keeping them as 1 with `keepdims`.
 */
export interface ReduceFn<Op extends string, In extends DType> {
  <S extends Shape, L extends Dim, D extends In>(x: Tensor<readonly [...S, L], D>, axis: -1): Tensor<S, D>;
  <S extends Shape, L extends Dim, D extends In>(
    x: Tensor<readonly [...S, L], D>,
    axis: -1,
    opts: { readonly keepdims: true },
  ): Tensor<[...S, 1], D>;
  <S extends Shape, D extends In, const A extends AxisArg<S> = undefined, K extends boolean = false>(
    x: Tensor<S, D>,
    axis?: A,
    opts?: { readonly keepdims?: K },
  ): Tensor<Reduce<S, A, K>, D>;
  /** Reached only when an axis is out of range: its error message says which. */
  <S extends Shape, D extends In, const A extends number | readonly number[]>(
    x: Tensor<S, D>,
    axis: A & AxisCheck<Op, S, A>,
    opts?: { readonly keepdims?: boolean },
  ): never;
}

function reduction<Op extends ReduceOp, In extends DType>(
  op: Op,
  check: (op: string, x: AnyTensor) => void,
): ReduceFn<Op, In> {
  return ((x: AnyTensor, axis?: number | readonly number[], opts?: { keepdims?: boolean }) => {
    check(op, x);
    return reduceOp(op, x, axis, opts?.keepdims);
  }) as ReduceFn<Op, In>;
}

/** Sum over `axis` (a number, a list, or all axes when omitted). */
export const sum = reduction<'sum', Numeric>('sum', requireNumeric);
/** Maximum over `axis`; NaN wins. Its gradient is split evenly between tied maxima. */
export const max = reduction<'max', Numeric>('max', requireNumeric);
/** Minimum over `axis`; NaN wins. Its gradient is split evenly between tied minima. */
export const min = reduction<'min', Numeric>('min', requireNumeric);

/** Mean over `axis` (a number, a list, or all axes when omitted). */
export const mean = ((x: AnyTensor, axis?: number | readonly number[], opts?: { keepdims?: boolean }) => {
  requireFloat('mean', x);
  const total = reduceOp('sum', x, axis, opts?.keepdims);
  const count = x.size / Math.max(total.size, 1);
  return mul(total, 1 / count);
}) as ReduceFn<'mean', FloatDType>;

function argReduce(op: ArgReduceOp, x: AnyTensor, axis: number, keepdims: boolean): AnyTensor {
  requireNumeric(op, x);
  const ax = normalizeAxis(op, axis, x.rank);
  if (x.shape[ax] === 0) throw new ShapeError(op, `axis ${axis} of ${formatShape(x.shape, x.names)} is empty`);
  const keep = (_: unknown, i: number) => i !== ax;
  const prim: KernelPrimitive<number> = { name: op, kernel: (backend, [v], a) => backend.argReduce(op, v, a) };
  const out = apply(prim, [x], ax, spec(x.view.shape.filter(keep), 'int32', x.names.filter(keep)));
  return keepdims
    ? reshapeTo(
        out,
        x.view.shape.map((d, i) => (i === ax ? 1 : d)),
        x.names.map((n, i) => (i === ax ? undefined : n)),
      )
    : out;
}

/** Index of the largest element along `axis` (the first one on ties; a NaN counts as largest). */
export function argmax<S extends Shape, L extends Dim>(
  x: Tensor<readonly [...S, L], Numeric>,
  axis: -1,
): Tensor<S, 'int32'>;
/** Index of the largest element along `axis` of a known rank. */
export function argmax<S extends Shape, const A extends Axis<S>>(
  x: Tensor<S, Numeric>,
  axis: A,
): Tensor<SpliceAxis<S, A, []>, 'int32'>;
export function argmax(x: AnyTensor, axis: number): AnyTensor {
  return argReduce('argmax', x, axis, false);
}

/** Index of the smallest element along `axis` (the first one on ties; a NaN counts as smallest). */
export function argmin<S extends Shape, L extends Dim>(
  x: Tensor<readonly [...S, L], Numeric>,
  axis: -1,
): Tensor<S, 'int32'>;
/** Index of the smallest element along `axis` of a known rank. */
export function argmin<S extends Shape, const A extends Axis<S>>(
  x: Tensor<S, Numeric>,
  axis: A,
): Tensor<SpliceAxis<S, A, []>, 'int32'>;
export function argmin(x: AnyTensor, axis: number): AnyTensor {
  return argReduce('argmin', x, axis, false);
}
