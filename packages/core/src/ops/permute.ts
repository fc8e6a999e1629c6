/** Reordering axes: a view with permuted strides, no copy. */
import type { DType } from '@hrm/kernels';
import { apply, type ViewPrimitive } from '../engine.js';
import { formatShape, ShapeError } from '../errors.js';
import type { Axis, AxisCheck, Dim, Permute, PermuteCheck, Shape, Swap, SwapTail2, SwapTail3 } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { normalizeAxes, normalizeAxis, spec } from './util.js';

const PERMUTE: ViewPrimitive<readonly number[]> = {
  name: 'permute',
  view: (x, perm) => ({ strides: perm.map((p) => x.strides[p]), offset: x.offset }),
  vjp: (ct, { params: perm }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => {
      inverse[p] = i;
    });
    return [permuteAxes(ct, inverse)];
  },
};

function permuteAxes(x: AnyTensor, perm: readonly number[]): AnyTensor {
  if (perm.every((p, i) => p === i)) return x;
  return apply(
    PERMUTE,
    [x],
    perm,
    spec(
      perm.map((p) => x.shape[p]),
      x.dtype,
      perm.map((p) => x.names[p]),
    ),
  );
}

/** x with its axes in the order `perm`: output axis i is input axis perm[i]. */
export function permute<S extends Shape, D extends DType, const P extends readonly Axis<S>[]>(
  x: Tensor<S, D>,
  perm: P & PermuteCheck<S, P>,
): Tensor<Permute<S, P>, D> {
  const p = perm as readonly number[];
  const axes = normalizeAxes('permute', p, x.rank);
  if (axes.length !== x.rank)
    throw new ShapeError(
      'permute',
      `[${p.join(', ')}] is not a permutation of the axes of ${formatShape(x.shape, x.names)}`,
    );
  return permuteAxes(
    x as AnyTensor,
    p.map((a) => normalizeAxis('permute', a, x.rank)),
  ) as Tensor<Permute<S, P>, D>;
}

/**
 * x with axes `a` and `b` swapped; by default the last two (a matrix transpose, batched). The first two
 * overloads are the patterns generic code uses: negative axes among the last two or three dims of
 * `[...S, ...]`, whatever S is. The third swaps literal axes of a known rank; the last is reached only
 * when an axis is out of range, and its error message says which.
 */
export function transpose<
  S extends Shape,
  A extends Dim,
  B extends Dim,
  D extends DType,
  const I extends -2 | -1 = -2,
  const J extends -2 | -1 = -1,
>(x: Tensor<readonly [...S, A, B], D>, a?: I, b?: J): Tensor<[...S, ...SwapTail2<A, B, I, J>], D>;
export function transpose<
  S extends Shape,
  A extends Dim,
  B extends Dim,
  C extends Dim,
  D extends DType,
  const I extends -3 | -2 | -1,
  const J extends -3 | -2 | -1 = -1,
>(x: Tensor<readonly [...S, A, B, C], D>, a: I, b?: J): Tensor<[...S, ...SwapTail3<A, B, C, I, J>], D>;
export function transpose<S extends Shape, D extends DType, const A extends Axis<S> = -2, const B extends Axis<S> = -1>(
  x: Tensor<S, D>,
  a?: A,
  b?: B,
): Tensor<Swap<S, A, B>, D>;
export function transpose<S extends Shape, D extends DType, const A extends number, const B extends number = -1>(
  x: Tensor<S, D>,
  a: A & AxisCheck<'transpose', S, A>,
  b?: B & AxisCheck<'transpose', S, B>,
): never;
export function transpose(x: AnyTensor, a?: number, b?: number): AnyTensor {
  if (x.rank < 2 && a === undefined)
    throw new ShapeError('transpose', `needs rank >= 2, got ${formatShape(x.shape, x.names)}`);
  const i = normalizeAxis('transpose', a ?? -2, x.rank);
  const j = normalizeAxis('transpose', b ?? -1, x.rank);
  const perm = x.shape.map((_, k) => (k === i ? j : k === j ? i : k));
  return permuteAxes(x, perm);
}
