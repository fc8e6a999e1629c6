import { type AnyTensor, concat, key, mul, normal, slice, sum, zeros } from '@hrm/core';
import { describe, expect, it } from 'vitest';
import { applyRope, ropeTables } from './rope.js';

describe('RoPE', () => {
  it('makes q·k depend only on the distance between positions', () => {
    // One query and one key vector, placed at positions (p, r) and then (p + s, r + s).
    const hd = 8;
    const q = normal(key(1), [1, 1, 1, hd]);
    const k = normal(key(2), [1, 1, 1, hd]);
    const tables = ropeTables(40, hd);
    const at = (x: AnyTensor, pos: number): AnyTensor => {
      // A length-(pos + 1) sequence of zeros with x at its last position, rotated, then that position read back.
      const padded = concat([zeros([1, pos, 1, hd]), x], 1);
      return slice(applyRope(padded, tables), 1, pos);
    };
    const dot = (p: number, r: number) => sum(mul(at(q, p), at(k, r))).item();
    for (const [p, r] of [
      [0, 3],
      [5, 2],
      [7, 7],
    ])
      for (const shift of [1, 4, 20]) expect(dot(p + shift, r + shift)).toBeCloseTo(dot(p, r), 4);
    // And it does depend on the distance.
    expect(Math.abs(dot(0, 3) - dot(0, 5))).toBeGreaterThan(1e-3);
  });

  it('leaves position 0 unchanged and refuses odd head sizes', () => {
    const x = normal(key(4), [2, 1, 3, 6]);
    expect(Array.from(applyRope(x, ropeTables(1, 6)).data())).toEqual(Array.from(x.data()));
    expect(() => ropeTables(4, 5)).toThrow(/headDim must be even/);
  });

  it('uses base theta 10000 for the frequencies, as the reference', () => {
    const { cos } = ropeTables(3, 4);
    const row2 = (cos.toArray() as number[][])[2];
    const expected = [Math.cos(2), Math.cos(2 / 100), Math.cos(2), Math.cos(2 / 100)];
    row2.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i], 6);
    });
  });
});
