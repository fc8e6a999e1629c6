/**
 * Element types. `bool` is stored one byte per element (0 or 1).
 * `float64` exists for checking: gradient checks and references run in it; fast and GPU backends may refuse it.
 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Every `DType`, as a runtime list. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The floating-point dtypes: the ones that carry gradients. */
export type FloatDType = 'float32' | 'float64';

/** Any typed array a buffer of one of our dtypes is stored in (bool as `Uint8Array`). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The typed array that holds elements of dtype D. */
export type ArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

/** Whether `dtype` is a floating-point dtype. */
export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

/**
 * The most bytes one buffer may take, on every backend: 4 GiB, the whole address space of a wasm32
 * memory and no more than any JavaScript engine we know of gives one typed array. Sizes come from
 * untrusted input (a config, a file header, a batch size), and a buffer far past this could only end in
 * the engine's own failure or the process being killed once it is filled.
 */
export const MAX_BUFFER_BYTES = 2 ** 32;

/** The error for a buffer that cannot be had: the bytes asked for, and the limit or refusal it ran into. */
export function outOfMemory(who: string, bytes: number, detail: string): RangeError {
  return new RangeError(`${who}: out of memory: ${bytes} bytes asked for, ${detail}`);
}

/**
 * Throws a RangeError naming `who` unless `size` elements of `dtype` could make one buffer: `size` must be a
 * non-negative integer, and the bytes within `MAX_BUFFER_BYTES`. For work that would take long before it
 * allocates (random sampling, say), so that it refuses an impossible size at once.
 */
export function checkBufferSize(who: string, dtype: DType, size: number): void {
  if (!Number.isInteger(size) || size < 0)
    throw new RangeError(`${who}: ${size} is not a number of elements (a non-negative integer)`);
  const bytes = size * itemSize(dtype);
  if (bytes > MAX_BUFFER_BYTES)
    throw outOfMemory(who, bytes, `for ${size} ${dtype} elements: one buffer holds at most ${MAX_BUFFER_BYTES} bytes`);
}

/** A new zero-filled typed array of `size` elements of `dtype`. Throws a RangeError if it cannot be had. */
export function allocArray<D extends DType>(dtype: D, size: number): ArrayFor<D> {
  checkBufferSize('allocArray', dtype, size);
  try {
    return newArray(dtype, size);
  } catch (e) {
    // The engine's own refusal ("Array buffer allocation failed"): the bytes are not there to be had.
    if (e instanceof RangeError)
      throw outOfMemory(
        'allocArray',
        size * itemSize(dtype),
        `for ${size} ${dtype} elements: the runtime refused (${e.message})`,
      );
    throw e;
  }
}

function newArray<D extends DType>(dtype: D, size: number): ArrayFor<D> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size) as ArrayFor<D>;
    case 'float64':
      return new Float64Array(size) as ArrayFor<D>;
    case 'int32':
      return new Int32Array(size) as ArrayFor<D>;
    case 'bool':
      return new Uint8Array(size) as ArrayFor<D>;
  }
  throw new TypeError(`unknown dtype ${String(dtype)}`);
}

/** Bytes per element, as stored. */
export function itemSize(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

/** The dtype whose storage `data` is, if it is one of ours. */
export function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}
