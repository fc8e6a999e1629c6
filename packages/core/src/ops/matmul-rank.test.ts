/**
 * The run time refuses what the types refuse (see matmul.test-d.ts, permute.test-d.ts and
 * softmax.test-d.ts): inner dims of 1 do not broadcast, operands need rank >= 2, and an axis out of
 * range is named with its op.
 */
import { logSoftmax, logsumexp, matmul, ShapeError, softmax, transpose, zeros } from '@hrm/core';
import { describe, expect, it } from 'vitest';

describe('matmul: inner dims and ranks at run time', () => {
  it('does not broadcast an inner dim of 1', () => {
    expect(() => matmul(zeros([2, 1]), zeros([3, 4]) as never)).toThrow(ShapeError);
    expect(() => matmul(zeros([2, 1]), zeros([3, 4]) as never)).toThrow(
      'matmul: inner dims differ: [2, 1] @ [3, 4] has K=1 vs K=3',
    );
    expect(() => matmul(zeros([2, 3]), zeros([1, 4]) as never)).toThrow('has K=3 vs K=1');
    expect(() => matmul(zeros([5, 2, 1]), zeros([5, 3, 4]) as never)).toThrow('has K=1 vs K=3');
  });

  it('still multiplies when the inner dims are both 1', () => {
    expect(matmul(zeros([2, 1]), zeros([1, 4])).shape).toEqual([2, 4]);
  });

  it('refuses rank-1 operands on either side', () => {
    expect(() => matmul(zeros([3]) as never, zeros([3, 4]))).toThrow(ShapeError);
    expect(() => matmul(zeros([3]) as never, zeros([3, 4]))).toThrow(/operands need rank >= 2/);
    expect(() => matmul(zeros([2, 3]), zeros([3]) as never)).toThrow(/operands need rank >= 2/);
  });
});

describe('axes out of range at run time', () => {
  it('transpose names itself, the axis and the rank', () => {
    expect(() => transpose(zeros([2, 3, 4]), 3 as never)).toThrow(ShapeError);
    expect(() => transpose(zeros([2, 3, 4]), 3 as never)).toThrow('transpose: axis 3 is out of range for rank 3');
    expect(transpose(zeros([2, 3, 4]), -3, -2).shape).toEqual([3, 2, 4]);
  });

  it('softmax, logSoftmax and logsumexp name themselves', () => {
    expect(() => softmax(zeros([3, 4]), 2 as never)).toThrow('softmax: axis 2 is out of range for rank 2');
    expect(() => logSoftmax(zeros([3, 4]), 2 as never)).toThrow('logSoftmax: axis 2 is out of range for rank 2');
    expect(() => logsumexp(zeros([3, 4]), 2 as never)).toThrow('logsumexp: axis 2 is out of range for rank 2');
  });
});
