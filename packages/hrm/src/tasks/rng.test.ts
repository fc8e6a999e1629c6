import { describe, expect, it } from 'vitest';
import { createRng, invertPermutation, isPermutation, pickOne, randomPermutation, shuffled } from './rng.js';

describe('rng', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const r = createRng(seed);
      return Array.from({ length: 8 }, () => r.uint32());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    // Seeds that differ only above bit 32 must still give different streams.
    expect(draw(2 ** 40)).not.toEqual(draw(0));
  });

  it('draws integers in range with roughly equal frequencies', () => {
    const r = createRng(1);
    const counts = new Array<number>(6).fill(0);
    const draws = 60_000;
    for (let i = 0; i < draws; i++) counts[r.int(6)]++;
    // Chi-square with 5 degrees of freedom: 20.5 is the 0.999 quantile.
    const chi = counts.reduce((s, c) => s + (c - draws / 6) ** 2 / (draws / 6), 0);
    expect(chi).toBeLessThan(20.5);
    for (let i = 0; i < 1000; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
    }
    expect(() => r.int(0)).toThrow(/n must be/);
  });

  it('forks into an independent stream', () => {
    const a = createRng(3);
    const child = a.fork();
    const b = createRng(3);
    b.fork();
    // The parent continues the same way whatever the child draws.
    child.uint32();
    expect(a.uint32()).toBe(b.uint32());
  });

  it('shuffles into permutations, and inverts them', () => {
    const r = createRng(5);
    const items = ['a', 'b', 'c', 'd', 'e'];
    const s = shuffled(r, items);
    expect([...s].sort()).toEqual(items);
    expect(items).toEqual(['a', 'b', 'c', 'd', 'e']);
    const p = randomPermutation(r, 10);
    expect(isPermutation(p)).toBe(true);
    const inv = invertPermutation(p);
    expect(p.map((x) => inv[x])).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(isPermutation([0, 2, 2])).toBe(false);
    expect(isPermutation([0, 3])).toBe(false);
  });
});

describe('pickOne', () => {
  it('spends no random number on a one-item choice, one on a real choice', () => {
    const [a, b] = [createRng(5), createRng(5)];
    expect(pickOne(a, ['only'])).toBe('only');
    // a drew nothing: both still give the same next number.
    expect(a.int(1000)).toBe(b.int(1000));
    const c = createRng(6);
    const d = createRng(6);
    const items = ['x', 'y', 'z', 'w'];
    expect(pickOne(c, items)).toBe(items[d.int(items.length)]);
    expect(c.int(1000)).toBe(d.int(1000));
  });

  it('refuses an empty list', () => {
    expect(() => pickOne(createRng(1), [])).toThrow(/no items/);
  });
});
