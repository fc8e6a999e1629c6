/**
 * A small seeded PRNG for data generation and augmentation: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counting generator, 128-bit state, passes PractRand to terabytes), seeded through splitmix32 so
 * that nearby seeds give unrelated streams. The data code draws thousands of numbers per puzzle (a
 * shuffle per removal order, one per backtracking branch), which is why it does not go through
 * @hrm/core's Threefry keys: those are for tensors, and splitting a key per draw would be slow.
 *
 * The generator is a mutable object on purpose: a caller hands one `Rng` down a chain of calls and
 * the sequence it consumes is deterministic for the seed. Use `fork` to give a sub-task its own
 * stream, so that changing how many numbers one part draws does not shift the others.
 */

export interface Rng {
  /** A uniform 32-bit unsigned integer. */
  uint32(): number;
  /** A uniform float in [0, 1) with 32 bits of randomness. */
  float(): number;
  /** A uniform integer in [0, n), without modulo bias; `n` must be a positive integer below 2^32. */
  int(n: number): number;
  /** A new generator seeded from this one's next outputs. */
  fork(): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function sfc32(a0: number, b0: number, c0: number, d0: number): Rng {
  let a = a0 >>> 0;
  let b = b0 >>> 0;
  let c = c0 >>> 0;
  let d = d0 >>> 0;
  const uint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  // The first outputs of sfc32 are weakly mixed; the reference implementation discards 12.
  for (let i = 0; i < 12; i++) uint32();
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0 || n > 0xffffffff)
      throw new RangeError(`rng.int: n must be in [1, 2^32), got ${n}`);
    // Reject the top partial copy of [0, n) so every residue is equally likely.
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = uint32();
      if (x < limit) return x % n;
    }
  };
  return {
    uint32,
    float: () => uint32() / 0x100000000,
    int,
    fork: () => sfc32(uint32(), uint32(), uint32(), uint32()),
  };
}

/** A generator for an integer seed (any safe integer; the high bits are folded in). */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`createRng: seed must be a safe integer, got ${seed}`);
  const hi = Math.floor(seed / 0x100000000);
  const next = splitmix32((seed ^ Math.imul(hi, 0x27d4eb2d)) >>> 0);
  return sfc32(next(), next(), next(), next());
}

/**
 * One of `items` (not empty) at random, spending a random number only when there is a choice, so that
 * adding a one-item choice to a generator leaves what it draws unchanged.
 */
export function pickOne<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pickOne: no items to choose from');
  return (items.length === 1 ? items[0] : items[rng.int(items.length)]) as T;
}

/** A shuffled copy of `items` (Fisher–Yates); the input is not touched. */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}

/** A uniformly random permutation of 0..n-1. */
export function randomPermutation(rng: Rng, n: number): number[] {
  return shuffled(
    rng,
    Array.from({ length: n }, (_, i) => i),
  );
}

/** The inverse of a permutation of 0..n-1: `inv[perm[i]] = i`. */
export function invertPermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}

/** True when `perm` holds each of 0..n-1 exactly once. */
export function isPermutation(perm: readonly number[]): boolean {
  const seen = new Uint8Array(perm.length);
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= perm.length || seen[p]) return false;
    seen[p] = 1;
  }
  return true;
}
