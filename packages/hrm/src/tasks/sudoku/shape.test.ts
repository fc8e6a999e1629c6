import { describe, expect, it } from 'vitest';
import { boxOf, checkShape, SUDOKU_4, SUDOKU_6, SUDOKU_9, unitTables } from './shape.js';

describe('sudoku shapes', () => {
  it.each([
    [SUDOKU_4, 7],
    [SUDOKU_6, 12],
    [SUDOKU_9, 20],
  ])('builds 3n units covering each cell three times (size %#)', (shape, peerCount) => {
    const n = shape.size;
    const { units, peers } = unitTables(shape);
    expect(units).toHaveLength(3 * n);
    const hits = new Array<number>(n * n).fill(0);
    for (const u of units) {
      expect(u).toHaveLength(n);
      for (const c of u) hits[c]++;
    }
    expect(hits.every((h) => h === 3)).toBe(true);
    for (const p of peers) expect(p).toHaveLength(peerCount);
  });

  it('numbers 6x6 boxes as 3 bands of 2 rows by 2 stacks of 3 columns', () => {
    expect(boxOf(SUDOKU_6, 0, 0)).toBe(0);
    expect(boxOf(SUDOKU_6, 1, 2)).toBe(0);
    expect(boxOf(SUDOKU_6, 1, 3)).toBe(1);
    expect(boxOf(SUDOKU_6, 2, 0)).toBe(2);
    expect(boxOf(SUDOKU_6, 5, 5)).toBe(5);
  });

  it('rejects shapes whose boxes do not tile the grid', () => {
    expect(checkShape(SUDOKU_9)).toBeUndefined();
    expect(checkShape({ size: 6, boxRows: 2, boxCols: 2 })).toBe('2x2 boxes do not tile a 6x6 grid');
    expect(checkShape({ size: 16, boxRows: 4, boxCols: 4 })).toBe('sizes above 9 are not supported, got 16');
    expect(checkShape({ size: 0, boxRows: 0, boxCols: 0 })).toMatch(/positive integers/);
  });
});
