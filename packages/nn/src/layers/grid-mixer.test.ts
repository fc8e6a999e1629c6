/** The grid mixer's own properties (its values and gradients are in layers.test.ts): size-free weights, locality, errors. */
import { concat, fromArray, key, normal, slice, type Tensor, zeros } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { block, initBlock } from './block.js';
import { gridMixer, gridSide, initGridMixer } from './grid-mixer.js';

const D = 4;
const params = initGridMixer(key(1), D);

/** x [1, side², D] that is zero except cell (r, c), which holds `v`. */
function oneCell(side: number, r: number, c: number, v: readonly number[]): Tensor<[number, number, number]> {
  const data = new Float32Array(side * side * D);
  data.set(v, (r * side + c) * D);
  const t = fromArray(data, [1, side * side, D]);
  if (E.isLeft(t)) throw t.left;
  return t.right as Tensor<[number, number, number]>;
}

describe('gridMixer', () => {
  it('runs the same weights on grids of any size', () => {
    for (const side of [3, 5, 15]) {
      const y = gridMixer(params, normal(key(side), [2, 1 + side * side, D]), 1);
      expect(y.shape).toEqual([2, 1 + side * side, D]);
    }
  });

  it('is local: one cell reaches its 3x3 neighbourhood and nothing further, the same at any size', () => {
    const v = [0.5, -1, 2, 0.25];
    const small = gridMixer(params, oneCell(5, 2, 2, v), 0).data();
    const large = gridMixer(params, oneCell(9, 4, 6, v), 0).data();
    for (let r = 0; r < 5; r++)
      for (let c = 0; c < 5; c++) {
        const near = Math.abs(r - 2) <= 1 && Math.abs(c - 2) <= 1;
        const here = Array.from(small.slice((r * 5 + c) * D, (r * 5 + c + 1) * D));
        // The same offset from the lit cell in the 9x9 grid: translation equivariance.
        const there = Array.from(large.slice(((r + 2) * 9 + c + 4) * D, ((r + 2) * 9 + c + 5) * D));
        expect(here.some((x) => x !== 0)).toBe(near);
        for (let i = 0; i < D; i++) expect(here[i]).toBeCloseTo(there[i], 6);
      }
  });

  it('gives the prefix positions the mean of the cells, whatever the grid', () => {
    const x = normal(key(7), [1, 1 + 16, D]);
    const y = gridMixer(params, x, 1);
    // Doubling the grid by repeating its cells keeps their mean, so the prefix output stays.
    const cells = slice(x, 1, 1, 17);
    const doubled = concat([slice(x, 1, 0, 1), cells, cells, cells, cells], 1);
    const y8 = gridMixer(params, doubled, 1);
    const a = Array.from(slice(y, 1, 0, 1).data());
    const b = Array.from(slice(y8, 1, 0, 1).data());
    for (let i = 0; i < D; i++) expect(a[i]).toBeCloseTo(b[i], 5);
  });

  it('refuses positions that leave no square grid, naming the sizes', () => {
    expect(() => gridMixer(params, zeros([1, 10, D]), 0)).toThrow(/10 positions less 0 prefix leave 10/);
    expect(() => gridMixer(params, zeros([1, 2, D]), 2)).toThrow(/not a square grid/);
    expect(gridSide(82, 1)).toBe(9);
  });

  it('makes a block: grid weights from a grid config, the block keeps [batch, seq, hidden]', () => {
    const cfg = { hidden: D, heads: 1, expansion: 2, multipleOf: 1, mixer: { grid: { prefix: 1 } } } as const;
    const p = initBlock(key(3), cfg);
    expect('gridMixer' in p).toBe(true);
    if (!('gridMixer' in p)) return;
    expect(p.gridMixer.cells.shape).toEqual([9 * D, D]);
    const x = normal(key(4), [2, 1 + 9, D]);
    expect(block(p, x, cfg).shape).toEqual([2, 10, D]);
    // Seeing grid weights with another mixer's config is an error, not a silent fallback.
    expect(() => block(p, x, { ...cfg, mixer: 'attention' })).toThrow(/grid-mixer weights need/);
  });
});
