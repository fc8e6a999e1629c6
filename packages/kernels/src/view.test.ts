import { describe, expect, it } from 'vitest';
import { contiguousStrides, elementOffsets, isContiguous } from './view.js';

describe('strided views', () => {
  it('computes row-major strides and recognises contiguous layouts', () => {
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(isContiguous({ shape: [2, 3], strides: [3, 1] })).toBe(true);
    expect(isContiguous({ shape: [3, 2], strides: [1, 3] })).toBe(false);
    // Size-1 dims may carry any stride.
    expect(isContiguous({ shape: [1, 3], strides: [99, 1] })).toBe(true);
    expect(isContiguous({ shape: [2, 3], strides: [0, 1] })).toBe(false);
  });

  it('lists element offsets for transposed, broadcast and offset views', () => {
    expect(Array.from(elementOffsets({ shape: [2, 3], strides: [1, 2], offset: 0 }))).toEqual([0, 2, 4, 1, 3, 5]);
    expect(Array.from(elementOffsets({ shape: [2, 2], strides: [0, 1], offset: 5 }))).toEqual([5, 6, 5, 6]);
    expect(Array.from(elementOffsets({ shape: [], strides: [], offset: 7 }))).toEqual([7]);
    expect(Array.from(elementOffsets({ shape: [0, 3], strides: [3, 1], offset: 0 }))).toEqual([]);
  });
});
