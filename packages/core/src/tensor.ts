import type { Backend, DType, TypedArray, View } from '@hrm/kernels';
import { sizeOf } from '@hrm/kernels';
import { formatShape } from './errors.js';
import type { Shape, Sizes } from './shape.js';

/** A backend buffer and how many live tensors share it (views share their base's storage). */
export interface Storage {
  readonly backend: Backend;
  readonly buffer: unknown;
  refs: number;
}

/** A tape records the ops applied to the tensors it tracks; `@hrm/autodiff` walks it backwards. */
export interface Tape {
  readonly id: number;
  readonly nodes: TapeNode[];
  /** Every tensor a node refers to: scopes must not release these while the tape is alive. */
  readonly saved: Set<AnyTensor>;
}

/** One op a tape recorded: the primitive (whose `vjp` runs backwards), its inputs, output and parameters. */
export interface TapeNode {
  readonly primitive: {
    readonly name: string;
    readonly vjp?: VjpRule<never>;
    /** Where the op's output starts as a window of its input, for an op that slices (see `Window`). */
    readonly window?: (params: never) => Window;
  };
  readonly inputs: readonly AnyTensor[];
  readonly output: AnyTensor;
  readonly params: unknown;
}

/** Where a window of a tensor (a slice along one axis) starts: see `PrimitiveBase.window`. */
export interface Window {
  readonly axis: number;
  readonly start: number;
}

/**
 * A vector-Jacobian product: given the cotangent of the output, the cotangents of the inputs
 * (`undefined` where an input gets none). Written with public ops, so it runs on any backend and can
 * itself be differentiated (gradients of gradients).
 */
export type VjpRule<P> = (
  ct: AnyTensor,
  ctx: { readonly inputs: readonly AnyTensor[]; readonly output: AnyTensor; readonly params: P },
) => readonly (AnyTensor | undefined)[];

declare const shapeType: unique symbol;

/**
 * An immutable n-dimensional array whose shape lives in the type: `Tensor<['B', 81, 128]>`.
 *
 * `S` is a tuple of dims (literal sizes, names, or `number`); `D` the element type. At run time a
 * tensor is a strided view of a backend buffer, with its sizes in `shape` and, where known, the
 * names of its dims in `names` (used in error messages and to resolve named sizes).
 * Values never change after creation; ops return new tensors, and movement ops (reshape, permute,
 * slice, broadcast) return views that share the buffer.
 */
export class Tensor<S extends Shape = Shape, D extends DType = 'float32'> {
  // Readonly, so that Tensor<['B', 81]> and Tensor<readonly ['B', 81]> are the same type to users.
  declare readonly [shapeType]: Readonly<S>;
  readonly shape: Sizes<S>;
  readonly dtype: D;
  readonly names: readonly (string | undefined)[];
  readonly size: number;
  /** @internal The strided window onto `storage.buffer`. */
  readonly view: View;
  /** @internal */
  readonly storage: Storage;
  /** @internal The tapes that track this tensor (empty unless it depends on a differentiated input). */
  readonly tapes: readonly Tape[];
  /** @internal Set once the tensor's scope has ended or it was disposed. */
  released = false;

  /** @internal Tensors are made by ops; see `tensor`, `zeros`, `fromArray`. */
  constructor(storage: Storage, view: View, names: readonly (string | undefined)[], tapes: readonly Tape[]) {
    this.storage = storage;
    this.view = view;
    this.shape = view.shape as unknown as Sizes<S>;
    this.dtype = view.dtype as D;
    this.names = names;
    this.size = sizeOf(view.shape);
    this.tapes = tapes;
  }

  get rank(): number {
    return this.view.shape.length;
  }

  /** The elements in row-major order, copied to the host. */
  data(): TypedArray {
    assertLive(this, 'data');
    return this.storage.backend.read(this.view);
  }

  /** The elements as nested arrays (booleans for bool tensors). */
  toArray(): unknown {
    const flat = Array.from(this.data(), (v) => (this.dtype === 'bool' ? v !== 0 : v));
    const build = (axis: number, start: number): unknown => {
      if (axis === this.rank) return flat[start];
      const n = this.view.shape[axis];
      const step = sizeOf(this.view.shape.slice(axis + 1));
      return Array.from({ length: n }, (_, i) => build(axis + 1, start + i * step));
    };
    return build(0, 0);
  }

  /** The single element of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item: tensor has ${this.size} elements, not 1`);
    return this.data()[0];
  }

  /** `float32[B=32, 81, 128]` */
  describe(): string {
    return `${this.dtype}${formatShape(this.view.shape, this.names)}`;
  }

  /** `Tensor<float32[B=32, 81, 128]>`: the dtype and shape, never the values. */
  toString(): string {
    return `Tensor<${this.describe()}>`;
  }
}

/**
 * A tensor whose shape and dtype are known only at run time (data-driven code, op internals).
 * Its shape and dtype are `any` on purpose: it fits every typed signature, and every op checks it at
 * run time instead, so dynamic code can call typed code without casts (and what comes back is dynamic).
 */
// biome-ignore lint/suspicious/noExplicitAny: the dynamic tensor, checked at run time by every op
export type AnyTensor = Tensor<any, any>;

export function assertLive(t: AnyTensor, op: string): void {
  if (t.released)
    throw new Error(
      `${op}: ${t.describe()} was released (its scope ended or it was disposed); keep() what outlives a scope`,
    );
}
