import { describe, expect, it } from 'vitest';
import { bf16ToF32Bits, f16ToF32Bits } from './half.js';

const asFloat = (bits: number): number => new Float32Array(new Uint32Array([bits]).buffer)[0];

/** binary16 by its definition, in double arithmetic: an oracle independent of the bit twiddling. */
function f16Reference(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

describe('16-bit floats', () => {
  it('decode every binary16 value exactly (normals, subnormals, ±0, ±inf, NaN)', () => {
    const wrong: string[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const got = asFloat(f16ToF32Bits(h));
      const want = f16Reference(h);
      if (!Object.is(got, want)) wrong.push(`0x${h.toString(16)}: ${got} instead of ${want}`);
    }
    expect(wrong).toEqual([]);
  });

  it('keep NaN sign and payload', () => {
    expect(f16ToF32Bits(0x7e01).toString(16)).toBe('7fc02000');
    expect(f16ToF32Bits(0xfc01).toString(16)).toBe('ff802000');
  });

  it('read bfloat16 as the top half of a float32', () => {
    expect([0x3f80, 0xc040, 0x7f80, 0x8000, 0x0001].map((h) => asFloat(bf16ToF32Bits(h)))).toEqual([
      1,
      -3,
      Number.POSITIVE_INFINITY,
      -0,
      2 ** -133,
    ]);
  });
});
