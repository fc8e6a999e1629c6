/**
 * The floating-point element types of an HRM state dict (float32 weights, bfloat16 initial states, float16
 * where someone converted a model), read into float32 and written from it. Every bfloat16 and float16
 * value is exact in float32, so reading loses nothing; writing bfloat16 rounds to the nearest even value.
 */

/** Element types this code reads and writes, named as in safetensors. */
export type FloatDType = 'F32' | 'BF16' | 'F16';

export const ELEMENT_BYTES: Readonly<Record<FloatDType, number>> = { F32: 4, BF16: 2, F16: 2 };

/** The float32 value of an IEEE binary16 bit pattern. */
function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0x1f) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** `bytes` (a whole number of elements of `dtype`) as float32 values. */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDType, littleEndian = true): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / ELEMENT_BYTES[dtype];
  const out = new Float32Array(n);
  if (dtype === 'F32') for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, littleEndian);
  else if (dtype === 'F16') for (let i = 0; i < n; i++) out[i] = f16ToF32(view.getUint16(2 * i, littleEndian));
  else {
    // bfloat16 is the upper half of a float32.
    const bits = new Uint32Array(n);
    for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, littleEndian) << 16;
    out.set(new Float32Array(bits.buffer));
  }
  return out;
}

/** The bfloat16 bits nearest to each float32 value (ties to even; NaN stays a quiet NaN). */
export function toBf16Bits(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) out[i] = (b >>> 16) | 0x40;
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Float32 values as little-endian bytes of `dtype` (F32 or BF16). */
export function encodeFloats(values: Float32Array, dtype: 'F32' | 'BF16'): Uint8Array {
  if (dtype === 'BF16') return new Uint8Array(toBf16Bits(values).buffer);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}

/** Float32 values rounded to bfloat16 and back: what a BF16 tensor written from them reads as. */
export function roundToBf16(values: Float32Array): Float32Array {
  return decodeFloats(encodeFloats(values, 'BF16'), 'BF16');
}
