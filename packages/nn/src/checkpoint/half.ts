/**
 * 16-bit floats to float32 bit patterns. Every binary16 and bfloat16 value is exactly representable in
 * float32, so working on bits (not arithmetic) keeps everything, including -0 and NaN sign and payload.
 */

/** The float32 bits of an IEEE binary16 value (1 sign, 5 exponent, 10 fraction bits). */
export function f16ToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let frac = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (frac << 13)) >>> 0; // inf, NaN
  if (exp !== 0) return (sign | ((exp - 15 + 127) << 23) | (frac << 13)) >>> 0;
  if (frac === 0) return sign >>> 0; // ±0
  // Subnormal (frac × 2^-24): normal in float32, so shift the leading 1 into the implicit bit.
  let e = -14;
  while ((frac & 0x400) === 0) {
    frac <<= 1;
    e--;
  }
  return (sign | ((e + 127) << 23) | ((frac & 0x3ff) << 13)) >>> 0;
}

/** The float32 bits of a bfloat16 value: bfloat16 is the top half of a float32. */
export function bf16ToF32Bits(h: number): number {
  return (h << 16) >>> 0;
}
