import { formatValidationErrors, TensorCodec, tensor, zeros } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

const errors = (u: unknown): string[] => {
  const r = TensorCodec.decode(u);
  if (E.isRight(r)) throw new Error('expected a decoding failure');
  return formatValidationErrors(r.left);
};

describe('TensorCodec', () => {
  it('round-trips values, dtype, shape and names', () => {
    const x = zeros(['B', 2], { dims: { B: 3 }, dtype: 'int32' });
    const json = TensorCodec.encode(x);
    expect(json).toEqual({ dtype: 'int32', shape: [3, 2], data: [0, 0, 0, 0, 0, 0], names: ['B', null] });
    const back = TensorCodec.decode(JSON.parse(JSON.stringify(json)));
    expect(E.isRight(back) && back.right.names).toEqual(['B', undefined]);
    const b = tensor([true, false]);
    const decoded = TensorCodec.decode(TensorCodec.encode(b));
    expect(E.isRight(decoded) && decoded.right.toArray()).toEqual([true, false]);
  });

  it('says what is wrong and where', () => {
    expect(errors({ dtype: 'float16', shape: [2], data: [1, 2] })).toEqual(['dtype: expected DType, got "float16"']);
    expect(errors({ dtype: 'float32', shape: [2, -1], data: [] })).toEqual([
      'shape.1: expected NonNegativeInt, got -1',
    ]);
    expect(errors({ dtype: 'float32', shape: [2, 2], data: [1, 2, 3] })).toEqual([
      '(root): fromArray(x): 3 elements do not fit shape [2, 2] (4 elements)',
    ]);
    expect(errors({ dtype: 'int32', shape: [2], data: [1, 1.5] })[0]).toMatch(/element 1 is 1.5, not a valid int32/);
    expect(errors({ dtype: 'float32', shape: [1], data: [1], names: ['a', 'b'] })).toEqual([
      '(root): names has 2 entries for a rank-1 shape',
    ]);
    expect(errors({ shape: [1], data: [1] })).toEqual(['dtype: expected DType, got undefined']);
  });
});
