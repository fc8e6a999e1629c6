/** Where ACT halts in a recorded trace: the model's rule, and a margin that makes it halt later (or sooner). */
import { describe, expect, it } from 'vitest';
import { haltingSegment, type SegmentPrediction } from './predict.js';

/** A trace of two examples over three segments, with these Q logits per segment. */
const trace = (qHalt: number[][], qContinue: number[][]): SegmentPrediction[] =>
  qHalt.map((h, s) => ({
    tokens: [new Int32Array(1), new Int32Array(1)],
    qHalt: Float32Array.from(h),
    qContinue: Float32Array.from(qContinue[s] ?? []),
  }));

describe('haltingSegment', () => {
  const t = trace(
    [
      [0.5, -3],
      [2.5, -1],
      [4, 1.5],
    ],
    [
      [0, -4],
      [0, 0],
      [1, 0],
    ],
  );

  it('halts at the first segment whose Q head says halt, by the model rule', () => {
    expect(haltingSegment(t, { haltRule: 'q-positive' })).toEqual([1, 3]);
    // q_halt > q_continue: example 2 says halt at segment 1 (-3 > -4).
    expect(haltingSegment(t, { haltRule: 'q-compare' })).toEqual([1, 1]);
  });

  it('with a margin, halts only where the Q head says so by that much; never: the last segment', () => {
    expect(haltingSegment(t, { haltRule: 'q-positive' }, 2)).toEqual([2, 3]);
    expect(haltingSegment(t, { haltRule: 'q-compare' }, 1.2)).toEqual([2, 3]);
    expect(haltingSegment(t, { haltRule: 'q-positive' }, 10)).toEqual([3, 3]);
    expect(haltingSegment(t, { haltRule: 'q-positive' }, -10)).toEqual([1, 1]);
  });
});
