/**
 * Tensor elements to and from safetensors bytes (little-endian, row-major). Typed arrays use the host's
 * byte order, so on a big-endian host bytes are swapped; on little-endian hosts (all we know of) the
 * fast paths are plain copies.
 */
import type { TypedArray } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { type LoadedArray, type ReadableDType, SAFETENSORS_DTYPES, type WritableDType } from './dtypes.js';
import { bf16ToF32Bits, f16ToF32Bits } from './half.js';

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swapEach<T extends Uint8Array>(bytes: T, size: number): T {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  return bytes;
}

/** A tensor's elements as the typed array of its dtype (a backend may hand back another kind). */
function asStored(data: TypedArray, dtype: WritableDType): LoadedArray {
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array ? data : Float32Array.from(data);
    case 'float64':
      return data instanceof Float64Array ? data : Float64Array.from(data);
    case 'int32':
      return data instanceof Int32Array ? data : Int32Array.from(data);
  }
}

/** The elements as little-endian bytes: a view of `data` (no copy) on little-endian hosts. */
export function encodeElements(data: TypedArray, dtype: WritableDType): Uint8Array {
  const arr = asStored(data, dtype);
  const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  return littleEndianHost ? bytes : swapEach(new Uint8Array(bytes), arr.BYTES_PER_ELEMENT);
}

/**
 * A host-order copy of little-endian elements, in a fresh (so aligned, and exactly sized) buffer. Copied
 * with the constructor: a Node Buffer's `slice` is a view into a shared pool, not a copy.
 */
function hostOrder(bytes: Uint8Array, size: number): ArrayBuffer {
  const copy = new Uint8Array(bytes);
  return (littleEndianHost ? copy : swapEach(copy, size)).buffer;
}

function fromHalf(view: DataView, count: number, toBits: (h: number) => number): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) bits[i] = toBits(view.getUint16(2 * i, true));
  return out;
}

/** I64 to int32. A value fits iff its high word is the sign extension of its low word. */
function fromI64(view: DataView, count: number): E.Either<string, Int32Array> {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const lo = view.getInt32(8 * i, true);
    if (view.getInt32(8 * i + 4, true) !== lo >> 31)
      return E.left(`element ${i} is ${view.getBigInt64(8 * i, true)}, outside the int32 range it is read into`);
    out[i] = lo;
  }
  return E.right(out);
}

/** The elements stored in `bytes` (exactly one tensor's bytes) as the typed array they load into. */
export function decodeElements(bytes: Uint8Array, dtype: ReadableDType): E.Either<string, LoadedArray> {
  const count = bytes.length / SAFETENSORS_DTYPES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32':
      return E.right(new Float32Array(hostOrder(bytes, 4)));
    case 'F64':
      return E.right(new Float64Array(hostOrder(bytes, 8)));
    case 'I32':
      return E.right(new Int32Array(hostOrder(bytes, 4)));
    case 'F16':
      return E.right(fromHalf(view, count, f16ToF32Bits));
    case 'BF16':
      return E.right(fromHalf(view, count, bf16ToF32Bits));
    case 'I64':
      return fromI64(view, count);
  }
}
