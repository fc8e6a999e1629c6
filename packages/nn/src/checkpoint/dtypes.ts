/** The safetensors element types, and which of them this library reads and writes. */
import type { DType } from '@hrm/core';

/** Every dtype the safetensors format defines, with its element size in bytes. */
export const SAFETENSORS_DTYPES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;
export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPES;

/**
 * The stored dtypes we read, and the tensor dtype each becomes. Half precision widens to float32 (exactly);
 * I64 narrows to int32, refusing values that do not fit; F64 stays float64 so nothing is lost.
 */
export const READ_AS = {
  F32: 'float32',
  F16: 'float32',
  BF16: 'float32',
  F64: 'float64',
  I32: 'int32',
  I64: 'int32',
} as const satisfies Partial<Record<SafetensorsDType, DType>>;
export type ReadableDType = keyof typeof READ_AS;
export type LoadedDType = (typeof READ_AS)[ReadableDType];
export type LoadedArray = Float32Array | Float64Array | Int32Array;

/** What each writable tensor dtype is stored as. bool is refused: nothing we checkpoint holds masks. */
export const WRITE_AS = { float32: 'F32', float64: 'F64', int32: 'I32' } as const satisfies Partial<
  Record<DType, SafetensorsDType>
>;
export type WritableDType = keyof typeof WRITE_AS;

export function isKnownDType(d: string): d is SafetensorsDType {
  return Object.hasOwn(SAFETENSORS_DTYPES, d);
}

export function isReadable(d: string): d is ReadableDType {
  return Object.hasOwn(READ_AS, d);
}

export function isWritable(d: DType): d is WritableDType {
  return Object.hasOwn(WRITE_AS, d);
}
