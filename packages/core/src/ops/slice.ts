/** Slicing (a view), selecting one index (a view that drops the axis), and zero padding (slice's adjoint). */
import type { DType } from '@hrm/kernels';
import { apply, type KernelPrimitive, type ViewPrimitive } from '../engine.js';
import { formatShape, ShapeError } from '../errors.js';
import type { Axis, Dim, SetDim, Shape, SpliceAxis } from '../shape.js';
import type { AnyTensor, Tensor, Window } from '../tensor.js';
import { reshapeTo } from './reshape.js';
import { normalizeAxis, spec } from './util.js';

const SLICE: ViewPrimitive<Window> = {
  name: 'slice',
  view: (x, { axis, start }) => ({ strides: x.strides, offset: x.offset + start * x.strides[axis] }),
  window: (params) => params,
  vjp: (ct, { inputs: [x], params: { axis, start } }) => {
    const widths = x.shape.map((): [number, number] => [0, 0]);
    widths[axis] = [start, x.shape[axis] - start - ct.shape[axis]];
    return [padWith(ct, widths)];
  },
};

const PAD: KernelPrimitive<readonly (readonly [number, number])[]> = {
  name: 'pad',
  kernel: (backend, [x], widths) => backend.pad(x, widths),
  vjp: (ct, { inputs: [x], params: widths }) => {
    let g = ct;
    widths.forEach(([before], axis) => {
      g = sliceAxis(g, axis, before, before + x.shape[axis]);
    });
    return [g];
  },
};

function sliceAxis(x: AnyTensor, axis: number, start: number, end: number): AnyTensor {
  if (start === 0 && end === x.shape[axis]) return x;
  const shape = x.shape.map((d, i) => (i === axis ? end - start : d));
  // The sliced axis is no longer the named dim it was.
  const names = x.names.map((n, i) => (i === axis ? undefined : n));
  return apply(SLICE, [x], { axis, start }, spec(shape, x.dtype, names));
}

function padWith(x: AnyTensor, widths: readonly (readonly [number, number])[]): AnyTensor {
  if (widths.every(([a, b]) => a === 0 && b === 0)) return x;
  const shape = x.shape.map((d, i) => d + widths[i][0] + widths[i][1]);
  const names = x.names.map((n, i) => (shape[i] === x.shape[i] ? n : undefined));
  return apply(PAD, [x], widths, spec(shape, x.dtype, names));
}

function bound(op: string, x: AnyTensor, axis: number, value: number, what: string): number {
  const size = x.shape[axis];
  if (!Number.isInteger(value) || value < -size || value > size)
    throw new ShapeError(op, `${what} ${value} is out of range for axis ${axis} of ${formatShape(x.shape, x.names)}`);
  return value < 0 ? value + size : value;
}

/**
 * The signature of `slice`. The first overload is the pattern generic code uses (a range of the last
 * axis over any leading dims: `[...S, L]` to `[...S, number]`); the second takes any axis of a known rank.
 */
export interface SliceFn {
  <S extends Shape, L extends Dim, D extends DType>(
    x: Tensor<readonly [...S, L], D>,
    axis: -1,
    start: number,
    end?: number,
  ): Tensor<[...S, number], D>;
  <S extends Shape, D extends DType, const A extends Axis<S>>(
    x: Tensor<S, D>,
    axis: A,
    start: number,
    end?: number,
  ): Tensor<SetDim<S, A, number>, D>;
}

/**
 * Elements `start` (inclusive) to `end` (exclusive) along `axis`, as a view. Negative positions
 * count from the end, as in Python; out-of-range positions are an error, not silently clamped.
 */
export const slice: SliceFn = (x: AnyTensor, axis: number, start: number, end?: number): AnyTensor => {
  const ax = normalizeAxis('slice', axis, x.rank);
  const lo = bound('slice', x, ax, start, 'start');
  const hi = end === undefined ? x.shape[ax] : bound('slice', x, ax, end, 'end');
  if (hi < lo)
    throw new ShapeError(
      'slice',
      `end ${end} is before start ${start} on axis ${axis} of ${formatShape(x.shape, x.names)}`,
    );
  return sliceAxis(x, ax, lo, hi);
};

/**
 * The signature of `index`: first the pattern generic code uses (an entry of the last axis over any
 * leading dims: `[...S, L]` to `S`), then any axis of a known rank.
 */
export interface IndexFn {
  <S extends Shape, L extends Dim, D extends DType>(
    x: Tensor<readonly [...S, L], D>,
    axis: -1,
    i: number,
  ): Tensor<S, D>;
  <S extends Shape, D extends DType, const A extends Axis<S>>(
    x: Tensor<S, D>,
    axis: A,
    i: number,
  ): Tensor<SpliceAxis<S, A, []>, D>;
}

/** The entry at `index` along `axis`, with that axis removed (`x[:, 0]` is `index(x, 1, 0)`). */
export const index: IndexFn = (x: AnyTensor, axis: number, i: number): AnyTensor => {
  const ax = normalizeAxis('index', axis, x.rank);
  const at = bound('index', x, ax, i, 'index');
  if (at === x.shape[ax])
    throw new ShapeError('index', `index ${i} is out of range for axis ${axis} of ${formatShape(x.shape, x.names)}`);
  const one = sliceAxis(x, ax, at, at + 1);
  return reshapeTo(
    one,
    x.view.shape.filter((_, k) => k !== ax),
    x.names.filter((_, k) => k !== ax),
  );
};

/** Zero padding: `widths[i] = [before, after]` for each axis. Every padded dim becomes `number` in the type. */
export function pad<S extends Shape, D extends DType>(
  x: Tensor<S, D>,
  widths: { readonly [K in keyof S]: readonly [number, number] },
): Tensor<{ [K in keyof S]: number }, D> {
  const w = widths as readonly (readonly [number, number])[];
  if (w.length !== x.rank) throw new ShapeError('pad', `${w.length} widths given for ${formatShape(x.shape, x.names)}`);
  for (const [a, b] of w)
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0)
      throw new ShapeError('pad', `widths must be non-negative integers, got [${a}, ${b}]`);
  return padWith(x as AnyTensor, w) as Tensor<{ [K in keyof S]: number }, D>;
}
