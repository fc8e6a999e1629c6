import { arange, DTypeError, fromArray, fromArrays, full, ones, ShapeError, tensor, zeros, zerosLike } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

const left = <L, R>(e: E.Either<L, R>): L => {
  if (E.isRight(e)) throw new Error('expected a Left');
  return e.left;
};

describe('tensor literals', () => {
  it('infers shape and dtype', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe('float32');
    expect(x.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor(3).shape).toEqual([]);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor([1, 2], 'int32').dtype).toBe('int32');
    expect(tensor([]).shape).toEqual([0]);
  });

  it('rejects ragged literals with the path of the bad row', () => {
    expect(() => tensor([[1, 2], [3]] as never)).toThrow('tensor: ragged literal: data[1] should have length 2');
  });
});

describe('filled tensors', () => {
  it('takes named sizes from dims and keeps the names', () => {
    const x = zeros(['B', 81], { dims: { B: 4 } });
    expect(x.shape).toEqual([4, 81]);
    expect(x.names).toEqual(['B', undefined]);
    expect(full([2], 7, { dtype: 'int32' }).toArray()).toEqual([7, 7]);
    expect(ones([2, 2]).toArray()).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(zerosLike(x).names).toEqual(['B', undefined]);
  });

  it('says which name has no size', () => {
    expect(() => zeros(['B', 'T'] as never, { dims: { B: 2 } } as never)).toThrow(
      "full: no size given for dim 'T' (axis 1); pass it in dims",
    );
    expect(() => zeros([2.5] as never)).toThrow(/must be a non-negative integer/);
  });
});

describe('arange', () => {
  it('follows range() semantics', () => {
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(2, 9, 3).toArray()).toEqual([2, 5, 8]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(arange(0, 1, 0.25, 'float32').toArray()).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it('refuses non-integers for int32 and a zero step', () => {
    expect(() => arange(0, 1, 0.5)).toThrow(DTypeError);
    expect(() => arange(0, 1, 0)).toThrow(/step must be finite and non-zero/);
  });
});

describe('fromArray: data from outside is validated, never trusted', () => {
  it('binds an unbound name from the data length', () => {
    const x = fromArray(new Float32Array(4 * 81), ['B', 81]);
    expect(E.isRight(x) && x.right.shape).toEqual([4, 81]);
  });

  it('checks bound names and element counts', () => {
    expect(left(fromArray([1, 2, 3], ['B', 2], { dims: { B: 2 } })).message).toBe(
      'fromArray(x): 3 elements do not fit shape [B=2, 2] (4 elements)',
    );
    expect(left(fromArray([1, 2, 3], ['B', 2])).message).toBe(
      "fromArray(x): 3 elements do not fit shape [B, 2]: no integer size for 'B'",
    );
    expect(left(fromArray([1, 2, 3, 4], ['B', 'T'])).message).toMatch(/cannot infer both 'B' and 'T'/);
    expect(left(fromArray([1, 2, 3, 4], ['B', 'T'])) instanceof ShapeError).toBe(true);
  });

  it('rejects NaN and Infinity unless asked, and values a dtype cannot hold', () => {
    expect(left(fromArray([1, Number.NaN], [2])).message).toMatch(/element 1 is NaN, not a valid float32/);
    expect(E.isRight(fromArray([1, Number.NaN], [2], { allowNonFinite: true }))).toBe(true);
    expect(left(fromArray([1, 2.5], [2], { dtype: 'int32' })).message).toMatch(/element 1 is 2.5, not a valid int32/);
    expect(left(fromArray([1, 2 ** 31], [2], { dtype: 'int32' })).message).toMatch(/not a valid int32/);
    expect(left(fromArray([0, 2], [2], { dtype: 'bool' })).message).toMatch(/element 1 is 2, not a valid bool/);
  });

  it('binds names consistently across several arrays', () => {
    const ok = fromArrays(
      {
        inputs: { data: new Array(2 * 81).fill(0), shape: ['B', 81] },
        labels: { data: new Array(2 * 81).fill(1), shape: ['B', 81] },
      },
      { dtype: 'int32' },
    );
    expect(E.isRight(ok) && ok.right.dims).toEqual({ B: 2 });
    const bad = fromArrays({
      inputs: { data: new Array(2 * 81).fill(0), shape: ['B', 81] },
      labels: { data: new Array(3 * 81).fill(1), shape: ['B', 81] },
    });
    expect(left(bad).message).toBe('fromArray(labels): 243 elements do not fit shape [B=2, 81] (162 elements)');
  });
});
