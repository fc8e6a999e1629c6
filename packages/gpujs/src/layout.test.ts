/** The index arithmetic behind every gpu.js kernel, checked on the host (no GL needed). */

import { contiguousStrides, elementOffsets, sizeOf } from '@hrm/kernels';
import { describe, expect, it } from 'vitest';
import { bucketed, coalesce, indexSource, layoutArgs, layoutParams, padRank, rankBucket } from './layout.js';

/** Evaluates the generated index code in plain JavaScript for flat index `t`. */
function offsetsOf(layout: ReturnType<typeof coalesce>, names: string[], t: number): number[] {
  const rank = layout.shape.length;
  const params = layoutParams('', rank, names);
  const body = `${indexSource('', rank, 'flat', names)}\nreturn [${names.map((n) => `${n}Off`).join(', ')}];`;
  const f = new Function('flat', ...params, body) as (...a: number[]) => number[];
  return f(t, ...layoutArgs(layout));
}

describe('coalescing dims', () => {
  it('merges a contiguous view into one dim and keeps offsets', () => {
    const l = coalesce([2, 3, 4], [{ strides: contiguousStrides([2, 3, 4]), offset: 5 }]);
    expect(l.shape).toEqual([24]);
    expect(l.strides).toEqual([[1]]);
    expect(l.offsets).toEqual([5]);
  });

  it('drops size-1 dims, keeps a transpose apart, merges what every operand walks together', () => {
    const l = coalesce(
      [2, 1, 3, 4],
      [
        { strides: [12, 99, 4, 1], offset: 0 }, // contiguous (the size-1 stride is irrelevant)
        { strides: [1, 0, 8, 2], offset: 1 }, // dims 2 and 3 contiguous with each other, dim 0 apart
      ],
    );
    expect(l.shape).toEqual([2, 12]);
    expect(l.strides).toEqual([
      [12, 1],
      [1, 2],
    ]);
  });

  it('turns a scalar into one dim of size 1', () => {
    expect(coalesce([], [{ strides: [], offset: 3 }])).toEqual({ shape: [1], strides: [[0]], offsets: [3] });
  });

  it('pads to the rank buckets 1, 3, 6, and beyond 6 keeps the rank', () => {
    expect([1, 2, 3, 4, 6, 7].map(rankBucket)).toEqual([1, 3, 3, 6, 6, 7]);
    const l = padRank({ shape: [5], strides: [[2]], offsets: [1] }, 3);
    expect(l).toEqual({ shape: [1, 1, 5], strides: [[0, 0, 2]], offsets: [1] });
  });
});

describe('generated index code', () => {
  it('reproduces every element offset of strided views of rank 0 to 7', () => {
    const cases: { shape: number[]; strides: number[][]; offsets: number[] }[] = [
      { shape: [], strides: [[]], offsets: [4] },
      { shape: [7], strides: [[3]], offsets: [2] },
      { shape: [3, 4], strides: [[1, 3]], offsets: [0] }, // transposed
      {
        shape: [2, 3, 4],
        strides: [
          [0, 4, 1],
          [12, 0, 3],
        ],
        offsets: [1, 2],
      }, // broadcasts
      { shape: [2, 2, 3, 2, 2, 3, 2], strides: [[144, 1, 48, 24, 2, 4, 72]], offsets: [7] },
    ];
    for (const c of cases) {
      const operands = c.strides.map((s, k) => ({ strides: s, offset: c.offsets[k] }));
      const layout = bucketed(c.shape, operands);
      const names = operands.map((_, k) => `x${k}`);
      const want = operands.map((op) => elementOffsets({ shape: c.shape, strides: op.strides, offset: op.offset }));
      for (let t = 0; t < sizeOf(c.shape); t++) expect(offsetsOf(layout, names, t)).toEqual(want.map((w) => w[t]));
    }
  });
});
