import { oneHot, scatterAdd, slice, take, takeAlongAxis, tensor, zeros } from '@hrm/core';
import { checkOp } from '@hrm/testing/opcheck';
import { at, build, take as refTake } from '@hrm/testing/ref';
import { describe, expect, it } from 'vitest';

checkOp('take', [
  {
    name: 'embedding lookup: [10, 4] rows by [2, 3] tokens',
    inputs: [{ shape: [10, 4] }, { shape: [2, 3], dtype: 'int32', range: [0, 10] }],
    run: (x, i) => take(x, i, 0),
    reference: (x, i) => refTake(x, i, 0),
  },
  {
    name: 'axis -1 with negative and repeated indices',
    inputs: [{ shape: [3, 5] }, { shape: [6], dtype: 'int32', values: [0, -1, 2, 2, -5, 4] }],
    run: (x, i) => take(x, i, -1),
    reference: (x, i) => refTake(x, i, 1),
  },
  {
    name: 'middle axis, scalar index',
    inputs: [{ shape: [2, 3, 4] }, { shape: [], dtype: 'int32', values: [1] }],
    run: (x, i) => take(x, i, 1),
    reference: (x, i) => refTake(x, i, 1),
  },
]);

checkOp('takeAlongAxis', [
  {
    name: 'pick one label per row',
    inputs: [{ shape: [4, 7] }, { shape: [4, 1], dtype: 'int32', range: [0, 7] }],
    run: (x, i) => takeAlongAxis(x, i, -1),
    reference: (x, i) => build([4, 1], ([r]) => at(x, [r, at(i, [r, 0])])),
  },
  {
    name: 'axis 0, broadcast indices, negatives',
    inputs: [{ shape: [3, 2, 4] }, { shape: [2, 1, 4], dtype: 'int32', range: [-3, 3] }],
    run: (x, i) => takeAlongAxis(x, i, 0),
    reference: (x, i) =>
      build([2, 2, 4], ([a, b, c]) => {
        const k = at(i, [a, 0, c]);
        return at(x, [k < 0 ? k + 3 : k, b, c]);
      }),
  },
]);

checkOp('scatterAdd', [
  {
    name: 'rows with repeated indices accumulate',
    inputs: [{ shape: [5, 3] }, { shape: [5], dtype: 'int32', values: [1, 3, 1, 0, 3] }],
    run: (u, i) => scatterAdd(u, i, 0, [4, 3]),
    reference: (u, i) =>
      build([4, 3], ([r, c]) => {
        let s = 0;
        for (let j = 0; j < 5; j++) if (at(i, [j]) === r) s += at(u, [j, c]);
        return s;
      }),
  },
  {
    // An embedding gradient's layout: the updates a slice of the positions (rows dense, not the whole).
    name: 'middle axis, [2, 3] indices with negatives, updates a slice of a wider tensor',
    inputs: [{ shape: [2, 2, 4, 3] }, { shape: [2, 3], dtype: 'int32', values: [0, -1, 3, 1, -4, 2] }],
    run: (u, i) => scatterAdd(slice(u, 2, 1), i, 1, [2, 4, 3]),
    reference: (u, i) =>
      build([2, 4, 3], ([o, r, c]) => {
        let s = 0;
        for (let a = 0; a < 2; a++)
          for (let b = 0; b < 3; b++) if ((at(i, [a, b]) + 4) % 4 === r) s += at(u, [o, a, b + 1, c]);
        return s;
      }),
  },
]);

checkOp('oneHot', [
  {
    name: 'labels [2, 3] into depth 4, -100 and 4 give zero rows',
    inputs: [{ shape: [2, 3], dtype: 'int32', values: [0, 3, -100, 1, 4, 2] }],
    run: (l) => oneHot(l, 4),
    reference: (l) => build([2, 3, 4], ([a, b, k]) => +(at(l, [a, b]) === k)),
  },
]);

describe('gather: bad indices are errors, not reads elsewhere', () => {
  it('take rejects out-of-range indices and non-int32 indices', () => {
    const x = zeros([3, 2]);
    expect(() => take(x, tensor([0, 3], 'int32'), 0)).toThrow(
      /index 3 at position 1 is out of range for an axis of size 3/,
    );
    expect(() => take(x, tensor([0, 1]) as never, 0)).toThrow(/indices must be int32/);
  });

  it('takeAlongAxis rejects an index that would land in a neighbouring row', () => {
    const x = zeros([2, 3]);
    expect(() => takeAlongAxis(x, tensor([[3], [0]], 'int32'), -1)).toThrow(
      /index 3 at position 0 is out of range for axis -1 of size 3/,
    );
  });

  it('scatterAdd checks the updates against indices and target shape', () => {
    expect(() => scatterAdd(zeros([2, 3]), tensor([0, 1, 1], 'int32'), 0, [4, 3])).toThrow(/do not fit/);
  });
});
