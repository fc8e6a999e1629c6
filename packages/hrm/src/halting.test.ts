import { describe, expect, it } from 'vitest';
import { haltSegmentOf } from './halting.js';

describe('haltSegmentOf', () => {
  const qHalt = [-2, 0.5, 3, 1];
  const qContinue = [1, 1, 0, 2];

  it('halts at the first segment whose Q head says halt, by each rule', () => {
    // q-compare: q_halt - q_continue = -3, -0.5, 3, -1.
    expect(haltSegmentOf(qHalt, qContinue, { haltRule: 'q-compare' })).toBe(3);
    // q-positive: q_halt > 0 first at segment 2.
    expect(haltSegmentOf(qHalt, qContinue, { haltRule: 'q-positive' })).toBe(2);
  });

  it('needs the Q head to clear the margin: a positive one waits longer, a negative one stops sooner', () => {
    expect(haltSegmentOf(qHalt, qContinue, { haltRule: 'q-positive' }, 0.9)).toBe(3);
    expect(haltSegmentOf(qHalt, qContinue, { haltRule: 'q-positive' }, -2.5)).toBe(1);
    expect(haltSegmentOf(qHalt, qContinue, { haltRule: 'q-compare' }, -0.6)).toBe(2);
    // Strictly more than the margin: a difference equal to it does not halt.
    expect(haltSegmentOf(qHalt, qContinue, { haltRule: 'q-compare' }, 3)).toBe(4);
  });

  it('runs to the last segment when the Q head never says halt', () => {
    expect(haltSegmentOf(qHalt, qContinue, { haltRule: 'q-compare' }, 100)).toBe(4);
    expect(haltSegmentOf([], [], { haltRule: 'q-positive' })).toBe(0);
  });
});
