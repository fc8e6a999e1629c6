/**
 * Indexing by integer tensors: `take` (numpy's take / gather), its adjoint `scatterAdd`, and
 * `takeAlongAxis`. Index values are data, so their range is checked by the kernel when it runs.
 */
import { contiguousStrides, type DType } from '@hrm/kernels';
import { apply, fromBuffer, type KernelPrimitive } from '../engine.js';
import { DTypeError, formatShape, ShapeError } from '../errors.js';
import type { Axis, Dim, Shape, SpliceAxis } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { broadcastView } from './broadcast.js';
import { flatten, reshapeTo } from './reshape.js';
import { normalizeAxis, spec } from './util.js';

const GATHER: KernelPrimitive<number> = {
  name: 'gather',
  kernel: (backend, [x, idx], axis) => backend.gather(x, idx, axis),
  vjp: (ct, { inputs: [x, idx], params: axis }) => [scatterAddRaw(ct, idx, axis, x.view.shape), undefined],
};

const SCATTER_ADD: KernelPrimitive<{ readonly axis: number; readonly shape: readonly number[] }> = {
  name: 'scatterAdd',
  kernel: (backend, [updates, idx], { axis, shape }) => backend.scatterAdd(updates, idx, axis, shape),
  vjp: (ct, { inputs: [, idx], params: { axis } }) => [takeRaw(ct, idx, axis), undefined],
};

function requireIndices(op: string, idx: AnyTensor): void {
  if (idx.dtype !== 'int32') throw new DTypeError(op, `indices must be int32, got ${idx.describe()}`);
}

function takeRaw(x: AnyTensor, idx: AnyTensor, axis: number): AnyTensor {
  const keepBefore = x.view.shape.slice(0, axis);
  const keepAfter = x.view.shape.slice(axis + 1);
  const shape = [...keepBefore, ...idx.view.shape, ...keepAfter];
  const names = [...x.names.slice(0, axis), ...idx.names, ...x.names.slice(axis + 1)];
  return apply(GATHER, [x, idx], axis, spec(shape, x.dtype, names));
}

function scatterAddRaw(updates: AnyTensor, idx: AnyTensor, axis: number, shape: readonly number[]): AnyTensor {
  const names = [...updates.names.slice(0, axis), undefined, ...updates.names.slice(axis + idx.rank)];
  return apply(SCATTER_ADD, [updates, idx], { axis, shape }, spec(shape, updates.dtype, names));
}

/**
 * Entries of x at `indices` along `axis` (numpy `take`): the result's shape is x's with that axis
 * replaced by the indices' shape. Negative indices count from the end; out-of-range ones are an error.
 * An embedding lookup is `take(table, tokens, 0)`.
 */
export function take<S extends Shape, I extends Shape, D extends DType, const A extends Axis<S>>(
  x: Tensor<S, D>,
  indices: Tensor<I, 'int32'>,
  axis: A,
): Tensor<SpliceAxis<S, A, I>, D> {
  const t = x as AnyTensor;
  requireIndices('take', indices as AnyTensor);
  return takeRaw(t, indices as AnyTensor, normalizeAxis('take', axis, t.rank)) as Tensor<SpliceAxis<S, A, I>, D>;
}

/**
 * The adjoint of `take`: a zero tensor of `shape` with each slice of `updates` added at its index
 * along `axis` (repeated indices accumulate). Used for sparse gradients such as embedding rows.
 */
export function scatterAdd<const S extends readonly number[], D extends DType>(
  updates: Tensor<Shape, D>,
  indices: Tensor<Shape, 'int32'>,
  axis: number,
  shape: S,
): Tensor<S, D> {
  const u = updates as AnyTensor;
  const idx = indices as AnyTensor;
  requireIndices('scatterAdd', idx);
  const ax = normalizeAxis('scatterAdd', axis, shape.length);
  const expected = [...shape.slice(0, ax), ...idx.view.shape, ...shape.slice(ax + 1)];
  if (expected.length !== u.rank || expected.some((d, i) => d !== u.shape[i]))
    throw new ShapeError(
      'scatterAdd',
      `updates ${formatShape(u.shape, u.names)} do not fit indices ${formatShape(idx.shape, idx.names)} into [${shape.join(', ')}] along axis ${axis}: expected ${formatShape(expected)}`,
    );
  return scatterAddRaw(u, idx, ax, shape) as Tensor<S, D>;
}

/**
 * numpy `take_along_axis`: `out[..., j, ...] = x[..., indices[..., j, ...], ...]` along `axis`.
 * `indices` has x's rank and x's sizes on every other axis (or 1 there, broadcast); the result has
 * that shape. Picking each label's log-probability is `takeAlongAxis(logp, expandDims(labels, -1), -1)`.
 * The indices are read on the host to check their range and turned into flat positions, so an index
 * out of range is an error naming it, never a read from a neighbouring row.
 */
export function takeAlongAxis<S extends Shape, L extends Dim, K extends Dim, D extends DType>(
  x: Tensor<readonly [...S, L], D>,
  indices: Tensor<readonly [...S, K], 'int32'>,
  axis: -1,
): Tensor<[...S, K], D>;
/** Entries of `x` picked along `axis` of a known rank by `indices` (same rank, other dims equal or 1). */
export function takeAlongAxis<S extends Shape, I extends Shape, D extends DType>(
  x: Tensor<S, D>,
  indices: Tensor<I, 'int32'>,
  axis: Axis<S>,
): Tensor<I, D>;
export function takeAlongAxis(x: AnyTensor, indices: AnyTensor, axis: number): AnyTensor {
  const t = x;
  const idx = indices;
  requireIndices('takeAlongAxis', idx);
  const ax = normalizeAxis('takeAlongAxis', axis, t.rank);
  if (idx.rank !== t.rank || idx.shape.some((d, i) => i !== ax && d !== t.shape[i] && d !== 1))
    throw new ShapeError(
      'takeAlongAxis',
      `indices ${formatShape(idx.shape, idx.names)} do not fit ${formatShape(t.shape, t.names)} outside axis ${axis}`,
    );
  const outShape = idx.view.shape.map((d, i) => (i === ax ? d : t.shape[i]));
  const values = broadcastView(idx, outShape, idx.names).data();
  const size = t.shape[ax];
  const strides = contiguousStrides(t.view.shape);
  const outStrides = contiguousStrides(outShape);
  const flat = new Int32Array(values.length);
  for (let p = 0; p < values.length; p++) {
    let i = values[p];
    if (i < -size || i >= size)
      throw new RangeError(
        `takeAlongAxis: index ${i} at position ${p} is out of range for axis ${axis} of size ${size}`,
      );
    if (i < 0) i += size;
    let pos = i * strides[ax];
    for (let k = 0; k < outShape.length; k++)
      if (k !== ax) pos += (Math.floor(p / outStrides[k]) % outShape[k]) * strides[k];
    flat[p] = pos;
  }
  const positions = fromBuffer(
    t.storage.backend,
    t.storage.backend.upload(flat, 'int32'),
    spec([flat.length], 'int32', [undefined]),
  );
  return reshapeTo(takeRaw(flatten(t), positions, 0), outShape, idx.names);
}
