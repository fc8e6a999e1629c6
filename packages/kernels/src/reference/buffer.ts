import type { TypedArray } from '../dtype.js';
import { elementOffsets, isContiguous, sizeOf, type View } from '../view.js';

/** A reference-backend buffer: a host typed array that can be disposed once. */
export interface HostBuffer {
  readonly data: TypedArray;
  disposed: boolean;
}

export type HostView = View<HostBuffer>;

export function live(buffer: HostBuffer): TypedArray {
  if (buffer.disposed) throw new Error('reference backend: buffer used after dispose');
  return buffer.data;
}

/**
 * The elements of a view in row-major order. Shares the buffer's memory when the view is already a dense
 * run of it (callers only read the result), copies otherwise. Every reference kernel starts here, so each
 * kernel is a plain loop over dense arrays.
 */
export function dense(view: HostView): TypedArray {
  const data = live(view.buffer);
  const n = sizeOf(view.shape);
  if (isContiguous(view)) return data.subarray(view.offset, view.offset + n);
  const out = new (data.constructor as new (n: number) => TypedArray)(n);
  if (n === 0) return out;
  // Walk the rows (all axes but the last) by their start offsets; copy each row with its own stride.
  const rank = view.shape.length;
  const width = view.shape[rank - 1];
  const step = view.strides[rank - 1];
  const rows = elementOffsets({
    shape: view.shape.slice(0, -1),
    strides: view.strides.slice(0, -1),
    offset: view.offset,
  });
  for (let r = 0, o = 0; r < rows.length; r++, o += width) {
    const start = rows[r];
    if (step === 1) out.set(data.subarray(start, start + width), o);
    else for (let j = 0; j < width; j++) out[o + j] = data[start + j * step];
  }
  return out;
}

/** The view with `axes` moved to the end (in the given order), so that they become the fastest-varying. */
export function moveAxesLast(view: HostView, axes: readonly number[]): HostView {
  const keep: number[] = [];
  for (let i = 0; i < view.shape.length; i++) if (!axes.includes(i)) keep.push(i);
  const order = [...keep, ...axes];
  return {
    ...view,
    shape: order.map((i) => view.shape[i]),
    strides: order.map((i) => view.strides[i]),
  };
}
