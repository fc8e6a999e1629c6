/** Reshaping: the same elements in row-major order under a new shape (a view when the input is contiguous). */
import type { DType } from '@hrm/kernels';
import { contiguousStrides, isContiguous, sizeOf } from '@hrm/kernels';
import { apply, type KernelPrimitive, type ViewPrimitive } from '../engine.js';
import { formatShape, ShapeError } from '../errors.js';
import type { Axis, Dim, InsertAxis, InsertDim, Shape, SpliceAxis } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { type Names, normalizeAxis, spec } from './util.js';

const RESHAPE: ViewPrimitive = {
  name: 'reshape',
  view: (x, _params, out) => ({ strides: contiguousStrides(out.shape), offset: x.offset }),
  vjp: (ct, { inputs: [x] }) => [reshapeTo(ct, x.view.shape, x.names)],
};

/** Materialises a non-contiguous view, so that reshape can view it. */
const COPY: KernelPrimitive = {
  name: 'copy',
  kernel: (backend, [x]) => backend.copy(x),
  vjp: (ct) => [ct],
};

/** @internal Reshape to known sizes. */
export function reshapeTo(x: AnyTensor, sizes: readonly number[], names: Names): AnyTensor {
  if (sizeOf(sizes) !== x.size)
    throw new ShapeError(
      'reshape',
      `cannot view ${formatShape(x.shape, x.names)} (${x.size} elements) as ${formatShape(sizes, names)} (${sizeOf(sizes)} elements)`,
    );
  if (sizes.length === x.rank && sizes.every((d, i) => d === x.shape[i]) && names.every((n, i) => n === x.names[i]))
    return x;
  const base = isContiguous(x.view) ? x : apply(COPY, [x], undefined, spec(x.view.shape, x.dtype, x.names));
  return apply(RESHAPE, [base], undefined, spec(sizes, x.dtype, names));
}

/** `-1` in a reshape target becomes `number` in the type. */
export type ReshapeShape<T extends readonly (Dim | -1)[]> = {
  -readonly [K in keyof T]: T[K] extends -1 ? number : T[K];
};

/**
 * The same elements under a new shape. One dim may be -1 (inferred). A name takes its size from
 * `dims`, or from a dim of x with the same name: `reshape(x, ['B', 81, 4, 32])` for x: ['B', 81, 128].
 */
export function reshape<S extends Shape, D extends DType, const T extends readonly (Dim | -1)[]>(
  x: Tensor<S, D>,
  shape: T,
  dims?: Readonly<Record<string, number>>,
): Tensor<ReshapeShape<T>, D> {
  const known = new Map<string, number>();
  x.names.forEach((n, i) => {
    if (n !== undefined) known.set(n, x.shape[i]);
  });
  for (const [n, v] of Object.entries(dims ?? {})) known.set(n, v);
  let infer = -1;
  const sizes = shape.map((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw new ShapeError('reshape', `more than one -1 in [${shape.join(', ')}]`);
      infer = i;
      return 1;
    }
    const size = typeof d === 'string' ? known.get(d) : d;
    if (size === undefined)
      throw new ShapeError('reshape', `no size for '${d}': x is ${formatShape(x.shape, x.names)}; pass it in dims`);
    if (!Number.isInteger(size) || size < 0) throw new ShapeError('reshape', `invalid size ${size} at axis ${i}`);
    return size;
  });
  if (infer >= 0) {
    const rest = sizeOf(sizes);
    if (rest === 0 || x.size % rest !== 0)
      throw new ShapeError(
        'reshape',
        `cannot infer -1 in [${shape.join(', ')}] for ${formatShape(x.shape, x.names)} (${x.size} elements)`,
      );
    sizes[infer] = x.size / rest;
  }
  const names = shape.map((d) => (typeof d === 'string' ? d : undefined));
  return reshapeTo(x as AnyTensor, sizes, names) as Tensor<ReshapeShape<T>, D>;
}

/** All elements in one axis. */
export function flatten<S extends Shape, D extends DType>(x: Tensor<S, D>): Tensor<[number], D> {
  return reshapeTo(x as AnyTensor, [x.size], [undefined]) as Tensor<[number], D>;
}

/**
 * The last axis split into `dims` (numbers, or names whose sizes come from `sizes` or from x's names):
 * `[...S, 128]` to `[...S, 4, 32]`. The leading dims stay in the type, so code generic in them (attention
 * heads over any batch prefix) needs no cast. The product of the new dims must be the last axis's size.
 */
export function splitLast<S extends Shape, L extends Dim, D extends DType, const T extends readonly Dim[]>(
  x: Tensor<readonly [...S, L], D>,
  dims: T,
  sizes: Readonly<Record<string, number>> = {},
): Tensor<[...S, ...T], D> {
  const t = x as AnyTensor;
  if (t.rank === 0) throw new ShapeError('splitLast', `needs an axis to split, got ${formatShape(t.shape, t.names)}`);
  const known = new Map<string, number>(Object.entries(sizes));
  t.names.forEach((n, i) => {
    if (n !== undefined && !known.has(n)) known.set(n, t.shape[i]);
  });
  const split = dims.map((d) => {
    const size = typeof d === 'number' ? d : known.get(d);
    if (size === undefined || !Number.isInteger(size) || size < 0)
      throw new ShapeError('splitLast', `no valid size for dim '${d}' (got ${size}); pass it in sizes`);
    return size;
  });
  const last = t.shape[t.rank - 1];
  if (split.reduce((a, b) => a * b, 1) !== last)
    throw new ShapeError(
      'splitLast',
      `cannot split the last axis of ${formatShape(t.shape, t.names)} (${last}) into [${split.join(', ')}]`,
    );
  return reshapeTo(
    t,
    [...t.view.shape.slice(0, -1), ...split],
    [...t.names.slice(0, -1), ...dims.map((d) => (typeof d === 'string' ? d : undefined))],
  ) as Tensor<[...S, ...T], D>;
}

/** The last two axes merged into one: `[...S, 4, 32]` to `[...S, number]` (128), the leading dims kept in the type. */
export function mergeLast<S extends Shape, A extends Dim, B extends Dim, D extends DType>(
  x: Tensor<readonly [...S, A, B], D>,
): Tensor<[...S, number], D> {
  const t = x as AnyTensor;
  if (t.rank < 2) throw new ShapeError('mergeLast', `needs two axes to merge, got ${formatShape(t.shape, t.names)}`);
  const [a, b] = t.shape.slice(-2);
  return reshapeTo(t, [...t.view.shape.slice(0, -2), a * b], [...t.names.slice(0, -2), undefined]) as Tensor<
    [...S, number],
    D
  >;
}

/** x with a new last axis of size 1, over any dims (the pattern generic code uses). */
export function expandDims<S extends Shape, D extends DType>(x: Tensor<S, D>, axis: -1): Tensor<[...S, 1], D>;
/** x with a new axis of size 1 inserted at `axis` (which may equal the rank; negatives count from the new rank). */
export function expandDims<S extends Shape, D extends DType, const A extends InsertAxis<S>>(
  x: Tensor<S, D>,
  axis: A,
): Tensor<InsertDim<S, A, 1>, D>;
export function expandDims(x: AnyTensor, axis: number): AnyTensor {
  const ax = normalizeAxis('expandDims', axis, x.rank + 1);
  const sizes = [...x.view.shape];
  const names = [...x.names];
  sizes.splice(ax, 0, 1);
  names.splice(ax, 0, undefined);
  return reshapeTo(x, sizes, names);
}

/** x without the size-1 axis `axis`. */
export function squeeze<S extends Shape, D extends DType, const A extends Axis<S>>(
  x: Tensor<S, D>,
  axis: A,
): Tensor<SpliceAxis<S, A, []>, D> {
  const ax = normalizeAxis('squeeze', axis, x.rank);
  if (x.shape[ax] !== 1)
    throw new ShapeError('squeeze', `axis ${axis} of ${formatShape(x.shape, x.names)} has size ${x.shape[ax]}, not 1`);
  return reshapeTo(
    x as AnyTensor,
    x.view.shape.filter((_, i) => i !== ax),
    x.names.filter((_, i) => i !== ax),
  ) as Tensor<SpliceAxis<S, A, []>, D>;
}

/** x with its dims renamed (sizes unchanged): a checked way to give data from outside its names. */
export function rename<S extends Shape, D extends DType, const T extends Shape>(
  x: Tensor<S, D>,
  shape: T,
): Tensor<T, D> {
  if (shape.length !== x.rank)
    throw new ShapeError('rename', `${shape.length} dims given for ${formatShape(x.shape, x.names)}`);
  const seen = new Map<string, number>();
  shape.forEach((d, i) => {
    const expected = typeof d === 'number' ? d : (seen.get(d) ?? x.shape[i]);
    if (expected !== x.shape[i])
      throw new ShapeError(
        'rename',
        `axis ${i} of ${formatShape(x.shape, x.names)} has size ${x.shape[i]}, not ${typeof d === 'number' ? d : `${d}=${expected}`}`,
      );
    if (typeof d === 'string') seen.set(d, x.shape[i]);
  });
  const names = shape.map((d) => (typeof d === 'string' ? d : undefined));
  return reshapeTo(x as AnyTensor, x.view.shape, names) as Tensor<T, D>;
}
