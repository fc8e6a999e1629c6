import {
  bernoulli,
  erf,
  erfc,
  foldIn,
  key,
  keyFromData,
  normal,
  normalCdf,
  normalQuantile,
  permutation,
  randint,
  splitKey,
  threefry2x32,
  truncatedNormal,
  uniform,
  withBackend,
  withoutSampling,
} from '@hrm/core';
import { testBackends } from '@hrm/testing/opcheck';
import { describe, expect, it } from 'vitest';

const hex = (w: readonly number[]) => w.map((v) => v.toString(16).padStart(8, '0'));

describe('Threefry-2x32-20 and keys', () => {
  it('matches the Random123 known-answer vectors', () => {
    expect(hex(threefry2x32(0, 0, 0, 0))).toEqual(['6b200159', '99ba4efe']);
    expect(hex(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff))).toEqual(['1cb996fc', 'bb002be7']);
    expect(hex(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3))).toEqual(['c4923a9c', '483df7a0']);
  });

  it('derives keys as jax.random does', () => {
    expect([...key(0)]).toEqual([0, 0]);
    expect([...key(2 ** 32 + 5)]).toEqual([1, 5]);
    // jax.random.split(jax.random.PRNGKey(0)) in JAX's classic threefry mode.
    expect(splitKey(key(0)).map((k) => [...k])).toEqual([
      [4146024105, 967050713],
      [2718843009, 1272950319],
    ]);
  });

  it('round-trips keys through their stored words and rejects bad ones', () => {
    const k = foldIn(key(3), 11);
    expect([...keyFromData([...k])]).toEqual([...k]);
    expect(() => keyFromData([1, -2])).toThrow(/two uint32 words/);
    expect(() => key(1.5)).toThrow(/safe integer/);
  });
});

describe('samplers are deterministic for a key, on every backend', () => {
  it('gives identical numbers for the same key and different ones for different keys', () => {
    const [a, b] = splitKey(key(42));
    const runs = testBackends().map((name) => withBackend(name, () => Array.from(normal(a, [64]).data())));
    for (const r of runs) expect(r).toEqual(runs[0]);
    expect(Array.from(normal(a, [64]).data())).not.toEqual(Array.from(normal(b, [64]).data()));
    expect([...foldIn(a, 1)]).not.toEqual([...foldIn(a, 2)]);
  });
});

/** Kolmogorov-Smirnov statistic of samples against a CDF. */
function ks(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const s = Array.from(samples).sort((x, y) => x - y);
  let d = 0;
  s.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / s.length), Math.abs(f - (i + 1) / s.length));
  });
  return d;
}

/** Sample mean and standard deviation. */
function moments(x: ArrayLike<number>): [number, number] {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - m) ** 2;
  return [m, Math.sqrt(v / (n - 1))];
}

// With n samples, 1.63/sqrt(n) is the KS critical value at the 1% level; 5 standard errors bound the moments.
const N = 40_000;
const KS_1PCT = 1.63 / Math.sqrt(N);

describe('sampler distributions', () => {
  it('uniform: in range, KS-uniform', () => {
    const x = uniform(key(1), [N], { minval: -2, maxval: 3 }).data();
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...x)).toBeLessThan(3);
    expect(ks(x, (v) => (v + 2) / 5)).toBeLessThan(KS_1PCT);
  });

  it('normal: mean, standard deviation and shape of the distribution', () => {
    const x = normal(key(2), [N], { mean: 1, std: 2 }).data();
    const [m, s] = moments(x);
    expect(Math.abs(m - 1)).toBeLessThan(5 * (2 / Math.sqrt(N)));
    expect(Math.abs(s - 2)).toBeLessThan(5 * (2 / Math.sqrt(2 * N)));
    expect(ks(x, (v) => normalCdf((v - 1) / 2))).toBeLessThan(KS_1PCT);
  });

  it('truncated normal: inside the bounds, with the truncated distribution s standard deviation', () => {
    const x = truncatedNormal(key(3), [N]).data();
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...x)).toBeLessThanOrEqual(2);
    // Variance of N(0, 1) conditioned on [-2, 2]: 1 - 2*2*phi(2) / Z, Z = Phi(2) - Phi(-2).
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
    const z = normalCdf(2) - normalCdf(-2);
    const sd = Math.sqrt(1 - (4 * phi2) / z);
    const [m, s] = moments(x);
    expect(Math.abs(m)).toBeLessThan(5 * (sd / Math.sqrt(N)));
    expect(Math.abs(s - sd)).toBeLessThan(5 * (sd / Math.sqrt(2 * N)));
    expect(ks(x, (v) => (normalCdf(v) - normalCdf(-2)) / z)).toBeLessThan(KS_1PCT);
  });

  it('bernoulli: the rate of trues', () => {
    const x = bernoulli(key(4), 0.3, [N]).data();
    const rate = Array.from(x).reduce((a, b) => a + b, 0) / N;
    expect(Math.abs(rate - 0.3)).toBeLessThan(5 * Math.sqrt((0.3 * 0.7) / N));
    expect(() => bernoulli(key(4), 1.5, [2])).toThrow(/p must be in \[0, 1\]/);
  });

  it('randint: every value in range, counts pass a chi-square test', () => {
    const x = randint(key(5), [N], -3, 4).data();
    const counts = new Array(7).fill(0);
    for (const v of x) counts[v + 3]++;
    const expected = N / 7;
    const chi2 = counts.reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(16.81); // 99th percentile of chi-square with 6 degrees of freedom
  });

  it('permutation: a permutation, deterministic, and not the identity', () => {
    const p = Array.from(permutation(key(6), 50).data());
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(permutation(key(6), 50).data())).toEqual(p);
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('takes named sizes from dims', () => {
    const x = normal(key(7), ['B', 3], { dims: { B: 2 } });
    expect(x.shape).toEqual([2, 3]);
    expect(x.names).toEqual(['B', undefined]);
  });
});

describe('withoutSampling', () => {
  const draw = () => ({
    uniform: uniform(key(1), ['B', 3], { dims: { B: 2 } }),
    normal: normal(key(2), [4], { dtype: 'float64', mean: 5 }),
    truncated: truncatedNormal(key(3), [2, 2], { std: 3 }),
    bernoulli: bernoulli(key(4), 0.5, [5]),
    randint: randint(key(5), [3], 1, 9),
  });

  it("makes zeros of each sampler's shape, names and dtype, and samples again once it returns", () => {
    const zeros = withoutSampling(draw);
    const drawn = draw();
    for (const [name, t] of Object.entries(zeros)) {
      const d = drawn[name as keyof typeof drawn];
      expect([t.shape, t.names, t.dtype], name).toEqual([d.shape, d.names, d.dtype]);
      expect(Array.from(t.data() as ArrayLike<number>), name).toEqual(new Array(t.size).fill(0));
      expect(
        Array.from(d.data() as ArrayLike<number>).some((v) => v !== 0),
        name,
      ).toBe(true);
    }
  });

  it('nests, and restores sampling when its function throws', () => {
    expect(() =>
      withoutSampling(() => {
        withoutSampling(() => undefined);
        expect(normal(key(1), [3]).data()).toEqual(new Float32Array(3));
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(Array.from(normal(key(1), [3]).data()).every((v) => v !== 0)).toBe(true);
  });
});

describe('special functions', () => {
  it('erf and erfc match tabulated values to near double precision', () => {
    const table: [number, number][] = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [-1.5, -0.9661051464753108],
    ];
    for (const [x, v] of table) expect(Math.abs(erf(x) - v)).toBeLessThan(1e-15);
    expect(Math.abs(erfc(3) / 2.209049699858544e-5 - 1)).toBeLessThan(1e-13);
    expect(Math.abs(erfc(5) / 1.5374597944280349e-12 - 1)).toBeLessThan(1e-13);
  });

  it('the normal quantile inverts the CDF across the range', () => {
    for (const p of [1e-10, 1e-4, 0.01, 0.3, 0.5, 0.77, 0.999, 1 - 1e-9])
      expect(Math.abs(normalCdf(normalQuantile(p)) - p)).toBeLessThan(1e-15 + 1e-12 * p);
  });
});
