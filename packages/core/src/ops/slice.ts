/** Slicing (a view), selecting one index (a view that drops the axis), and zero padding (slice's adjoint). */
import type { DType } from '@hrm/kernels';
import { apply, type KernelPrimitive, type ViewPrimitive } from '../engine.js';
import { formatShape, ShapeError } from '../errors.js';
import type { Axis, SetDim, Shape, SpliceAxis } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { reshapeTo } from './reshape.js';
import { normalizeAxis, spec } from './util.js';

interface Window {
  readonly axis: number;
  readonly start: number;
}

const SLICE: ViewPrimitive<Window> = {
  name: 'slice',
  view: (x, { axis, start }) => ({ strides: x.strides, offset: x.offset + start * x.strides[axis] }),
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
 * Elements `start` (inclusive) to `end` (exclusive) along `axis`, as a view. Negative positions
 * count from the end, as in Python; out-of-range positions are an error, not silently clamped.
 */
export function slice<S extends Shape, D extends DType, const A extends Axis<S>>(
  x: Tensor<S, D>,
  axis: A,
  start: number,
  end?: number,
): Tensor<SetDim<S, A, number>, D> {
  const t = x as AnyTensor;
  const ax = normalizeAxis('slice', axis, t.rank);
  const lo = bound('slice', t, ax, start, 'start');
  const hi = end === undefined ? t.shape[ax] : bound('slice', t, ax, end, 'end');
  if (hi < lo)
    throw new ShapeError(
      'slice',
      `end ${end} is before start ${start} on axis ${axis} of ${formatShape(t.shape, t.names)}`,
    );
  return sliceAxis(t, ax, lo, hi) as Tensor<SetDim<S, A, number>, D>;
}

/** The entry at `index` along `axis`, with that axis removed (`x[:, 0]` is `index(x, 1, 0)`). */
export function index<S extends Shape, D extends DType, const A extends Axis<S>>(
  x: Tensor<S, D>,
  axis: A,
  i: number,
): Tensor<SpliceAxis<S, A, []>, D> {
  const t = x as AnyTensor;
  const ax = normalizeAxis('index', axis, t.rank);
  const at = bound('index', t, ax, i, 'index');
  if (at === t.shape[ax])
    throw new ShapeError('index', `index ${i} is out of range for axis ${axis} of ${formatShape(t.shape, t.names)}`);
  const one = sliceAxis(t, ax, at, at + 1);
  return reshapeTo(
    one,
    t.view.shape.filter((_, k) => k !== ax),
    t.names.filter((_, k) => k !== ax),
  ) as Tensor<SpliceAxis<S, A, []>, D>;
}

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
