import type { ArgReduceOp, Backend, BinaryOp, MemoryStats, ReduceOp, UnaryOp } from '../backend.js';
import { COMPARE_OPS } from '../backend.js';
import { allocArray, DTYPES, type DType, dtypeOfArray, type TypedArray } from '../dtype.js';
import { LiveMemory } from '../live-memory.js';
import { contiguousStrides, elementOffsets, sizeOf } from '../view.js';
import { dense, type HostBuffer, type HostView, live, moveAxesLast } from './buffer.js';
import { binaryFn, map1, map2, UNARY } from './elementwise.js';
import { referenceFused } from './fused.js';
import { matmulDense } from './matmul.js';

/**
 * The CPU reference backend: plain TypeScript over typed arrays, written to be obviously correct.
 * Every kernel first reads its inputs as dense row-major arrays (`dense`), then runs one simple loop.
 * It is the source of truth the other backends are tested against, and it holds float64.
 */
export class ReferenceBackend implements Backend<HostBuffer> {
  readonly name: string = 'reference';
  readonly dtypes = DTYPES;
  private readonly counted = new LiveMemory();
  readonly fused = referenceFused((data) => this.wrap(data));

  private wrap(data: TypedArray): HostBuffer {
    this.counted.allocated(data.byteLength);
    return { data, disposed: false };
  }

  upload(data: TypedArray, dtype: DType): HostBuffer {
    const out = allocArray(dtype, data.length);
    out.set(data);
    return this.wrap(out);
  }

  read(x: HostView): TypedArray {
    const d = dense(x);
    return d.buffer === live(x.buffer).buffer ? d.slice() : d;
  }

  dispose(buffer: HostBuffer): void {
    if (buffer.disposed) return;
    buffer.disposed = true;
    this.counted.released(buffer.data.byteLength);
  }

  liveBuffers(): number {
    return this.counted.liveBuffers;
  }

  memory(): MemoryStats {
    return this.counted.stats();
  }

  resetPeak(): void {
    this.counted.resetPeak();
  }

  fill(size: number, dtype: DType, value: number): HostBuffer {
    const out = allocArray(dtype, size);
    out.fill(dtype === 'bool' ? +(value !== 0) : value);
    return this.wrap(out);
  }

  unary(op: UnaryOp, x: HostView): HostBuffer {
    const out = allocArray(x.dtype, sizeOf(x.shape));
    map1(dense(x), out, UNARY[op]);
    return this.wrap(out);
  }

  binary(op: BinaryOp, a: HostView, b: HostView): HostBuffer {
    const isCompare = (COMPARE_OPS as readonly string[]).includes(op);
    const out = allocArray(isCompare ? 'bool' : a.dtype, sizeOf(a.shape));
    map2(dense(a), dense(b), out, binaryFn(op, a.dtype === 'int32'));
    return this.wrap(out);
  }

  where(cond: HostView, a: HostView, b: HostView): HostBuffer {
    const c = dense(cond);
    const x = dense(a);
    const y = dense(b);
    const out = allocArray(a.dtype, c.length);
    for (let i = 0; i < out.length; i++) out[i] = c[i] ? x[i] : y[i];
    return this.wrap(out);
  }

  cast(x: HostView, dtype: DType): HostBuffer {
    const src = dense(x);
    const out = allocArray(dtype, src.length);
    if (dtype === 'bool') for (let i = 0; i < src.length; i++) out[i] = +(src[i] !== 0);
    else if (dtype === 'int32') for (let i = 0; i < src.length; i++) out[i] = Math.trunc(src[i]);
    else out.set(src);
    return this.wrap(out);
  }

  copy(x: HostView): HostBuffer {
    const out = allocArray(x.dtype, sizeOf(x.shape));
    out.set(dense(x));
    return this.wrap(out);
  }

  reduce(op: ReduceOp, x: HostView, axes: readonly number[]): HostBuffer {
    const moved = moveAxesLast(x, axes);
    const run = axes.reduce((n, ax) => n * x.shape[ax], 1);
    const src = dense(moved);
    const count = run === 0 ? sizeOf(moved.shape.slice(0, moved.shape.length - axes.length)) : src.length / run;
    const out = allocArray(x.dtype, count);
    for (let o = 0; o < count; o++) {
      let acc = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
      const base = o * run;
      for (let i = 0; i < run; i++) {
        const v = src[base + i];
        if (op === 'sum') acc += v;
        else if (Number.isNaN(v) || (op === 'max' ? v > acc : v < acc)) acc = v; // once NaN, always NaN (numpy)
      }
      out[o] = acc;
    }
    return this.wrap(out);
  }

  argReduce(op: ArgReduceOp, x: HostView, axis: number): HostBuffer {
    const run = x.shape[axis];
    const src = dense(moveAxesLast(x, [axis]));
    const count = src.length / run;
    const out = allocArray('int32', count);
    for (let o = 0; o < count; o++) {
      const base = o * run;
      let best = 0;
      for (let i = 1; i < run; i++) {
        const v = src[base + i];
        const b = src[base + best];
        if (Number.isNaN(b)) break; // the first NaN is the answer, as in numpy
        if (Number.isNaN(v) || (op === 'argmax' ? v > b : v < b)) best = i;
      }
      out[o] = best;
    }
    return this.wrap(out);
  }

  matmul(a: HostView, b: HostView): HostBuffer {
    const rank = a.shape.length;
    const m = a.shape[rank - 2];
    const k = a.shape[rank - 1];
    const n = b.shape[rank - 1];
    const batch = sizeOf(a.shape.slice(0, rank - 2));
    const out = allocArray(a.dtype, batch * m * n);
    matmulDense(dense(a), dense(b), out, batch, m, k, n);
    return this.wrap(out);
  }

  concat(xs: readonly HostView[], axis: number): HostBuffer {
    const first = xs[0];
    const outer = sizeOf(first.shape.slice(0, axis));
    const inner = sizeOf(first.shape.slice(axis + 1));
    const total = xs.reduce((s, x) => s + x.shape[axis], 0);
    const out = allocArray(first.dtype, outer * total * inner);
    let start = 0;
    for (const x of xs) {
      const src = dense(x);
      const width = x.shape[axis] * inner;
      for (let o = 0; o < outer; o++) out.set(src.subarray(o * width, (o + 1) * width), o * total * inner + start);
      start += width;
    }
    return this.wrap(out);
  }

  pad(x: HostView, widths: readonly (readonly [number, number])[]): HostBuffer {
    const outShape = x.shape.map((d, i) => d + widths[i][0] + widths[i][1]);
    const outStrides = contiguousStrides(outShape);
    const out = allocArray(x.dtype, sizeOf(outShape));
    const src = dense(x);
    const offset = widths.reduce((s, [before], i) => s + before * outStrides[i], 0);
    const targets = elementOffsets({ shape: x.shape, strides: outStrides, offset });
    for (let i = 0; i < src.length; i++) out[targets[i]] = src[i];
    return this.wrap(out);
  }

  gather(x: HostView, indices: HostView, axis: number): HostBuffer {
    const size = x.shape[axis];
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const src = dense(x);
    const idx = checkedIndices(dense(indices), size, 'gather');
    const out = allocArray(x.dtype, outer * idx.length * inner);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < idx.length; j++) {
        const from = (o * size + idx[j]) * inner;
        out.set(src.subarray(from, from + inner), (o * idx.length + j) * inner);
      }
    return this.wrap(out);
  }

  scatterAdd(updates: HostView, indices: HostView, axis: number, outShape: readonly number[]): HostBuffer {
    const size = outShape[axis];
    const outer = sizeOf(outShape.slice(0, axis));
    const inner = sizeOf(outShape.slice(axis + 1));
    const src = dense(updates);
    const idx = checkedIndices(dense(indices), size, 'scatterAdd');
    const rows = Int32Array.from({ length: outer * idx.length }, (_, r) => r * inner);
    const acc = scatterRows(src, rows, idx, size, inner, sizeOf(outShape));
    const out = allocArray(updates.dtype, acc.length);
    out.set(acc);
    return this.wrap(out);
  }
}

/**
 * scatterAdd's sums: row r of the updates (`inner` elements of `src` from `rows[r]`) added to row
 * `idx[r % idx.length]` of slab `r / idx.length` (each slab `size` rows) of a fresh `length`-element
 * array. In float64, so that the order of colliding updates does not matter for float32.
 */
export function scatterRows(
  src: ArrayLike<number>,
  rows: Int32Array,
  idx: Int32Array,
  size: number,
  inner: number,
  length: number,
): Float64Array {
  const acc = new Float64Array(length);
  for (let r = 0; r < rows.length; r++) {
    const to = (Math.floor(r / idx.length) * size + idx[r % idx.length]) * inner;
    for (let i = 0, from = rows[r]; i < inner; i++) acc[to + i] += src[from + i];
  }
  return acc;
}

/** Indices as non-negative offsets; negative ones count from the end (numpy). Out of range is an error. */
export function checkedIndices(raw: TypedArray, size: number, op: string): Int32Array {
  if (dtypeOfArray(raw) !== 'int32') throw new TypeError(`${op}: indices must be int32`);
  const idx = new Int32Array(raw.length);
  for (let j = 0; j < raw.length; j++) {
    const i = raw[j];
    if (i < -size || i >= size)
      throw new RangeError(`${op}: index ${i} at position ${j} is out of range for an axis of size ${size}`);
    idx[j] = i < 0 ? i + size : i;
  }
  return idx;
}
