import { argmax, argmin, max, mean, min, ShapeError, sum, tensor } from '@hrm/core';
import { checkOp, type OpCase } from '@hrm/testing/opcheck';
import { type Ref, reduce } from '@hrm/testing/ref';
import { describe, expect, it } from 'vitest';

type Axes = number | number[] | undefined;
const CASES: readonly [readonly number[], Axes, boolean][] = [
  [[3, 4], undefined, false],
  [[3, 4], 0, false],
  [[3, 4], -1, true],
  [[2, 3, 4], [0, 2], false],
  [[2, 3, 4], [-1, -3], true],
  [[5, 1, 3], 1, false],
  [[17], 0, false],
  [[2, 0, 3], 2, false],
];

const normalize = (axes: Axes, rank: number): number[] =>
  axes === undefined
    ? Array.from({ length: rank }, (_, i) => i)
    : (typeof axes === 'number' ? [axes] : axes).map((a) => (a < 0 ? a + rank : a));

function cases(
  name: string,
  op: (x: never, axis?: never, opts?: never) => unknown,
  f: (acc: number, x: number) => number,
  init: number,
  finish: (r: Ref, count: number) => Ref = (r) => r,
  extra: Partial<OpCase> = {},
): OpCase[] {
  return CASES.map(([shape, axes, keepdims]) => ({
    name: `${name} [${shape.join(', ')}] axis ${JSON.stringify(axes)}${keepdims ? ' keepdims' : ''}`,
    inputs: [{ shape }],
    run: (x) => op(x as never, axes as never, { keepdims } as never) as never,
    reference: (x) => {
      const ax = normalize(axes, shape.length);
      const count = ax.reduce((n, a) => n * shape[a], 1);
      return finish(reduce(x, ax, f, init, keepdims), count);
    },
    ...extra,
  }));
}

checkOp(
  'sum',
  cases('sum', sum, (a, x) => a + x, 0).map((c) => ({ ...c, grad2: true })),
);
checkOp(
  'mean',
  cases(
    'mean',
    mean,
    (a, x) => a + x,
    0,
    (r, n) => ({ ...r, data: r.data.map((v) => v / n) }),
  ).filter((c) => !c.name.includes('[2, 0, 3]')),
);
// Random float inputs have no ties, so the gradient of max/min is well defined at every sample.
checkOp(
  'max',
  cases('max', max, Math.max, Number.NEGATIVE_INFINITY).filter((c) => !c.name.includes('[2, 0, 3]')),
);
checkOp(
  'min',
  cases('min', min, Math.min, Number.POSITIVE_INFINITY).filter((c) => !c.name.includes('[2, 0, 3]')),
);

function argCases(name: string, op: typeof argmax, better: (a: number, b: number) => boolean): OpCase[] {
  const shapes: [number[], number][] = [
    [[3, 4], 0],
    [[3, 4], -1],
    [[2, 5, 3], 1],
    [[9], 0],
  ];
  return shapes.map(([shape, axis]) => ({
    name: `${name} [${shape.join(', ')}] axis ${axis}`,
    inputs: [{ shape, dtype: 'int32', range: [-3, 3] }],
    run: (x) => op(x as never, axis as never),
    reference: (x) => {
      const ax = axis < 0 ? axis + shape.length : axis;
      const moved = reduce({ ...x, data: x.data.map((_, i) => i) }, [ax], (a) => a, 0, false);
      // The first index of the extreme value along the axis, found by brute force over coordinates.
      const strides = shape.map((_, k) => shape.slice(k + 1).reduce((p, q) => p * q, 1));
      const data = new Float64Array(moved.data.length);
      let o = 0;
      for (let i = 0; i < x.data.length; i++) {
        const c = shape.map((d, k) => Math.floor(i / strides[k]) % d);
        if (c[ax] !== 0) continue;
        let best = 0;
        for (let j = 1; j < shape[ax]; j++)
          if (better(x.data[i + j * strides[ax]], x.data[i + best * strides[ax]])) best = j;
        data[o++] = best;
      }
      return { shape: moved.shape, data };
    },
    grad: false,
  }));
}
checkOp(
  'argmax',
  argCases('argmax', argmax, (a, b) => a > b),
);
checkOp(
  'argmin',
  argCases('argmin', argmin as typeof argmax, (a, b) => a < b),
);

describe('reductions: edge cases', () => {
  it('sums an empty axis to zero and refuses max over one', () => {
    const empty = tensor([[], []]);
    expect(sum(empty, 1).toArray()).toEqual([0, 0]);
    expect(() => max(empty, 1)).toThrow(/max: cannot reduce the empty axis 1 of \[2, 0\]/);
    expect(() => argmax(empty as never, 1 as never)).toThrow(ShapeError);
  });

  it('lets NaN win, as numpy', () => {
    const x = tensor([1, Number.NaN, 3]);
    expect(Number.isNaN(max(x).item())).toBe(true);
    expect(argmax(x, 0).item()).toBe(1);
  });

  it('returns the first index on ties', () => {
    expect(argmax(tensor([1, 5, 5, 2]), 0).item()).toBe(1);
    expect(argmin(tensor([3, 1, 1]), 0).item()).toBe(1);
  });

  it('rejects bad axes with the valid range', () => {
    const x = tensor([[1, 2]]);
    expect(() => sum(x, 2 as never)).toThrow('sum: axis 2 is out of range for rank 2 (valid: -2..1)');
    expect(() => sum(x, [0, -2] as never)).toThrow('sum: repeated axis in [0, -2]');
  });
});
