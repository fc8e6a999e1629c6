import { key, normalCdf } from '@hrm/core';
import { describe, expect, it } from 'vitest';
import { initialState, lecunNormal, truncatedStd, truncNormal } from './init.js';

function moments(x: ArrayLike<number>): [number, number] {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) ** 2;
  return [m, Math.sqrt(v / (x.length - 1))];
}

describe('initialisers', () => {
  it('truncatedStd is the standard deviation of N(0,1) on [-2, 2] (about 0.8796)', () => {
    expect(truncatedStd(-2, 2)).toBeCloseTo(0.87962566, 7);
    expect(truncatedStd(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).toBeCloseTo(1, 12);
    expect(normalCdf(0)).toBe(0.5);
  });

  it('truncNormal has the requested standard deviation (JAX-style correction)', () => {
    // n samples: the sample std has standard error about std / sqrt(2n) (a little less for a
    // truncated normal, whose kurtosis is below 3); 5 standard errors is the tolerance.
    const n = 100_000;
    const std = 0.05;
    const x = truncNormal(key(11), [n], std).data();
    const [m, s] = moments(x);
    expect(Math.abs(m)).toBeLessThan((5 * std) / Math.sqrt(n));
    expect(Math.abs(s - std)).toBeLessThan((5 * std) / Math.sqrt(2 * n));
    // Samples stay within the truncation, which is 2 standard deviations of the *untruncated* scale.
    const bound = (2 * std) / truncatedStd(-2, 2);
    expect(Math.max(...x)).toBeLessThanOrEqual(bound * (1 + 1e-6));
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-bound * (1 + 1e-6));
  });

  it('lecunNormal uses 1/sqrt(fan in); initial states have std 1', () => {
    const w = lecunNormal(key(12), [400, 250]).data();
    const [, s] = moments(w);
    expect(Math.abs(s - 1 / 20)).toBeLessThan((5 * (1 / 20)) / Math.sqrt(2 * w.length));
    const h = initialState(key(13), 4096).data();
    expect(Math.abs(moments(h)[1] - 1)).toBeLessThan(5 / Math.sqrt(2 * 4096));
  });
});
