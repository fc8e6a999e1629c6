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

/** A new zero-filled typed array of `size` elements of `dtype`. */
export function allocArray<D extends DType>(dtype: D, size: number): ArrayFor<D> {
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
