/**
 * Creating tensors: from literals (`tensor`), filled (`zeros`, `ones`, `full`), ranges (`arange`), and
 * from outside data (`fromArray`, `fromArrays`), which validates instead of trusting and returns Either.
 */
import { allocArray, type Backend, type DType, isFloat, sizeOf, type TypedArray } from '@hrm/kernels';
import * as E from 'fp-ts/lib/Either.js';
import { backendOf, dispose, fromBuffer } from '../engine.js';
import { DTypeError, ShapeError } from '../errors.js';
import type { DimSizes, LiteralShape, NamesOf, NestedArray, Shape } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { type Names, spec } from './util.js';

/** What each dtype holds, for the message about a value it cannot. */
const HOLDS: Record<DType, string> = {
  float32: `float32 holds NaN, ±Infinity and magnitudes up to ${2 ** 128 - 2 ** 104}`,
  float64: 'float64 holds every number',
  int32: `int32 holds whole numbers from ${-(2 ** 31)} to ${2 ** 31 - 1}`,
  bool: 'bool holds true, false, 0 and 1',
};

/**
 * Whether `value` is stored as `dtype` without being changed into another value: whole numbers in range for
 * int32, 0 and 1 for bool, and for float32 anything but a finite number that would round to ±Infinity.
 * (Rounding to the nearest float32 is what float32 means, so it is no change in this sense.)
 */
function fitsDType(value: number, dtype: DType): boolean {
  switch (dtype) {
    case 'bool':
      return value === 0 || value === 1;
    case 'int32':
      return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;
    case 'float32':
      return !Number.isFinite(value) || Number.isFinite(Math.fround(value));
    case 'float64':
      return true;
  }
}

/** Why `value` cannot be stored as `dtype` (e.g. `1.5 is not an int32 (int32 holds whole numbers from ...)`). */
function unfitReason(value: unknown, dtype: DType): string {
  return `${String(value)} is not ${dtype === 'int32' ? 'an' : 'a'} ${dtype} (${HOLDS[dtype]})`;
}

/** Throws a DTypeError naming `op` unless `value` fits `dtype`: a fill value is never silently changed. */
function checkFits(op: string, value: number, dtype: DType): void {
  if (!fitsDType(value, dtype)) throw new DTypeError(op, unfitReason(value, dtype));
}

/** Options for ops that create a shape which may contain names: their sizes come from `dims`. */
export type CreateOptions<S extends Shape, D extends DType> = [NamesOf<S>] extends [never]
  ? [opts?: { readonly dtype?: D; readonly dims?: Readonly<Record<string, number>> }]
  : [opts: { readonly dtype?: D; readonly dims: DimSizes<S> }];

/** Sizes for a shape with names, looked up in `dims`. */
export function resolveShape(
  op: string,
  shape: Shape,
  dims?: Readonly<Record<string, number>>,
): { sizes: number[]; names: Names } {
  const sizes = shape.map((d, i) => {
    // Own properties only: a dim named `constructor` must not find Object's.
    const size = typeof d !== 'string' ? d : dims !== undefined && Object.hasOwn(dims, d) ? dims[d] : undefined;
    if (size === undefined) throw new ShapeError(op, `no size given for dim '${d}' (axis ${i}); pass it in dims`);
    if (!Number.isInteger(size) || size < 0)
      throw new ShapeError(
        op,
        `size of ${typeof d === 'string' ? `'${d}'` : `axis ${i}`} must be a non-negative integer, got ${size}`,
      );
    return size;
  });
  return { sizes, names: shape.map((d) => (typeof d === 'string' ? d : undefined)) };
}

function upload(backend: Backend, data: TypedArray, dtype: DType, shape: readonly number[], names: Names): AnyTensor {
  return fromBuffer(backend, backend.upload(data, dtype), spec(shape, dtype, names));
}

/** A 0-d tensor holding `value`, on `like`'s backend (or the current one). */
export function scalar<D extends DType = 'float32'>(value: number, dtype?: D, like?: AnyTensor): Tensor<[], D> {
  const dt = (dtype ?? 'float32') as D;
  checkFits('scalar', value, dt);
  const data = allocArray(dt, 1);
  data[0] = value;
  return upload(backendOf('scalar', like ? [like] : []), data, dt, [], []) as Tensor<[], D>;
}

/** A tensor of `shape` with every element `value` (float32 unless `dtype` says otherwise); names in the shape take their sizes from `dims`. */
export function full<const S extends Shape, D extends DType = 'float32'>(
  shape: S,
  value: number,
  ...[opts]: CreateOptions<S, D>
): Tensor<S, D> {
  const dtype = (opts?.dtype ?? 'float32') as D;
  checkFits('full', value, dtype);
  const { sizes, names } = resolveShape('full', shape, opts?.dims as Record<string, number> | undefined);
  const backend = backendOf('full', []);
  return fromBuffer(backend, backend.fill(sizeOf(sizes), dtype, value), spec(sizes, dtype, names)) as Tensor<S, D>;
}

/** A tensor of `shape` filled with 0 (float32 unless `dtype` says otherwise), as `full(shape, 0)`. */
export function zeros<const S extends Shape, D extends DType = 'float32'>(
  shape: S,
  ...opts: CreateOptions<S, D>
): Tensor<S, D> {
  return full(shape, 0, ...opts);
}

/** A tensor of `shape` filled with 1 (float32 unless `dtype` says otherwise), as `full(shape, 1)`. */
export function ones<const S extends Shape, D extends DType = 'float32'>(
  shape: S,
  ...opts: CreateOptions<S, D>
): Tensor<S, D> {
  return full(shape, 1, ...opts);
}

/** A tensor of `like`'s shape (with its names), dtype and backend, filled with `value`. */
export function fullLike<S extends Shape, D extends DType>(like: Tensor<S, D>, value: number): Tensor<S, D> {
  checkFits('fullLike', value, like.dtype);
  const backend = backendOf('fullLike', [like]);
  return fromBuffer(
    backend,
    backend.fill(like.size, like.dtype, value),
    spec(like.view.shape, like.dtype, like.names),
  ) as Tensor<S, D>;
}

/** Zeros of `like`'s shape, names, dtype and backend. */
export function zerosLike<S extends Shape, D extends DType>(like: Tensor<S, D>): Tensor<S, D> {
  return fullLike(like, 0);
}

/** Ones of `like`'s shape, names, dtype and backend. */
export function onesLike<S extends Shape, D extends DType>(like: Tensor<S, D>): Tensor<S, D> {
  return fullLike(like, 1);
}

type LiteralDType<T> = T extends NestedArray<number> ? 'float32' : 'bool';

/**
 * A tensor from a nested array literal, its shape inferred in the type: `tensor([[1, 2], [3, 4]])`
 * is a `Tensor<[2, 2]>`. Numbers become float32 unless `dtype` says otherwise; booleans become bool.
 */
export function tensor<const T extends NestedArray<number> | NestedArray<boolean>>(
  data: T,
): Tensor<LiteralShape<T>, LiteralDType<T>>;
export function tensor<const T extends NestedArray<number> | NestedArray<boolean>, D extends DType>(
  data: T,
  dtype: D,
): Tensor<LiteralShape<T>, D>;
export function tensor(data: NestedArray<number> | NestedArray<boolean>, dtype?: DType): AnyTensor {
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) shape.push(level.length);
  const flat: (number | boolean)[] = [];
  const walk = (x: unknown, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (Array.isArray(x))
        throw new ShapeError('tensor', `ragged literal: ${path} is nested deeper than its siblings`);
      flat.push(x as number | boolean);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[axis])
      throw new ShapeError('tensor', `ragged literal: ${path} should have length ${shape[axis]}`);
    x.forEach((v, i) => {
      walk(v, axis + 1, `${path}[${i}]`);
    });
  };
  walk(data, 0, 'data');
  const dt = dtype ?? (typeof flat[0] === 'boolean' ? 'bool' : 'float32');
  // As fromArray checks data, but throwing: a literal is code, not input. NaN and ±Infinity are allowed.
  const values = validateValues('tensor', flat, dt, true);
  if (E.isLeft(values)) throw values.left;
  return upload(
    backendOf('tensor', []),
    values.right,
    dt,
    shape,
    shape.map(() => undefined),
  );
}

/**
 * Integers `[start, stop)` by `step` (like Python's `range`), int32 unless `dtype` says otherwise.
 * `arange(n)` with a literal n is typed `Tensor<[n], 'int32'>`.
 */
export function arange<N extends number>(stop: N): Tensor<[N], 'int32'>;
export function arange<D extends DType = 'int32'>(
  start: number,
  stop: number,
  step?: number,
  dtype?: D,
): Tensor<[number], D>;
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'int32'): AnyTensor {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0 || !Number.isFinite(step))
    throw new RangeError(`arange: step must be finite and non-zero, got ${step}`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi))
    throw new RangeError(`arange: start and stop must be finite, got ${lo} and ${hi}`);
  if (dtype === 'int32' && ![lo, hi, step].every(Number.isInteger))
    throw new DTypeError('arange', `non-integer arguments (${lo}, ${hi}, ${step}) need a float dtype`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const data = allocArray(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = lo + i * step;
    checkFits('arange', v, dtype);
    data[i] = v;
  }
  return upload(backendOf('arange', []), data, dtype, [n], [undefined]);
}

// ---------------------------------------------------------------------------------------------
// Data from outside: validated, never trusted

/** Options of `fromArray` and `fromArrays`: the dtype (default float32), sizes already known, and whether NaN and ±Infinity pass. */
export interface FromArrayOptions<D extends DType> {
  readonly dtype?: D;
  /** Sizes already bound to names (e.g. from a config); unbound names are inferred from the data. */
  readonly dims?: Readonly<Record<string, number>>;
  /** Accept NaN and ±Infinity in float data (rejected by default: they are almost always corrupt input). */
  readonly allowNonFinite?: boolean;
}

/** What `fromArray` and `fromArrays` take: a flat array in row-major order plus the shape it should have. */
export interface ArraySpec<S extends Shape = Shape> {
  readonly data: ArrayLike<number | boolean>;
  readonly shape: S;
}

/**
 * Binds a shape's names against the number of elements: names already in `dims` must fit, and one
 * unbound name is solved for. Returns the sizes and the names bound so far.
 */
export function bindShape(
  op: string,
  shape: Shape,
  count: number,
  dims: Readonly<Record<string, number>> = {},
): E.Either<ShapeError, { sizes: number[]; dims: Record<string, number> }> {
  // A Map, not an object: a dim named `__proto__` or `constructor` is a name like any other.
  const bound = new Map(Object.entries(dims).filter(([, size]) => size !== undefined));
  const invalid = badSize(shape, bound);
  if (invalid !== undefined) return E.left(new ShapeError(op, invalid));
  const unbound = [...new Set(shape.filter((d): d is string => typeof d === 'string' && !bound.has(d)))];
  if (unbound.length > 1)
    return E.left(
      new ShapeError(
        op,
        `cannot infer both '${unbound.join("' and '")}' from ${count} elements; give their sizes in dims`,
      ),
    );
  const known = shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : (bound.get(d) ?? 1)), 1);
  if (unbound.length === 1) {
    const name = unbound[0];
    const times = shape.filter((d) => d === name).length;
    const size = known === 0 ? Number.NaN : Math.round((count / known) ** (1 / times));
    if (!Number.isInteger(size) || size ** times * known !== count)
      return E.left(
        new ShapeError(op, `${count} elements do not fit shape [${shape.join(', ')}]: no integer size for '${name}'`),
      );
    bound.set(name, size);
  }
  const sizes = shape.map((d) => (typeof d === 'number' ? d : (bound.get(d) as number)));
  const total = sizeOf(sizes);
  if (total !== count)
    return E.left(
      new ShapeError(
        op,
        `${count} elements do not fit shape [${shape.map((d, i) => (typeof d === 'string' ? `${d}=${sizes[i]}` : d)).join(', ')}] (${total} elements)`,
      ),
    );
  // fromEntries, not assignment: a name `__proto__` stays a key.
  return E.right({ sizes, dims: Object.fromEntries(bound) });
}

/** The first size in `shape` (a literal, or a name's size in `bound`) that is not a non-negative integer. */
function badSize(shape: Shape, bound: ReadonlyMap<string, number>): string | undefined {
  for (const [i, d] of shape.entries()) {
    if (typeof d === 'number' && !(Number.isInteger(d) && d >= 0))
      return `shape [${shape.join(', ')}] has an invalid size ${d}`;
    if (typeof d !== 'number' && typeof d !== 'string')
      return `shape [${shape.join(', ')}] has ${String(d)} at axis ${i}, not a size or a name`;
    const size = typeof d === 'string' ? bound.get(d) : undefined;
    if (size !== undefined && !(Number.isInteger(size) && size >= 0))
      return `size of '${d}' must be a non-negative integer, got ${size}`;
  }
  return undefined;
}

/** Why one element of outside data cannot be stored as `dtype`, if it cannot. */
function badElement(x: unknown, dtype: DType, allowNonFinite: boolean): string | undefined {
  if (typeof x !== 'number' && typeof x !== 'boolean') return `${x === null ? 'null' : `a ${typeof x}`}, not a number`;
  const v = Number(x);
  if (isFloat(dtype) && !Number.isFinite(v) && !allowNonFinite)
    return `${v}, not a valid ${dtype} (non-finite; pass allowNonFinite to accept it)`;
  return fitsDType(v, dtype) ? undefined : `${v}, not a valid ${dtype} (${HOLDS[dtype]})`;
}

/** A Left with the out-of-memory RangeError instead of a throw, for ops that promise to return Either. */
function attempt<A>(make: () => A): E.Either<Error, A> {
  try {
    return E.right(make());
  } catch (e) {
    if (e instanceof RangeError) return E.left(e);
    throw e;
  }
}

function validateValues(
  op: string,
  values: ArrayLike<number | boolean>,
  dtype: DType,
  allowNonFinite: boolean,
): E.Either<Error, TypedArray> {
  const made = attempt(() => allocArray(dtype, values.length));
  if (E.isLeft(made)) return made;
  const data = made.right;
  // The common case (finite numbers that fit) is one inlined test per element; only the rest go
  // through badElement, which builds the message. A checkpoint's 27M weights load in a tenth of the time.
  const fits = QUICK_FIT[dtype];
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (typeof x === 'number' && fits(x)) {
      data[i] = x;
      continue;
    }
    const bad = badElement(x, dtype, allowNonFinite);
    if (bad !== undefined) return E.left(new DTypeError(op, `element ${i} is ${bad}`));
    data[i] = Number(x);
  }
  return E.right(data);
}

/** Finite numbers each dtype holds unchanged (a sufficient test; badElement decides the rest). */
const QUICK_FIT: Readonly<Record<DType, (x: number) => boolean>> = {
  // 3.4028234663852886e38 is the largest float32; up to half an ulp above it still rounds to it, so
  // this is stricter than fitsDType, never looser.
  float32: (x) => x <= 3.4028234663852886e38 && x >= -3.4028234663852886e38,
  float64: (x) => x - x === 0,
  int32: (x) => (x | 0) === x,
  bool: (x) => x === 0 || x === 1,
};

/**
 * A tensor from a flat array and the shape it should have, e.g. `fromArray(cells, ['B', 81])`.
 * Names take their size from `dims` or, for one unbound name, from the data length. Invalid input
 * (wrong length, non-integers for int32, NaN/Infinity) is a Left with the reason; nothing throws.
 */
export function fromArray<const S extends Shape, D extends DType = 'float32'>(
  data: ArrayLike<number | boolean>,
  shape: S,
  opts: FromArrayOptions<D> = {},
): E.Either<Error, Tensor<S, D>> {
  return E.map(({ tensors }: { tensors: { x: Tensor<S, D> } }) => tensors.x)(fromArrays({ x: { data, shape } }, opts));
}

/**
 * Several tensors whose shapes share names, bound consistently: `fromArrays({ inputs: {data, shape: ['B', 81]},
 * labels: {data, shape: ['B', 81]} })` fails unless both agree on B. Returns the tensors and the bound sizes.
 */
export function fromArrays<const T extends Record<string, ArraySpec>, D extends DType = 'float32'>(
  specs: T,
  opts: FromArrayOptions<D> = {},
): E.Either<Error, { tensors: { [K in keyof T]: Tensor<T[K]['shape'], D> }; dims: Record<string, number> }> {
  const dtype = (opts.dtype ?? 'float32') as D;
  let dims: Record<string, number> = { ...opts.dims };
  const checked: [string, number[], TypedArray][] = [];
  for (const [key, s] of Object.entries(specs)) {
    const op = `fromArray(${key})`;
    const bound = bindShape(op, s.shape, s.data.length, dims);
    if (E.isLeft(bound)) return bound;
    dims = bound.right.dims;
    const values = validateValues(op, s.data, dtype, opts.allowNonFinite ?? false);
    if (E.isLeft(values)) return values;
    checked.push([key, bound.right.sizes, values.right]);
  }
  const backend = backendOf('fromArray', []);
  const tensors: Record<string, AnyTensor> = {};
  for (const [key, sizes, data] of checked) {
    const names = specs[key].shape.map((d) => (typeof d === 'string' ? d : undefined));
    // The backend may not have room: all or nothing, and a Left rather than a throw.
    const made = attempt(() => upload(backend, data, dtype, sizes, names));
    if (E.isLeft(made)) {
      dispose(Object.values(tensors));
      return made;
    }
    tensors[key] = made.right;
  }
  return E.right({ tensors: tensors as { [K in keyof T]: Tensor<T[K]['shape'], D> }, dims });
}
