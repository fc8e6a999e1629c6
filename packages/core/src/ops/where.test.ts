import {
  type AnyTensor,
  cast,
  DTypeError,
  eq,
  ge,
  gt,
  le,
  logicalAnd,
  logicalOr,
  lt,
  ne,
  tensor,
  where,
} from '@hrm/core';
import { checkOp, type OpCase } from '@hrm/testing/opcheck';
import { map, zip } from '@hrm/testing/ref';
import { describe, expect, it } from 'vitest';

type Compare = (x: AnyTensor, y: AnyTensor | number) => AnyTensor;

/** Each comparison: its name, the op, and its value on two numbers. */
const COMPARISONS: readonly (readonly [string, Compare, (a: number, b: number) => number])[] = [
  ['eq', eq as Compare, (a, b) => +(a === b)],
  ['ne', ne as Compare, (a, b) => +(a !== b)],
  ['lt', lt as Compare, (a, b) => +(a < b)],
  ['le', le as Compare, (a, b) => +(a <= b)],
  ['gt', gt as Compare, (a, b) => +(a > b)],
  ['ge', ge as Compare, (a, b) => +(a >= b)],
];

const compareCases = COMPARISONS.map(
  ([name, op, f]): OpCase => ({
    // Small integers so that equal values actually occur.
    name: `${name} int32 [3, 4] with [4]`,
    inputs: [
      { shape: [3, 4], dtype: 'int32', range: [0, 3] },
      { shape: [4], dtype: 'int32', range: [0, 3] },
    ],
    run: (a, b) => op(a, b),
    reference: (a, b) => zip(f, a, b),
  }),
);
checkOp('comparisons', compareCases);

// float64 (stablemax's branch test runs in float64): an odd length, so that the two-lane kernels end on
// one element; ties from a few repeated values; a number on one side, as the loss compares with 0.
checkOp(
  'float64 comparisons',
  COMPARISONS.flatMap(([name, compare, f]): OpCase[] => [
    {
      name: `${name} float64 [3, 5] with [5]`,
      inputs: [
        { shape: [3, 5], dtype: 'float64', values: [0, 1, -1, 2, 0.5, 1, 1, 0, -2, 0.5, 2, -1, 0, 1, 3] },
        { shape: [5], dtype: 'float64', values: [0, 1, 0, 2, -1] },
      ],
      run: (a, b) => compare(a, b),
      reference: (a, b) => zip(f, a, b),
      grad: false, // bool output: no gradient
    },
    {
      name: `${name} float64 [7] with 0`,
      inputs: [{ shape: [7], dtype: 'float64', values: [-1, 0, 2, -0, 3, -2, 0] }],
      run: (a) => compare(a, 0),
      reference: (a) => map(a, (x) => f(x, 0)),
      grad: false,
    },
  ]),
);

checkOp('logic', [
  {
    name: 'and',
    inputs: [
      { shape: [5], dtype: 'bool' },
      { shape: [5], dtype: 'bool' },
    ],
    run: (a, b) => logicalAnd(a, b),
    reference: (a, b) => zip((x, y) => +(x && y), a, b),
  },
  {
    name: 'or',
    inputs: [
      { shape: [2, 5], dtype: 'bool' },
      { shape: [5], dtype: 'bool' },
    ],
    run: (a, b) => logicalOr(a, b as never),
    reference: (a, b) => zip((x, y) => +(x || y), a, b),
  },
]);

checkOp('where', [
  {
    name: 'broadcast condition [3, 1] over [3, 4] and [4]',
    inputs: [{ shape: [3, 1], dtype: 'bool' }, { shape: [3, 4] }, { shape: [4] }],
    run: (c, a, b) => where(c as never, a, b as never),
    reference: (c, a, b) => zip((x, y, z) => (x ? y : z), c, a, b),
  },
  {
    name: 'a number on one side',
    inputs: [{ shape: [6], dtype: 'bool' }, { shape: [6] }],
    run: (c, a) => where(c, a, 0.5),
    reference: (c, a) => zip((x, y) => (x ? y : 0.5), c, a),
  },
]);

checkOp('cast', [
  {
    name: 'float32 -> int32 truncates toward zero',
    inputs: [{ shape: [8], range: [-4, 4] }],
    run: (x) => cast(x, 'int32'),
    reference: (x) => map(x, Math.trunc),
    grad: false, // int32 output: no gradient
  },
  {
    name: 'float32 -> bool',
    inputs: [{ shape: [5], values: [0, -0, 1.5, -2, 0] }],
    run: (x) => cast(x, 'bool'),
    reference: (x) => map(x, (v) => +(v !== 0)),
    grad: false, // bool output: no gradient
  },
  {
    name: 'int32 -> float32',
    inputs: [{ shape: [2, 3], dtype: 'int32' }],
    run: (x) => cast(x, 'float32'),
    reference: (x) => x,
  },
  {
    name: 'float32 -> float64 (differentiable)',
    inputs: [{ shape: [2, 3] }],
    run: (x) => cast(x, 'float64'),
    reference: (x) => x,
  },
  {
    name: 'float32 -> float64, odd length',
    inputs: [{ shape: [7] }],
    run: (x) => cast(x, 'float64'),
    reference: (x) => x,
  },
  {
    name: 'float64 -> float32 rounds to nearest',
    inputs: [{ shape: [7], dtype: 'float64', values: [0.1, -1 / 3, 1e-30, 2 ** 25 + 1, -0, 1e300, Math.PI] }],
    run: (x) => cast(x, 'float32'),
    reference: (x) => map(x, Math.fround),
    // Finite differences in float64 would measure float32's rounding steps (and 1e300 overflows); the
    // cast's gradient is the float32 -> float64 case's, checked above.
    grad: false,
  },
]);

describe('where and comparisons: errors', () => {
  it('needs a bool condition and one dtype for both branches', () => {
    expect(() => where(tensor([1, 0]) as never, tensor([1, 2]), tensor([3, 4]))).toThrow(DTypeError);
    expect(() => where(tensor([true, false]), tensor([1, 2]), tensor([3, 4], 'int32') as never)).toThrow(
      /where: dtypes differ/,
    );
  });

  it('orders only numbers', () => {
    const b = tensor([true]);
    expect(() => lt(b as never, b as never)).toThrow('lt: needs a numeric tensor, got bool[1]');
    expect(eq(b, b).toArray()).toEqual([true]);
  });
});
