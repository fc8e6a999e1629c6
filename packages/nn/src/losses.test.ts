import { type AnyTensor, exp, fromArray, sum, tensor } from '@hrm/core';
import { checkOp } from '@hrm/testing/opcheck';
import { at, build, type Ref } from '@hrm/testing/ref';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { accuracy, bceWithLogits, lmLoss, logStablemax, sequenceMeanLoss, tokenCrossEntropy } from './losses.js';

const s = (x: number) => (x >= 0 ? x + 1 : 1 / (1 - x));

/** -log p[label] per row of [..., V], 0 for label -100; p from softmax or stablemax, in float64. */
function refCrossEntropy(logits: Ref, labels: Ref, kind: 'softmax' | 'stablemax'): Ref {
  const v = logits.shape[logits.shape.length - 1];
  return build(labels.shape, (c) => {
    const label = at(labels, c);
    if (label === -100) return 0;
    const row = Array.from({ length: v }, (_, j) => at(logits, [...c, j]));
    if (kind === 'stablemax') return -Math.log(s(row[label]) / row.map(s).reduce((a, b) => a + b, 0));
    const m = Math.max(...row);
    return -(row[label] - m - Math.log(row.map((x) => Math.exp(x - m)).reduce((a, b) => a + b, 0)));
  });
}

const labels = { shape: [3, 4], dtype: 'int32', values: [0, 4, 2, -100, 1, 1, 3, 0, -100, -100, 4, 2] } as const;

checkOp('token cross-entropy', [
  {
    name: 'softmax, with ignored labels',
    inputs: [{ shape: [3, 4, 5], range: [-3, 3] }, labels],
    run: (x, l) => tokenCrossEntropy(x, l),
    reference: (x, l) => refCrossEntropy(x, l, 'softmax'),
  },
  {
    name: 'stablemax, with ignored labels',
    inputs: [{ shape: [3, 4, 5], range: [-3, 3] }, labels],
    run: (x, l) => tokenCrossEntropy(x, l, { kind: 'stablemax' }),
    reference: (x, l) => refCrossEntropy(x, l, 'stablemax'),
  },
]);

const t = (data: number[], shape: number[], dtype: 'float32' | 'int32' = 'float32'): AnyTensor => {
  const made = fromArray(data, shape, { dtype });
  if (E.isLeft(made)) throw made.left;
  return made.right as AnyTensor;
};

describe('stablemax', () => {
  it('gives probabilities that sum to 1, also for large logits', () => {
    const logits = tensor([
      [0.5, -2, 3, 0],
      [100, -100, 0, 1e4],
    ]);
    const p = exp(logStablemax(logits));
    for (const row of p.toArray() as number[][]) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(Number.isFinite(sum(p).item())).toBe(true);
  });
});

describe("HRM's normalisation", () => {
  it('means tokens within a sequence, then sequences over the batch (empty rows count as 0)', () => {
    const tokenLoss = t([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
    const l = t([0, 0, -100, 1, 1, 1, -100, -100, -100], [3, 3], 'int32');
    // Row 0: (1 + 2) / 2; row 1: (4 + 5 + 6) / 3; row 2: no valid token, 0. Mean over 3 rows.
    expect(sequenceMeanLoss(tokenLoss, l).item()).toBeCloseTo((1.5 + 5 + 0) / 3, 6);
  });

  it('lmLoss is that normalisation applied to the token cross-entropy', () => {
    const logits = t([2, 0, 0, 0, 2, 0, 0, 0, 2, 2, 0, 0], [2, 2, 3]);
    const l = t([0, 1, 2, -100], [2, 2], 'int32');
    const ce = tokenCrossEntropy(logits, l).data();
    expect(lmLoss(logits, l).item()).toBeCloseTo(((ce[0] + ce[1]) / 2 + ce[2]) / 2, 6);
  });
});

describe('binary cross-entropy with logits', () => {
  it('matches -t log σ(x) - (1 - t) log(1 - σ(x)), and stays finite for large |x|', () => {
    const x = [-3, -0.5, 0, 0.7, 4];
    const target = [0, 1, 0.5, 1, 0];
    const got = bceWithLogits(t(x, [5]), t(target, [5])).data();
    x.forEach((v, i) => {
      const p = 1 / (1 + Math.exp(-v));
      expect(got[i]).toBeCloseTo(-target[i] * Math.log(p) - (1 - target[i]) * Math.log(1 - p), 6);
    });
    const extreme = bceWithLogits(t([-100, 100], [2]), t([1, 0], [2])).data();
    expect(Array.from(extreme)).toEqual([100, 100]);
  });
});

describe('accuracy', () => {
  it('counts valid tokens only; exact means every valid token right', () => {
    // argmax per token: [0, 1] / [2, 0]; labels [0, 1] / [2, 1]: row 0 exact, row 1 half right.
    const logits = t([5, 0, 0, 0, 5, 0, 0, 0, 5, 5, 0, 0], [2, 2, 3]);
    const ok = accuracy(logits, t([0, 1, 2, 1], [2, 2], 'int32'));
    expect(ok).toEqual({ token: 0.75, exact: 0.5 });
    // Ignoring the wrong token makes row 1 exact too.
    expect(accuracy(logits, t([0, 1, 2, -100], [2, 2], 'int32'))).toEqual({ token: 1, exact: 1 });
  });
});
