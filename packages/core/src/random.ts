/**
 * Seeded randomness with explicit keys, as in JAX: `key(seed)`, `split(key)`, then a sampler per
 * key. Bits come from the Threefry-2x32 (20 rounds) counter-based generator of Random123, with JAX's
 * classic key derivation, computed on the host in exact uint32 arithmetic: the same key gives the same
 * numbers on every backend and every machine. A key is a plain pair of uint32s, so it can be stored
 * in a checkpoint and training can resume bit for bit.
 */
import { allocArray, checkBufferSize, type DType, type FloatDType } from '@hrm/kernels';
import { backendOf, fromBuffer } from './engine.js';
import type { CreateOptions } from './ops/create.js';
import { resolveShape } from './ops/create.js';
import { spec } from './ops/util.js';
import type { Shape } from './shape.js';
import { normalCdf, normalQuantile } from './special.js';
import type { Tensor } from './tensor.js';

declare const keyBrand: unique symbol;
/** A PRNG key: two uint32 words. Immutable; derive new keys with `split` or `foldIn`. */
export type Key = readonly [number, number] & { readonly [keyBrand]: true };

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24];

/** Threefry-2x32-20 of counter (x0, x1) under key (k0, k1); returns the two output words. */
export function threefry2x32(k0: number, k1: number, x0: number, x1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (0x1bd11bda ^ k0 ^ k1) >>> 0];
  let a = (x0 + ks[0]) >>> 0;
  let b = (x1 + ks[1]) >>> 0;
  for (let r = 0; r < 20; r++) {
    a = (a + b) >>> 0;
    const rot = ROTATIONS[r % 8];
    b = ((b << rot) | (b >>> (32 - rot))) >>> 0;
    b = (b ^ a) >>> 0;
    if (r % 4 === 3) {
      const i = (r + 1) / 4;
      a = (a + ks[i % 3]) >>> 0;
      b = (b + ks[(i + 1) % 3] + i) >>> 0;
    }
  }
  return [a, b];
}

/** Threefry over a vector of counters, paired as JAX pairs them: first half with second half. */
function threefryVector(k: Key, counts: Uint32Array): Uint32Array {
  const n = counts.length;
  const half = Math.ceil(n / 2);
  const padded = new Uint32Array(2 * half);
  padded.set(counts);
  const out = new Uint32Array(2 * half);
  for (let i = 0; i < half; i++) {
    const [a, b] = threefry2x32(k[0], k[1], padded[i], padded[half + i]);
    out[i] = a;
    out[half + i] = b;
  }
  return out.subarray(0, n);
}

function makeKey(hi: number, lo: number): Key {
  return Object.freeze([hi >>> 0, lo >>> 0]) as unknown as Key;
}

/** A key from an integer seed (up to 2^53 in magnitude), as `jax.random.PRNGKey(seed)`. */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`key: seed must be a safe integer, got ${seed}`);
  const big = BigInt.asUintN(64, BigInt(seed));
  return makeKey(Number(big >> 32n), Number(big & 0xffffffffn));
}

/** A key from two stored uint32 words (e.g. read from a checkpoint). */
export function keyFromData(data: readonly number[]): Key {
  if (data.length !== 2 || !data.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32))
    throw new RangeError(`keyFromData: expected two uint32 words, got [${data.join(', ')}]`);
  return makeKey(data[0], data[1]);
}

/** A tuple of `N` keys when `N` is a literal (so `const [a, b] = splitKey(k, 2)` needs no checks), else an array. */
export type Keys<N extends number, Acc extends Key[] = []> = number extends N
  ? Key[]
  : Acc['length'] extends N
    ? Acc
    : Acc['length'] extends 64
      ? Key[]
      : Keys<N, [...Acc, Key]>;

/** `n` independent keys derived from `k` (as `jax.random.split`), typed as a tuple of `n` for a literal `n`. */
export function split<const N extends number = 2>(k: Key, n?: N): Keys<N> {
  const count = n ?? 2;
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`splitKey: expected a whole number of keys, got ${count}`);
  const counts = new Uint32Array(2 * count);
  for (let i = 0; i < counts.length; i++) counts[i] = i;
  const bits = threefryVector(k, counts);
  return Array.from({ length: count }, (_, i) => makeKey(bits[2 * i], bits[2 * i + 1])) as Keys<N>;
}

/** A key derived from `k` and an integer (as `jax.random.fold_in`): e.g. one key per training step. */
export function foldIn(k: Key, data: number): Key {
  const [a, b] = threefry2x32(k[0], k[1], 0, data >>> 0);
  return makeKey(a, b);
}

/** `count` random uint32 words. */
export function randomBits(k: Key, count: number): Uint32Array {
  const counts = new Uint32Array(count);
  for (let i = 0; i < count; i++) counts[i] = i;
  return threefryVector(k, counts);
}

/** Uniform floats in [0, 1) with 23 random mantissa bits, as JAX makes them for float32. */
function unitFloats(k: Key, count: number): Float64Array {
  const bits = randomBits(k, count);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = (bits[i] >>> 9) / 8388608;
  return out;
}

/** A sampler's dtype, and the sizes of any named dims in its shape. */
interface SampleOptions<D extends DType> {
  readonly dtype?: D;
  readonly dims?: Readonly<Record<string, number>>;
}

/** `values` (zeros when undefined) as a tensor of `shape`, in the sampler's dtype. */
function upload<S extends Shape, D extends DType>(
  values: Float64Array | Uint8Array | Int32Array | undefined,
  shape: S,
  opts: SampleOptions<D> | undefined,
  fallback: DType,
): Tensor<S, D> {
  const dtype = (opts?.dtype ?? fallback) as D;
  const { sizes, names } = resolveShape('random', shape, opts?.dims as Record<string, number> | undefined);
  const data = allocArray(dtype, values?.length ?? count(shape, opts));
  if (values) data.set(values);
  const backend = backendOf('random', []);
  return fromBuffer(backend, backend.upload(data, dtype), spec(sizes, dtype, names)) as Tensor<S, D>;
}

function count(shape: Shape, opts?: { readonly dims?: unknown }): number {
  const n = resolveShape('random', shape, opts?.dims as Record<string, number> | undefined).sizes.reduce(
    (a, b) => a * b,
    1,
  );
  // Samples are drawn in float64 on the host: refuse a size that could never be had before hashing for it.
  checkBufferSize('random', 'float64', n);
  return n;
}

/** False while `withoutSampling` runs its function. */
let sampling = true;

/**
 * Runs `fn` with the samplers that make tensors (`uniform`, `normal`, `truncatedNormal`, `bernoulli`,
 * `randint`) returning zeros of their shape and dtype instead of drawing. For a value whose numbers are
 * thrown away, such as the template a checkpoint is checked against: an official-size HRM's random
 * initialisation takes seconds, its zeros the time to allocate them. Nests; sampling resumes when `fn`
 * returns or throws.
 */
export function withoutSampling<T>(fn: () => T): T {
  const was = sampling;
  sampling = false;
  try {
    return fn();
  } finally {
    sampling = was;
  }
}

/** Uniform samples in [minval, maxval). */
export function uniform<const S extends Shape, D extends FloatDType = 'float32'>(
  k: Key,
  shape: S,
  opts?: SampleOptions<D> & { readonly minval?: number; readonly maxval?: number },
): Tensor<S, D> {
  if (!sampling) return upload(undefined, shape, opts, 'float32');
  const lo = opts?.minval ?? 0;
  const hi = opts?.maxval ?? 1;
  const u = unitFloats(k, count(shape, opts));
  for (let i = 0; i < u.length; i++) u[i] = Math.max(lo, u[i] * (hi - lo) + lo);
  return upload(u, shape, opts, 'float32');
}

/** Normal samples with the given mean and standard deviation (inverse-CDF of a uniform, as JAX). */
export function normal<const S extends Shape, D extends FloatDType = 'float32'>(
  k: Key,
  shape: S,
  opts?: SampleOptions<D> & { readonly mean?: number; readonly std?: number },
): Tensor<S, D> {
  if (!sampling) return upload(undefined, shape, opts, 'float32');
  const u = unitFloats(k, count(shape, opts));
  const mean = opts?.mean ?? 0;
  const std = opts?.std ?? 1;
  // Map [0, 1) to the open interval (0, 1) by centring each cell of the 2^-23 grid.
  for (let i = 0; i < u.length; i++) u[i] = mean + std * normalQuantile(u[i] + 2 ** -24);
  return upload(u, shape, opts, 'float32');
}

/**
 * Standard normal samples conditioned on [lower, upper] (default [-2, 2], as JAX), then scaled by
 * `std`. Note the standard deviation of the result is smaller than `std` (about 0.88x for [-2, 2]);
 * initialisers that want an exact standard deviation divide by that factor (see @hrm/nn).
 */
export function truncatedNormal<const S extends Shape, D extends FloatDType = 'float32'>(
  k: Key,
  shape: S,
  opts?: SampleOptions<D> & { readonly lower?: number; readonly upper?: number; readonly std?: number },
): Tensor<S, D> {
  const lower = opts?.lower ?? -2;
  const upper = opts?.upper ?? 2;
  if (!(lower < upper)) throw new RangeError(`truncatedNormal: lower ${lower} must be below upper ${upper}`);
  if (!sampling) return upload(undefined, shape, opts, 'float32');
  const std = opts?.std ?? 1;
  const a = normalCdf(lower);
  const b = normalCdf(upper);
  const u = unitFloats(k, count(shape, opts));
  for (let i = 0; i < u.length; i++) {
    const p = a + (u[i] + 2 ** -24) * (b - a);
    u[i] = std * Math.min(upper, Math.max(lower, normalQuantile(p)));
  }
  return upload(u, shape, opts, 'float32');
}

/** Bool samples that are true with probability `p`. */
export function bernoulli<const S extends Shape>(
  k: Key,
  p: number,
  shape: S,
  ...[opts]: CreateOptions<S, 'bool'>
): Tensor<S, 'bool'> {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli: p must be in [0, 1], got ${p}`);
  const as = { ...opts, dtype: 'bool' } as SampleOptions<'bool'>;
  if (!sampling) return upload(undefined, shape, as, 'bool');
  const u = unitFloats(k, count(shape, opts));
  const out = new Uint8Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = +(u[i] < p);
  return upload(out, shape, as, 'bool');
}

/** Uniform integers in [minval, maxval) (int32), without modulo bias. */
export function randint<const S extends Shape>(
  k: Key,
  shape: S,
  minval: number,
  maxval: number,
  ...[opts]: CreateOptions<S, 'int32'>
): Tensor<S, 'int32'> {
  if (!Number.isInteger(minval) || !Number.isInteger(maxval) || maxval <= minval || maxval - minval > 2 ** 32)
    throw new RangeError(`randint: need integers minval < maxval, got [${minval}, ${maxval})`);
  const as = { ...opts, dtype: 'int32' } as SampleOptions<'int32'>;
  if (!sampling) return upload(undefined, shape, as, 'int32');
  const n = count(shape, opts);
  const out = new Int32Array(n);
  const bits = randomBits(k, 2 * n);
  // Two words give 64 random bits; scaling a 53-bit fraction leaves a bias below 2^-21 for any range.
  for (let i = 0; i < n; i++)
    out[i] = minval + Math.floor(((bits[2 * i] * 2 ** 21 + (bits[2 * i + 1] >>> 11)) / 2 ** 53) * (maxval - minval));
  return upload(out, shape, as, 'int32');
}

/** A random ordering of 0..n-1 (int32), by Fisher-Yates. */
export function permutation(k: Key, n: number): Tensor<[number], 'int32'> {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation: n must be a non-negative integer, got ${n}`);
  checkBufferSize('permutation', 'float64', n); // two random words per element, as float64 takes
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  const bits = randomBits(k, 2 * n);
  for (let i = n - 1; i > 0; i--) {
    const f = (bits[2 * i] * 2 ** 21 + (bits[2 * i + 1] >>> 11)) / 2 ** 53;
    const j = Math.floor(f * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return upload(out, [n] as [number], { dtype: 'int32' } as SampleOptions<'int32'>, 'int32');
}
