import {
  arange,
  backend,
  DTypeError,
  fromArray,
  fromArrays,
  full,
  fullLike,
  key,
  normal,
  ones,
  permutation,
  randint,
  ShapeError,
  scalar,
  tensor,
  uniform,
  withBackend,
  zeros,
  zerosLike,
} from '@hrm/core';
import { ReferenceBackend, registeredBackends, WasmBackend } from '@hrm/kernels';
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

  it('refuses a fill value its dtype cannot hold, naming the op, the value and the dtype', () => {
    const int32 = '(int32 holds whole numbers from -2147483648 to 2147483647)';
    expect(() => full([2], 1.5, { dtype: 'int32' })).toThrow(`full: 1.5 is not an int32 ${int32}`);
    expect(() => full([2], 3e9, { dtype: 'int32' })).toThrow(`full: 3000000000 is not an int32 ${int32}`);
    expect(() => full([2], -(2 ** 31) - 1, { dtype: 'int32' })).toThrow(DTypeError);
    expect(() => full([2], Number.NaN, { dtype: 'int32' })).toThrow('full: NaN is not an int32');
    expect(() => full([2], 2, { dtype: 'bool' })).toThrow('full: 2 is not a bool (bool holds true, false, 0 and 1)');
    expect(() => full([2], 1e39)).toThrow(
      /full: 1e\+39 is not a float32 \(float32 holds NaN, ±Infinity and magnitudes/,
    );
    expect(() => scalar(1.5, 'int32')).toThrow('scalar: 1.5 is not an int32');
    expect(() => scalar(2, 'bool')).toThrow('scalar: 2 is not a bool');
    expect(() => scalar(-0.5, 'bool')).toThrow(DTypeError);
    expect(() => fullLike(tensor([1, 2], 'int32'), 0.5)).toThrow('fullLike: 0.5 is not an int32');
    expect(() => fullLike(tensor([true]), 3)).toThrow('fullLike: 3 is not a bool');
    // What fits is kept exactly (on a CPU backend: gpu.js holds int32 as float32 and refuses beyond
    // ±2^24 itself); NaN and ±Infinity are floats.
    withBackend(backend('reference'), () => {
      expect(full([1], 2 ** 31 - 1, { dtype: 'int32' }).toArray()).toEqual([2 ** 31 - 1]);
      expect(full([1], -(2 ** 31), { dtype: 'int32' }).toArray()).toEqual([-(2 ** 31)]);
    });
    expect(scalar(1, 'bool').toArray()).toBe(true);
    expect(scalar(Number.NaN).toArray()).toBeNaN();
    expect(full([1], Number.NEGATIVE_INFINITY).toArray()).toEqual([Number.NEGATIVE_INFINITY]);
    expect(full([1], Number.POSITIVE_INFINITY, { dtype: 'float64' }).toArray()).toEqual([Number.POSITIVE_INFINITY]);
    expect(full([1], 3.4028234663852886e38).toArray()).toEqual([3.4028234663852886e38]);
    expect(ones([1], { dtype: 'bool' }).toArray()).toEqual([true]);
  });

  it('refuses dims whose sizes are not non-negative integers, naming the dim and the size', () => {
    expect(() => zeros(['B', 2], { dims: { B: 1.5 } })).toThrow(
      new ShapeError('full', "size of 'B' must be a non-negative integer, got 1.5"),
    );
    expect(() => zeros(['B', 2], { dims: { B: -2 } })).toThrow("size of 'B' must be a non-negative integer, got -2");
    expect(() => zeros(['B'], { dims: { B: Number.NaN } })).toThrow(ShapeError);
    // A name is looked up among the sizes given, not among the properties every object has.
    expect(() => zeros(['constructor'] as never, { dims: {} } as never)).toThrow(
      "full: no size given for dim 'constructor' (axis 0); pass it in dims",
    );
  });

  it('random samplers refuse a size that could never be had at once, before drawing for it', () => {
    const k = key(0);
    expect(() => uniform(k, [2 ** 33])).toThrow(/^random: out of memory: 68719476736 bytes asked for/);
    expect(() => normal(k, ['B', 81, 512], { dims: { B: 2 ** 20 } })).toThrow(/out of memory: 347892350976 bytes/);
    expect(() => randint(k, [2 ** 31], 0, 9)).toThrow(/out of memory: 17179869184 bytes/);
    expect(() => permutation(k, 2 ** 33)).toThrow(/^permutation: out of memory: 68719476736 bytes asked for/);
    expect(uniform(k, [3]).shape).toEqual([3]);
  });

  it.each(registeredBackends())('says how many bytes a tensor too large for memory needs (%s)', (name) => {
    const backend =
      name === 'reference' ? new ReferenceBackend() : name === 'wasm' ? new WasmBackend({ threads: 1 }) : undefined;
    if (backend === undefined) return;
    withBackend(backend, () => {
      const before = backend.memory();
      expect(() => zeros([2 ** 31])).toThrow(RangeError);
      expect(() => zeros([2 ** 31])).toThrow(/out of memory: 8589934592 bytes asked for/);
      expect(() => zeros(['B', 81, 512], { dims: { B: 2 ** 20 } })).toThrow(/out of memory: 173946175488 bytes/);
      expect(() => ones([2 ** 40, 2 ** 20], { dtype: 'bool' })).toThrow(`out of memory: ${2 ** 60} bytes asked for`);
      expect(backend.memory()).toEqual(before);
    });
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

  it('refuses values its dtype cannot hold, and unbounded ranges', () => {
    expect(() => arange(3e9 - 2, 3e9)).toThrow('arange: 2999999998 is not an int32');
    expect(() => arange(-(2 ** 31) - 1, -(2 ** 31) + 1)).toThrow(DTypeError);
    expect(() => arange(0, 3, 1, 'bool')).toThrow('arange: 2 is not a bool');
    expect(() => arange(0, 1.5, 0.5, 'bool')).toThrow('arange: 0.5 is not a bool');
    expect(arange(0, 2, 1, 'bool').toArray()).toEqual([false, true]);
    withBackend(backend('reference'), () => {
      expect(arange(2 ** 31 - 2, 2 ** 31).toArray()).toEqual([2 ** 31 - 2, 2 ** 31 - 1]);
    });
    expect(() => arange(0, Number.POSITIVE_INFINITY, 1, 'float32')).toThrow(
      'arange: start and stop must be finite, got 0 and Infinity',
    );
  });
});

describe('tensor literals hold only what their dtype can', () => {
  it('refuses values the dtype cannot hold, naming the element, the value and the dtype', () => {
    expect(() => tensor([1, 1.5], 'int32')).toThrow(
      'tensor: element 1 is 1.5, not a valid int32 (int32 holds whole numbers from -2147483648 to 2147483647)',
    );
    expect(() => tensor([3e9], 'int32')).toThrow('tensor: element 0 is 3000000000, not a valid int32');
    expect(() => tensor([[0], [2]], 'bool')).toThrow('tensor: element 1 is 2, not a valid bool');
    expect(() => tensor([1e39])).toThrow(/tensor: element 0 is 1e\+39, not a valid float32/);
    expect(() => tensor(['1'] as never)).toThrow('tensor: element 0 is a string, not a number');
    // NaN and ±Infinity are floats; booleans are 0 and 1.
    expect(tensor([Number.NaN, Number.NEGATIVE_INFINITY]).toArray()).toEqual([Number.NaN, Number.NEGATIVE_INFINITY]);
    expect(tensor([true, false], 'int32').toArray()).toEqual([1, 0]);
    expect(tensor([0, 1], 'bool').toArray()).toEqual([false, true]);
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

  it('keeps the values at the edges of what each dtype holds, past the one-comparison fast path', () => {
    // Above the largest float32 but within half an ulp of it: rounds to it, so it fits.
    const f32max = 3.4028234663852886e38;
    const right = <T>(e: E.Either<Error, T>): T => {
      if (E.isLeft(e)) throw e.left;
      return e.right;
    };
    // On a CPU backend: gpu.js keeps int32 and float64 as float32 and refuses what that cannot hold itself.
    withBackend(backend('reference'), () => {
      expect(right(fromArray([f32max, -f32max, 3.4028235e38], [3])).toArray()).toEqual([f32max, -f32max, f32max]);
      expect(left(fromArray([3.41e38], [1])).message).toMatch(/element 0 is 3\.41e\+38, not a valid float32/);
      expect(right(fromArray([-0, 2 ** 31 - 1, -(2 ** 31)], [3], { dtype: 'int32' })).toArray()).toEqual([
        0,
        2 ** 31 - 1,
        -(2 ** 31),
      ]);
      expect(left(fromArray([-(2 ** 31) - 1], [1], { dtype: 'int32' })).message).toMatch(/not a valid int32/);
      expect(right(fromArray([true, 0, 1], [3], { dtype: 'bool' })).toArray()).toEqual([true, false, true]);
      expect(right(fromArray([1e300, -1e-300], [2], { dtype: 'float64' })).toArray()).toEqual([1e300, -1e-300]);
      expect(left(fromArray([1, Number.POSITIVE_INFINITY], [2], { dtype: 'float64' })).message).toMatch(
        /element 1 is Infinity, not a valid float64 \(non-finite/,
      );
    });
  });

  it('rejects values that would change on the way in, and elements that are not numbers', () => {
    expect(left(fromArray([1e39], [1])).message).toMatch(/element 0 is 1e\+39, not a valid float32 \(float32 holds/);
    expect(left(fromArray([1e39], [1], { allowNonFinite: true })) instanceof DTypeError).toBe(true);
    expect(left(fromArray([1, '2'] as never, [2])).message).toBe('fromArray(x): element 1 is a string, not a number');
    expect(left(fromArray([null] as never, [1])).message).toBe('fromArray(x): element 0 is null, not a number');
  });

  it('refuses dims whose sizes are not non-negative integers, naming the dim and the size', () => {
    expect(left(fromArray([1, 2, 3], ['B', 2], { dims: { B: 1.5 } }))).toEqual(
      new ShapeError('fromArray(x)', "size of 'B' must be a non-negative integer, got 1.5"),
    );
    expect(left(fromArray([1, 2, 3, 4], ['B', 'C'], { dims: { B: -2 } })).message).toBe(
      "fromArray(x): size of 'B' must be a non-negative integer, got -2",
    );
    expect(left(fromArray([1, 2, 3, 4], ['B', 'B'], { dims: { B: -2 } })) instanceof ShapeError).toBe(true);
    expect(left(fromArray([1], ['B'], { dims: { B: '1' as never } })).message).toMatch(/got 1$/);
    expect(left(fromArray([1], [null] as never)).message).toMatch(/has null at axis 0, not a size or a name/);
  });

  it('binds names that are also properties of every object like any other name', () => {
    const x = fromArrays({ a: { data: [1, 2], shape: ['__proto__'] }, b: { data: [3, 4], shape: ['constructor'] } });
    expect(E.isRight(x) && x.right.tensors.a.shape).toEqual([2]);
    expect(E.isRight(x) && Object.entries(x.right.dims)).toEqual([
      ['__proto__', 2],
      ['constructor', 2],
    ]);
  });

  it('returns a Left, not a throw, when the data cannot be given memory', () => {
    const huge = { length: 2 ** 33 } as ArrayLike<number>;
    expect(left(fromArray(huge, ['B'])).message).toMatch(/out of memory: 34359738368 bytes asked for/);
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
