import type { DType } from './dtype.js';

/**
 * A strided window onto a backend buffer: what every kernel reads.
 *
 * Element `[i0, i1, ...]` lives at `offset + i0 * strides[0] + i1 * strides[1] + ...` in the buffer.
 * A stride of 0 repeats an element (broadcasting); transposes and slices are just other strides and
 * offsets. Kernels never write into views: they always return a fresh contiguous buffer.
 */
export interface View<B = unknown> {
  readonly buffer: B;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** The number of elements in an array of this shape (1 for a scalar's `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides of a contiguous array of this shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** True when the view reads its elements in row-major order from one dense run of the buffer. */
export function isContiguous(view: Pick<View, 'shape' | 'strides'>): boolean {
  let expected = 1;
  for (let i = view.shape.length - 1; i >= 0; i--) {
    const d = view.shape[i];
    if (d !== 1 && view.strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** A view of the whole of `buffer` as a contiguous row-major array of `shape`. */
export function contiguousView<B>(buffer: B, dtype: DType, shape: readonly number[]): View<B> {
  return { buffer, dtype, shape, strides: contiguousStrides(shape), offset: 0 };
}

/**
 * The buffer offset of every element of `view`, in row-major order of its shape.
 * The reference backend uses this to read any strided view with one simple loop.
 */
export function elementOffsets(view: Pick<View, 'shape' | 'strides' | 'offset'>): Int32Array {
  const { shape, strides, offset } = view;
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  if (n === 0) return out;
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let pos = offset;
  for (let i = 0; i < n; i++) {
    out[i] = pos;
    // Odometer increment from the last axis.
    for (let ax = rank - 1; ax >= 0; ax--) {
      const st = strides[ax];
      if (++index[ax] < shape[ax]) {
        pos += st;
        break;
      }
      pos -= st * (shape[ax] - 1);
      index[ax] = 0;
    }
  }
  return out;
}
