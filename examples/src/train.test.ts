import { describe, expect, it } from 'vitest';
import { train } from './train.js';

describe('the spirals example', () => {
  it('learns: the loss falls and held-out accuracy is high', () => {
    const r = train({ steps: 120, seed: 1, hidden: 24, learningRate: 0.5, momentum: 0.9 });
    expect(r.losses[0]).toBeGreaterThan(0.9); // about ln 3 at initialisation
    expect(r.losses[r.losses.length - 1]).toBeLessThan(0.2);
    expect(r.testAccuracy).toBeGreaterThan(0.9);
  });

  it('is deterministic for a seed', () => {
    const a = train({ steps: 5, seed: 3, hidden: 8, learningRate: 0.5, momentum: 0.9 });
    const b = train({ steps: 5, seed: 3, hidden: 8, learningRate: 0.5, momentum: 0.9 });
    expect(a.losses).toEqual(b.losses);
  });
});
