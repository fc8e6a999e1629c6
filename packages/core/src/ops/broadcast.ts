/** Broadcasting as a view: repeated elements get stride 0, so nothing is copied. */
import type { DType } from '@hrm/kernels';
import { apply, type ViewPrimitive } from '../engine.js';
import { formatShape, ShapeError } from '../errors.js';
import type { BroadcastCheck, Shape } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { resolveShape } from './create.js';
import { sum } from './reduce.js';
import { reshape, reshapeTo } from './reshape.js';
import { type Names, spec } from './util.js';

const BROADCAST: ViewPrimitive = {
  name: 'broadcastTo',
  view: (x, _params, out) => {
    const lead = out.shape.length - x.shape.length;
    return {
      strides: out.shape.map((d, i) => (i < lead || (x.shape[i - lead] === 1 && d !== 1) ? 0 : x.strides[i - lead])),
      offset: x.offset,
    };
  },
  // Sum the gradient over every axis that broadcasting created or stretched.
  vjp: (ct, { inputs: [x] }) => {
    const lead = ct.rank - x.rank;
    const axes = ct.shape.map((_, i) => i).filter((i) => i < lead || (x.shape[i - lead] === 1 && ct.shape[i] !== 1));
    return [reshape(sum(ct, axes), x.view.shape as number[])];
  },
};

/** @internal `x` as a view of shape `shape` (already known to be reachable by broadcasting). */
export function broadcastView(x: AnyTensor, shape: readonly number[], names: Names): AnyTensor {
  if (x.rank === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const lead = shape.length - x.rank;
  for (let i = 0; i < x.rank; i++)
    if (x.shape[i] !== 1 && x.shape[i] !== shape[i + lead])
      throw new ShapeError(
        'broadcastTo',
        `cannot broadcast ${formatShape(x.shape, x.names)} to ${formatShape(shape, names)}`,
      );
  if (lead < 0)
    throw new ShapeError(
      'broadcastTo',
      `cannot broadcast ${formatShape(x.shape, x.names)} to lower rank ${formatShape(shape, names)}`,
    );
  return apply(BROADCAST, [x], undefined, spec(shape, x.dtype, names));
}

/**
 * x repeated (without copying) to `shape`, numpy-style: dims of size 1 stretch and new dims are added
 * on the left. Names in `shape` take their size from `dims` or from x's dims of the same name.
 */
export function broadcastTo<S extends Shape, const T extends Shape, D extends DType>(
  x: Tensor<S, D>,
  shape: T & BroadcastCheck<'broadcastTo', T, S>,
  dims?: Readonly<Record<string, number>>,
): Tensor<T, D> {
  const known: Record<string, number> = {};
  x.names.forEach((n, i) => {
    if (n !== undefined) known[n] = x.shape[i];
  });
  const { sizes, names } = resolveShape('broadcastTo', shape as Shape, { ...known, ...dims });
  return broadcastView(x as AnyTensor, sizes, names) as Tensor<T, D>;
}

/**
 * x broadcast to the shape of `like`, and typed with it. Where arithmetic on sizes made the types lose
 * track of a shape (a slice, a concatenation: their dims are `number`), this brings code that is generic
 * in its dims back to them, checked at run time: the sizes must broadcast (equal, or 1 in x).
 */
export function broadcastLike<S extends Shape, D extends DType>(
  x: Tensor<Shape, D>,
  like: Tensor<S, DType>,
): Tensor<S, D> {
  const t = x as AnyTensor;
  const lead = like.rank - t.rank;
  const fits = lead >= 0 && t.shape.every((d, i) => d === 1 || d === like.shape[i + lead]);
  if (!fits)
    throw new ShapeError(
      'broadcastLike',
      `cannot broadcast ${formatShape(t.shape, t.names)} to ${formatShape(like.shape, like.names)}`,
    );
  const wide = broadcastView(t, like.view.shape, like.names);
  // Same sizes: broadcastView returns x itself; the result still takes like's names.
  return (wide === t ? reshapeTo(t, like.view.shape, like.names) : wide) as Tensor<S, D>;
}
