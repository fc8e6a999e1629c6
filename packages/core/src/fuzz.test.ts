/**
 * Property-based fuzzing of `fromArray` and `fromArrays`, the doors for data from outside: random data,
 * shapes, dims and dtypes give either a Right whose tensors hold exactly the data, in the shape and with
 * the names asked for, or a Left with the reason. Never a throw. Seeded and bounded, so a failure replays
 * and the suite stays fast.
 */
import { type AnyTensor, type DType, dispose, fromArray, fromArrays, type Shape } from '@hrm/core';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

const runs = (numRuns: number) => ({ seed: 20261206, numRuns });

const dtype = fc.constantFrom<DType>('float32', 'float64', 'int32', 'bool');
const names = ['B', 'T', '__proto__', 'constructor'];
const name = fc.constantFrom(...names);
/** Sizes, with some that no dim may have. */
const size = fc.oneof({ weight: 6, arbitrary: fc.nat(4) }, fc.constantFrom(-1, 1.5, Number.NaN, 2 ** 40));
const element = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.boolean(),
  fc.double(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 31 - 1, 3.5e38, 1e39, -0),
);
const options = fc.record(
  {
    dtype,
    dims: fc.dictionary(name, size, { maxKeys: 3 }),
    allowNonFinite: fc.boolean(),
  },
  { requiredKeys: [] },
);

/** A spec that fits by construction: every dim a valid size, the data as long as the shape needs, in range. */
const fitting = fc
  .record({
    dtype,
    shape: fc.array(fc.oneof(fc.nat(3), name), { maxLength: 4 }),
    sizes: fc.record(Object.fromEntries(names.map((n) => [n, fc.nat(3)]))),
  })
  .chain(({ dtype, shape, sizes }) => {
    const count = shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : sizes[d]), 1);
    const value = {
      float32: fc.float({ noDefaultInfinity: true, noNaN: true }),
      float64: fc.double({ noDefaultInfinity: true, noNaN: true }),
      int32: fc.integer(),
      bool: fc.constantFrom(0, 1, true, false),
    }[dtype];
    return fc.record({
      dtype: fc.constant(dtype),
      shape: fc.constant(shape),
      dims: fc.constant(sizes),
      data: fc.array(value as fc.Arbitrary<number | boolean>, { minLength: count, maxLength: count }),
    });
  });

/** What element `v` reads back as once stored as `dtype`. */
function stored(v: number | boolean, dt: DType): number {
  const n = Number(v);
  return dt === 'float32' ? Math.fround(n) : dt === 'float64' ? n : n | 0; // -0 is 0 in int32 and bool
}

/** Whether `dt` holds `v` unchanged (bar float rounding), written apart from the code under test. */
function holds(v: number | boolean, dt: DType, allowNonFinite: boolean): boolean {
  const n = Number(v);
  if (!Number.isFinite(n)) return allowNonFinite && (dt === 'float32' || dt === 'float64');
  if (dt === 'float32') return Math.abs(n) <= 3.4028234663852886e38 || Number.isFinite(Math.fround(n));
  if (dt === 'int32') return n === Math.trunc(n) && n >= -2147483648 && n <= 2147483647;
  return dt === 'float64' || n === 0 || n === 1;
}

/** Checks a Right against what was asked for, then frees it; checks a Left has a reason. */
function check(
  made: E.Either<Error, AnyTensor>,
  data: readonly (number | boolean)[],
  shape: Shape,
  opts: { dtype?: DType; dims?: Record<string, number>; allowNonFinite?: boolean },
): void {
  if (E.isLeft(made)) {
    expect(made.left).toBeInstanceOf(Error);
    expect(made.left.message).toMatch(/^fromArray\(x\): ./);
    return;
  }
  const x = made.right;
  const dt = opts.dtype ?? 'float32';
  expect(x.dtype).toBe(dt);
  expect(x.size).toBe(data.length);
  expect(x.shape.length).toBe(shape.length);
  for (const d of x.shape) expect(Number.isInteger(d) && d >= 0).toBe(true);
  for (const v of data) expect(holds(v, dt, opts.allowNonFinite ?? false)).toBe(true);
  shape.forEach((d, i) => {
    if (typeof d === 'number') expect(x.shape[i]).toBe(d);
    else {
      expect(x.names[i]).toBe(d);
      if (opts.dims !== undefined && Object.hasOwn(opts.dims, d)) expect(x.shape[i]).toBe(opts.dims[d]);
    }
  });
  // Object.is-style equality: NaN matches NaN, and -0 stays -0 in floats.
  expect(Array.from(x.data() as ArrayLike<number>)).toEqual(data.map((v) => stored(v, dt)));
  dispose(x);
}

describe('fuzzing fromArray and fromArrays', () => {
  it('random data, shapes, dims and dtypes: a Right that holds the data, or a Left with a reason', () => {
    fc.assert(
      fc.property(
        fc.array(element, { maxLength: 24 }),
        fc.array(fc.oneof(size, name), { maxLength: 4 }),
        options,
        (data, shape, opts) => check(fromArray(data, shape, opts), data, shape, opts),
      ),
      runs(1000),
    );
  });

  it('data that fits its shape, dims and dtype always gives a Right that holds it', () => {
    fc.assert(
      fc.property(fitting, ({ dtype, shape, dims, data }) => {
        const made = fromArray(data, shape, { dtype, dims });
        expect(E.isRight(made) || made.left.message).toBe(true);
        check(made, data, shape, { dtype, dims });
      }),
      runs(500),
    );
  });

  it('several arrays bind each name to one size, or give a Left', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(element, { maxLength: 12 }), fc.array(fc.oneof(size, name), { maxLength: 3 })), {
          minLength: 1,
          maxLength: 3,
        }),
        options,
        (arrays, opts) => {
          const specs = Object.fromEntries(arrays.map(([data, shape], i) => [`a${i}`, { data, shape }]));
          const made = fromArrays(specs, opts);
          if (E.isLeft(made)) {
            expect(made.left.message).toMatch(/^fromArray\(a\d\): ./);
            return;
          }
          const { tensors, dims } = made.right;
          for (const [key, { data, shape }] of Object.entries(specs)) {
            const x = tensors[key];
            expect(x.size).toBe(data.length);
            shape.forEach((d, i) => {
              if (typeof d === 'string') expect(x.shape[i]).toBe(dims[d]);
            });
          }
          dispose(Object.values(tensors));
        },
      ),
      runs(500),
    );
  });
});
