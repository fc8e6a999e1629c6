/** Joining tensors along an axis (`concat`, `stack`) and cutting one apart (`split`). */
import type { DType } from '@hrm/kernels';
import { apply, type KernelPrimitive } from '../engine.js';
import { formatShape, ShapeError } from '../errors.js';
import type { Axis, InsertAxis, InsertDim, SetDim, Shape } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { expandDims } from './reshape.js';
import { slice } from './slice.js';
import { normalizeAxis, sameDType, spec } from './util.js';

const CONCAT: KernelPrimitive<number> = {
  name: 'concat',
  kernel: (backend, xs, axis) => backend.concat(xs, axis),
  vjp: (ct, { inputs, params: axis }) => {
    let start = 0;
    return inputs.map((x) => {
      const part = slice(ct, axis, start, start + x.shape[axis]);
      start += x.shape[axis];
      return part;
    });
  },
};

/** The tensors joined along `axis`; they must agree on every other dim and on dtype. */
export function concat<S extends Shape, D extends DType, const A extends Axis<S>>(
  xs: readonly [Tensor<S, D>, ...Tensor<Shape, NoInfer<D>>[]],
  axis: A,
): Tensor<SetDim<S, A, number>, D> {
  const ts = xs as readonly AnyTensor[];
  if (ts.length === 0) throw new ShapeError('concat', 'needs at least one tensor');
  const first = ts[0];
  const ax = normalizeAxis('concat', axis, first.rank);
  const dtype = sameDType('concat', ts);
  for (const x of ts)
    if (x.rank !== first.rank || x.shape.some((d, i) => i !== ax && d !== first.shape[i]))
      throw new ShapeError(
        'concat',
        `shapes must agree except on axis ${axis}: ${ts.map((t) => formatShape(t.shape, t.names)).join(', ')}`,
      );
  if (ts.length === 1) return first as Tensor<SetDim<S, A, number>, D>;
  const shape = first.shape.map((d, i) => (i === ax ? ts.reduce((s, x) => s + x.shape[ax], 0) : d));
  const names = first.names.map((n, i) => (i === ax ? undefined : n));
  return apply(CONCAT, ts, ax, spec(shape, dtype, names)) as Tensor<SetDim<S, A, number>, D>;
}

/** Tensors of one shape stacked along a new axis. */
export function stack<S extends Shape, D extends DType, const A extends InsertAxis<S> = 0>(
  xs: readonly [Tensor<S, D>, ...Tensor<NoInfer<S>, NoInfer<D>>[]],
  axis?: A,
): Tensor<InsertDim<S, A, number>, D> {
  if (xs.length === 0) throw new ShapeError('stack', 'needs at least one tensor');
  const ax = normalizeAxis('stack', axis ?? 0, (xs[0] as AnyTensor).rank + 1);
  for (const x of xs as readonly AnyTensor[])
    if (x.rank !== xs[0].rank || x.shape.some((d, i) => d !== xs[0].shape[i]))
      throw new ShapeError(
        'stack',
        `all shapes must be equal: ${xs.map((t) => formatShape(t.shape, t.names)).join(', ')}`,
      );
  const parts = (xs as readonly AnyTensor[]).map((x) => expandDims(x, ax)) as [AnyTensor, ...AnyTensor[]];
  return concat(parts, ax) as unknown as Tensor<InsertDim<S, A, number>, D>;
}

/** x cut along `axis` into pieces of the given sizes (which must add up to the dim). */
export function split<S extends Shape, D extends DType, const A extends Axis<S>>(
  x: Tensor<S, D>,
  sizes: readonly number[],
  axis: A,
): Tensor<SetDim<S, A, number>, D>[] {
  const t = x as AnyTensor;
  const ax = normalizeAxis('split', axis, t.rank);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== t.shape[ax] || sizes.some((s) => !Number.isInteger(s) || s < 0))
    throw new ShapeError(
      'split',
      `sizes [${sizes.join(', ')}] do not add up to axis ${axis} of ${formatShape(t.shape, t.names)}`,
    );
  let start = 0;
  return sizes.map((n) => {
    const part = slice(t, ax, start, start + n);
    start += n;
    return part as Tensor<SetDim<S, A, number>, D>;
  });
}
