import { logSoftmax, logsumexp, softmax, sum, tensor } from '@hrm/core';
import { checkOp, type OpCase } from '@hrm/testing/opcheck';
import { build, type Ref, reduce, zip } from '@hrm/testing/ref';
import { describe, expect, it } from 'vitest';

/** log(sum(exp(x))) along `axis` in float64, by the definition (inputs are small enough not to overflow). */
function refLse(x: Ref, axis: number, keepdims: boolean): Ref {
  const s = reduce(x, [axis], (acc, v) => acc + Math.exp(v), 0, keepdims);
  return { ...s, data: s.data.map(Math.log) };
}

const shapes: [number[], number][] = [
  [[3, 5], -1],
  [[3, 5], 0],
  [[2, 4, 81], 2],
  [[1], 0],
];

const cases: OpCase[] = shapes.flatMap(([shape, axis]) => {
  const ax = axis < 0 ? axis + shape.length : axis;
  return [
    {
      name: `softmax [${shape}] axis ${axis}`,
      inputs: [{ shape, range: [-4, 4] }],
      run: (x) => softmax(x, axis as never),
      reference: (x) => zip((v, l) => Math.exp(v - l), x, refLse(x, ax, true)),
      grad2: true,
    },
    {
      name: `logSoftmax [${shape}] axis ${axis}`,
      inputs: [{ shape, range: [-4, 4] }],
      run: (x) => logSoftmax(x, axis as never),
      reference: (x) => zip((v, l) => v - l, x, refLse(x, ax, true)),
    },
    {
      name: `logsumexp [${shape}] axis ${axis}`,
      inputs: [{ shape, range: [-4, 4] }],
      run: (x) => logsumexp(x, axis as never),
      reference: (x) => refLse(x, ax, false),
    },
  ];
});
checkOp('softmax family', cases);

describe('softmax family: stability', () => {
  it('does not overflow on large logits and handles -Infinity rows', () => {
    const p = softmax(tensor([1000, 1001, 999]));
    expect(sum(p).item()).toBeCloseTo(1, 6);
    expect(logsumexp(tensor([1000, 1000])).item()).toBeCloseTo(1000 + Math.LN2, 3);
    expect(logsumexp(tensor([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY])).item()).toBe(
      Number.NEGATIVE_INFINITY,
    );
    const masked = softmax(tensor([0, Number.NEGATIVE_INFINITY, 0]));
    expect(masked.toArray()).toEqual([0.5, 0, 0.5]);
  });

  it('keeps rows independent', () => {
    const x = build([2, 3], ([i, j]) => i * 100 + j);
    const p = softmax(tensor([Array.from(x.data.slice(0, 3)), Array.from(x.data.slice(3))]));
    const rows = p.toArray() as number[][];
    expect(rows[0][2]).toBeCloseTo(rows[1][2], 6);
  });
});
