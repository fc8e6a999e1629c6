import {
  type AnyTensor,
  cast,
  concat,
  currentBackend,
  key,
  mul,
  normal,
  slice,
  sum,
  withBackend,
  zeros,
} from '@hrm/core';
import { describe, expect, it } from 'vitest';
import { attention, initAttention } from './attention.js';
import {
  addLearnedPositions,
  applyRope,
  initLearnedPositions,
  REFERENCE_HALF_SQRT2,
  releaseSharedRopeTables,
  ropeTables,
  sharedRopeTables,
} from './rope.js';

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

  it('builds float64 tables from the float64 angles, not float32 ones cast up', () => {
    const { cos, sin } = ropeTables(5, 6, 10000, 'float64');
    expect(cos.dtype).toBe('float64');
    const angle = 3 / 10000 ** (2 / 6);
    expect(cos.toArray()).toMatchObject({ 3: { 1: Math.cos(angle), 4: Math.cos(angle) } });
    expect((sin.toArray() as number[][])[3][1]).toBe(Math.sin(angle));
    // float32 tables are the same angles rounded once.
    expect((ropeTables(5, 6).cos.toArray() as number[][])[3][1]).toBe(Math.fround(Math.cos(angle)));
  });

  it('shares one set of tables per backend, length, theta and dtype, kept out of every scope', () => {
    withBackend('reference', () => {
      const a = sharedRopeTables(7, 4, 10000, 'float32');
      expect(sharedRopeTables(7, 4, 10000, 'float32')).toBe(a);
      expect(sharedRopeTables(7, 4, 10000, 'float64')).not.toBe(a);
      expect(sharedRopeTables(7, 4, 500, 'float32')).not.toBe(a);
      expect(a.cos.released).toBe(false);
      // Released on request (a GPU session that ends), then built anew.
      releaseSharedRopeTables(currentBackend());
      expect(a.cos.released).toBe(true);
      expect(sharedRopeTables(7, 4, 10000, 'float32')).not.toBe(a);
    });
  });

  it('attention given ropeTheta equals attention given the tables, in float32 and float64', () => {
    withBackend('reference', () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const p = initAttention(key(7), 8, { heads: 2 });
        // The layers are typed float32; float64 runs go through dynamic tensors.
        const params: { qkv: AnyTensor; out: AnyTensor } = { qkv: cast(p.qkv, dtype), out: cast(p.out, dtype) };
        const x: AnyTensor = cast(normal(key(8), [2, 5, 8]), dtype);
        const explicit = attention(params, x, { heads: 2, rope: ropeTables(5, 4, 10000, dtype) });
        const shared = attention(params, x, { heads: 2, ropeTheta: 10000 });
        expect(shared.dtype).toBe(dtype);
        expect(Array.from(shared.data())).toEqual(Array.from(explicit.data()));
      }
    });
  });
});

describe('learned positions', () => {
  it("mix as (x + positions) · 0.707106781, the reference implementation's literal", () => {
    withBackend('reference', () => {
      const x: AnyTensor = cast(normal(key(9), [1, 3, 4]), 'float64');
      const p = initLearnedPositions(key(10), 3, 4);
      const table: AnyTensor = cast(p.table, 'float64');
      const y = addLearnedPositions(x, { table }).data();
      const xs = x.data();
      const ts = table.data();
      y.forEach((v, i) => {
        expect(v).toBe((xs[i] + ts[i % 12]) * REFERENCE_HALF_SQRT2);
        expect(REFERENCE_HALF_SQRT2).toBe(Number('0.707106781'));
      });
    });
  });
});
