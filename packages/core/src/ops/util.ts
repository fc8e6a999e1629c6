/** Shape rules shared by several ops. Each throws a ShapeError that names the op and the dims. */
import type { DType } from '@hrm/kernels';
import type { OutSpec } from '../engine.js';
import { DTypeError, formatShape, ShapeError } from '../errors.js';
import type { AnyTensor } from '../tensor.js';

export type Names = readonly (string | undefined)[];

export function spec(shape: readonly number[], dtype: DType, names: Names): OutSpec {
  return { shape, dtype, names };
}

/** An axis in `[-rank, rank)` made non-negative. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw new ShapeError(op, `axis ${axis} is out of range for rank ${rank} (valid: ${-rank}..${rank - 1})`);
  return axis < 0 ? axis + rank : axis;
}

/** Distinct, sorted, non-negative axes. */
export function normalizeAxes(op: string, axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => normalizeAxis(op, a, rank));
  if (new Set(out).size !== out.length) throw new ShapeError(op, `repeated axis in [${axes.join(', ')}]`);
  return out.sort((a, b) => a - b);
}

/** Sizes with their run-time names: what shape rules read. */
export interface Dims {
  readonly shape: readonly number[];
  readonly names: Names;
}

/** numpy broadcasting, right-aligned; a name is kept from whichever side has one. */
export function broadcastShapes(op: string, xs: readonly Dims[]): { shape: number[]; names: Names } {
  const rank = Math.max(...xs.map((x) => x.shape.length));
  const shape: number[] = [];
  const names: (string | undefined)[] = [];
  for (let i = 0; i < rank; i++) {
    let size = 1;
    let name: string | undefined;
    for (const x of xs) {
      const j = i - (rank - x.shape.length);
      if (j < 0) continue;
      const d = x.shape[j];
      if (d !== 1) {
        if (size !== 1 && d !== size)
          throw new ShapeError(
            op,
            `cannot broadcast ${xs.map((t) => formatShape(t.shape, t.names)).join(' with ')}: axis ${i - rank} has sizes ${size} and ${d}`,
          );
        size = d;
      }
      name ??= x.names[j];
    }
    shape.push(size);
    names.push(name);
  }
  return { shape, names };
}

export function sameDType(op: string, xs: readonly AnyTensor[]): DType {
  const d = xs[0].dtype;
  for (const x of xs)
    if (x.dtype !== d)
      throw new DTypeError(op, `dtypes differ (${xs.map((t) => t.dtype).join(', ')}); cast one explicitly`);
  return d;
}

export function requireFloat(op: string, x: AnyTensor): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new DTypeError(op, `needs a float tensor, got ${x.describe()}`);
}

export function requireNumeric(op: string, x: AnyTensor): void {
  if (x.dtype === 'bool') throw new DTypeError(op, `needs a numeric tensor, got ${x.describe()}`);
}

export function requireBool(op: string, x: AnyTensor): void {
  if (x.dtype !== 'bool') throw new DTypeError(op, `needs a bool tensor, got ${x.describe()}`);
}
