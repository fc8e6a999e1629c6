/**
 * The gpu.js backend on a real GL context (Node: headless-gl under Xvfb; `npm run test:gl`).
 * Kernel by kernel against the reference backend on random strided views (transposes, slices,
 * broadcast strides, offsets, ranks up to 8), then the limits and pitfalls gpu.js has: loops past
 * 1000 iterations, tensors longer than the texture side, the size limit, int32 exactness, x/0 and
 * NaN, disposal, and the number of live textures.
 */

import type { Backend, DType, TypedArray } from '@hrm/kernels';
import { allocArray, contiguousStrides, contiguousView, ReferenceBackend, sizeOf, type View } from '@hrm/kernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpujsBackend, GpujsBackend, INT_EXACT_LIMIT } from './backend.js';

let gpu: GpujsBackend;
const ref = new ReferenceBackend();

beforeAll(() => {
  gpu = new GpujsBackend();
});

afterAll(async () => {
  await gpu?.destroy();
});

/** A small seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomData(rand: () => number, n: number, dtype: DType): TypedArray {
  const out = allocArray(dtype, n);
  for (let i = 0; i < n; i++)
    out[i] = dtype === 'bool' ? +(rand() < 0.5) : dtype === 'int32' ? Math.floor(rand() * 19) - 9 : rand() * 4 - 2;
  return out;
}

/** The same values on both backends. */
interface Pair {
  readonly g: View;
  readonly r: View;
}

/**
 * A random view of `shape`: a larger base buffer, axes permuted, each axis a slice starting past 0,
 * and some axes broadcast (stride 0) where `broadcast` allows.
 */
function randomView(rand: () => number, shape: readonly number[], dtype: DType, broadcast = true): Pair {
  const rank = shape.length;
  const perm = shape.map((_, i) => i).sort(() => rand() - 0.5);
  const extra = shape.map(() => Math.floor(rand() * 2));
  const baseShape = perm.map((i) => shape[i] + extra[i]);
  const baseStrides = contiguousStrides(baseShape);
  const strides = new Array<number>(rank);
  let offset = 0;
  perm.forEach((axis, k) => {
    const start = extra[axis];
    strides[axis] = broadcast && shape[axis] > 1 && rand() < 0.15 ? 0 : baseStrides[k];
    offset += start * baseStrides[k];
  });
  const data = randomData(rand, sizeOf(baseShape) + 3, dtype);
  const gb = gpu.upload(data, dtype);
  const rb = ref.upload(data, dtype);
  return { g: { buffer: gb, dtype, shape, strides, offset }, r: { buffer: rb, dtype, shape, strides, offset } };
}

function randomShape(rand: () => number, rank: number, max = 4): number[] {
  return Array.from({ length: rank }, () => 1 + Math.floor(rand() * max));
}

function readBoth(g: unknown, r: unknown, dtype: DType, shape: readonly number[]): [TypedArray, TypedArray] {
  return [gpu.read(contiguousView(g as never, dtype, shape)), ref.read(contiguousView(r as never, dtype, shape))];
}

function expectClose(got: TypedArray, want: TypedArray, rtol = 1e-5, atol = 1e-6, label = ''): void {
  expect(got.length, `${label} length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i], want[i]];
    if (Number.isNaN(w)) expect(Number.isNaN(g), `${label}[${i}] is ${g}, want NaN`).toBe(true);
    else if (!Number.isFinite(w)) expect(g, `${label}[${i}]`).toBe(w);
    else if (Math.abs(g - w) > atol + rtol * Math.abs(w)) expect.fail(`${label}[${i}] is ${g}, want ${w}`);
  }
}

/** Runs `op` on both backends with views from `pairs`, compares the (contiguous) results. */
function same(
  label: string,
  op: (b: Backend, views: View[]) => unknown,
  pairs: readonly Pair[],
  dtype: DType,
  shape: readonly number[],
  rtol = 1e-5,
  atol = 1e-6,
): void {
  const g = op(
    gpu,
    pairs.map((p) => p.g),
  );
  const r = op(
    ref,
    pairs.map((p) => p.r),
  );
  const [got, want] = readBoth(g, r, dtype, shape);
  expectClose(got, want, rtol, atol, label);
  gpu.dispose(g as never);
  for (const p of pairs) gpu.dispose(p.g.buffer as never);
}

describe('gpu.js backend: start-up and modes', () => {
  it('runs in headless-gl in Node, and says so', () => {
    expect(gpu.mode).toBe('headlessgl');
    expect(gpu.info.version).toMatch(/WebGL 1\.0/);
    expect(gpu.info.maxTextureSize).toBeGreaterThanOrEqual(4096);
    expect(gpu.info.maxElements).toBe(Math.min(INT_EXACT_LIMIT, gpu.info.maxTextureSize ** 2));
    expect(gpu.dtypes).toEqual(['float32', 'int32', 'bool']);
  });

  it('refuses the modes that are not GPU modes, by name', () => {
    expect(() => new GpujsBackend({ mode: 'cpu' as never })).toThrow(
      /mode "cpu" is not a GPU mode.*JavaScript on the CPU/,
    );
    expect(() => new GpujsBackend({ mode: 'webasm' as never })).toThrow(/"webasm" is not a GPU mode.*WebAssembly/);
    expect(() => new GpujsBackend({ mode: 'gpu' as never })).toThrow(/"gpu" is not a GPU mode.*silently/);
    expect(() => new GpujsBackend({ mode: 'webgpu' })).toThrow(/createGpujsBackend/);
    expect(() => new GpujsBackend({ mode: ['webgl2', 'webgl'] })).toThrow(
      /no GPU mode started \(webgl2: not supported here; webgl: not supported here\)/,
    );
  });

  it('picks webgpu, then webgl2, webgl, headlessgl when asked to choose, and names why each was passed over', async () => {
    const b = await createGpujsBackend({ mode: 'auto' });
    expect(b.mode).toBe('headlessgl');
    await b.destroy();
    await expect(createGpujsBackend({ mode: ['webgpu', 'webgl2'] })).rejects.toThrow(
      /no GPU mode started \(webgpu: no WebGPU adapter here; webgl2: .*not supported here\)/,
    );
  });

  it('refuses float64 with a clear error', () => {
    expect(() => gpu.upload(new Float64Array(2), 'float64')).toThrow(/float32, int32 and bool.*not float64/);
  });
});

describe('gpu.js backend: kernels on random strided views, against the reference backend', () => {
  const rand = rng(2024);
  const ranks = [0, 1, 2, 3, 4, 5, 6, 7, 8];

  it('unary, binary, where, cast and copy at every rank', () => {
    for (const rank of ranks) {
      const shape = randomShape(rand, rank, rank > 5 ? 2 : 4);
      for (const op of ['exp', 'tanh', 'neg', 'round', 'sigmoid'] as const)
        same(`${op} ${shape}`, (b, [x]) => b.unary(op, x), [randomView(rand, shape, 'float32')], 'float32', shape);
      for (const op of ['add', 'mul', 'maximum', 'atan2'] as const)
        same(
          `${op} ${shape}`,
          (b, [x, y]) => b.binary(op, x, y),
          [randomView(rand, shape, 'float32'), randomView(rand, shape, 'float32')],
          'float32',
          shape,
        );
      same(
        `lt ${shape}`,
        (b, [x, y]) => b.binary('lt', x, y),
        [randomView(rand, shape, 'int32'), randomView(rand, shape, 'int32')],
        'bool',
        shape,
      );
      same(
        `where ${shape}`,
        (b, [c, x, y]) => b.where(c, x, y),
        [randomView(rand, shape, 'bool'), randomView(rand, shape, 'float32'), randomView(rand, shape, 'float32')],
        'float32',
        shape,
      );
      same(`cast ${shape}`, (b, [x]) => b.cast(x, 'int32'), [randomView(rand, shape, 'float32')], 'int32', shape);
      same(`copy ${shape}`, (b, [x]) => b.copy(x), [randomView(rand, shape, 'int32')], 'int32', shape);
    }
  });

  it('reductions over random axes, and arg-reductions', () => {
    for (const rank of ranks.slice(1)) {
      const shape = randomShape(rand, rank, rank > 5 ? 2 : 5);
      const axes = shape.map((_, i) => i).filter(() => rand() < 0.5);
      if (axes.length === 0) axes.push(rank - 1);
      const outShape = shape.filter((_, i) => !axes.includes(i));
      for (const op of ['sum', 'max', 'min'] as const)
        same(
          `${op} ${shape} over ${axes}`,
          (b, [x]) => b.reduce(op, x, axes),
          [randomView(rand, shape, 'float32')],
          'float32',
          outShape,
        );
      const axis = Math.floor(rand() * rank);
      same(
        `argmax ${shape} axis ${axis}`,
        (b, [x]) => b.argReduce('argmax', x, axis),
        [randomView(rand, shape, 'int32')],
        'int32',
        shape.filter((_, i) => i !== axis),
      );
    }
  });

  it('matmul with batch broadcasting, transposed operands and offsets', () => {
    for (const batchRank of [0, 1, 2, 3]) {
      const batch = randomShape(rand, batchRank, 3);
      const [m, k, n] = [1 + Math.floor(rand() * 9), 1 + Math.floor(rand() * 40), 1 + Math.floor(rand() * 9)];
      same(
        `matmul ${batch} ${m}x${k}x${n}`,
        (b, [x, y]) => b.matmul(x, y),
        [randomView(rand, [...batch, m, k], 'float32'), randomView(rand, [...batch, k, n], 'float32')],
        'float32',
        [...batch, m, n],
        1e-5,
        1e-5,
      );
    }
  });

  it('concat of up to seven views, pad, gather and scatterAdd', () => {
    for (const rank of [1, 2, 3, 5]) {
      const shape = randomShape(rand, rank);
      const axis = Math.floor(rand() * rank);
      const count = 2 + Math.floor(rand() * 6);
      const parts = Array.from({ length: count }, () => {
        const s = [...shape];
        s[axis] = Math.floor(rand() * 3); // empty parts too
        return randomView(rand, s, 'float32');
      });
      const out = [...shape];
      out[axis] = parts.reduce((t, p) => t + p.g.shape[axis], 0);
      same(`concat ${count} on ${axis}`, (b, vs) => b.concat(vs, axis), parts, 'float32', out);

      const widths = shape.map(() => [Math.floor(rand() * 3), Math.floor(rand() * 3)] as const);
      same(
        `pad ${shape} by ${JSON.stringify(widths)}`,
        (b, [x]) => b.pad(x, widths),
        [randomView(rand, shape, 'float32')],
        'float32',
        shape.map((d, i) => d + widths[i][0] + widths[i][1]),
      );

      const size = shape[axis];
      const idxShape = randomShape(rand, 1 + Math.floor(rand() * 2), 3);
      const idxData = Int32Array.from({ length: sizeOf(idxShape) }, () => Math.floor(rand() * 2 * size) - size);
      const indices = (): Pair => ({
        g: contiguousView(gpu.upload(idxData, 'int32'), 'int32', idxShape),
        r: contiguousView(ref.upload(idxData, 'int32'), 'int32', idxShape),
      });
      const gathered = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
      same(
        `gather ${shape} axis ${axis} by ${idxShape}`,
        (b, [x, i]) => b.gather(x, i, axis),
        [randomView(rand, shape, 'float32'), indices()],
        'float32',
        gathered,
      );
      same(
        `scatterAdd into ${shape} axis ${axis}`,
        (b, [u, i]) => b.scatterAdd(u, i, axis, shape),
        [randomView(rand, gathered, 'float32', false), indices()],
        'float32',
        shape,
      );
    }
  });

  it('gather reads indices it cannot see on the host back, and checks them', () => {
    const x = gpu.upload(new Float32Array([10, 20, 30]), 'float32');
    // Indices computed on the device (no host copy): 2 - [0, 1, 5] = [2, 1, -3].
    const k = gpu.binary(
      'sub',
      { buffer: gpu.fill(3, 'int32', 2), dtype: 'int32', shape: [3], strides: [1], offset: 0 },
      contiguousView(gpu.upload(new Int32Array([0, 1, 5]), 'int32'), 'int32', [3]),
    );
    expect(k.host).toBeUndefined();
    const g = gpu.gather(contiguousView(x, 'float32', [3]), contiguousView(k, 'int32', [3]), 0);
    expect(Array.from(gpu.read(contiguousView(g, 'float32', [3])))).toEqual([30, 20, 10]);
    const bad = gpu.unary('neg', contiguousView(gpu.fill(2, 'int32', 4), 'int32', [2]));
    expect(() => gpu.gather(contiguousView(x, 'float32', [3]), contiguousView(bad, 'int32', [2]), 0)).toThrow(
      /index -4 at position 0 is out of range for an axis of size 3/,
    );
  });
});

describe('gpu.js backend: limits and pitfalls', () => {
  it('loops past 1000 iterations (gpu.js truncates loops at loopMaxIterations)', () => {
    const n = 3000;
    const data = Float32Array.from({ length: n }, (_, i) => (i % 5) - 2 + 0.25);
    const x = contiguousView(gpu.upload(data, 'float32'), 'float32', [n]);
    const want = data.reduce((a, b) => a + b, 0);
    expect(gpu.read(contiguousView(gpu.reduce('sum', x, [0]), 'float32', []))[0]).toBeCloseTo(want, 3);
    expect(gpu.read(contiguousView(gpu.argReduce('argmax', x, 0), 'int32', []))[0]).toBe(4);
    // matmul [1, K] @ [K, 1] with K = 1500 sums every term.
    const k = 1500;
    const ones = contiguousView(gpu.fill(k, 'float32', 1), 'float32', [1, k]);
    const col = { ...ones, shape: [k, 1], strides: [1, 0] };
    expect(gpu.read(contiguousView(gpu.matmul(ones, col), 'float32', [1, 1]))[0]).toBe(k);
  });

  it('holds tensors longer than a texture side, in 1D and as [20000, 2]', () => {
    const n = 20000; // > MAX_TEXTURE_SIZE (16384): the 1D output is packed into a square-ish texture
    expect(n).toBeGreaterThan(gpu.info.maxTextureSize);
    const data = Float32Array.from({ length: 2 * n }, (_, i) => i);
    const x = gpu.upload(data, 'float32');
    const t = gpu.copy({ buffer: x, dtype: 'float32', shape: [2, n], strides: [1, 2], offset: 0 }); // transpose
    const back = gpu.read(contiguousView(t, 'float32', [2, n]));
    expect(back[0]).toBe(0);
    expect(back[n - 1]).toBe(2 * (n - 1));
    expect(back[n]).toBe(1);
    expect(back[2 * n - 1]).toBe(2 * n - 1);
  });

  it('refuses tensors beyond its element limit with a clear error', () => {
    expect(() => gpu.fill(INT_EXACT_LIMIT + 1, 'float32', 0)).toThrow(
      /16777217 elements is larger than this backend holds \(16777216: indices are float32, exact to 2\^24/,
    );
    const small = new GpujsBackend({ maxElements: 100 });
    expect(small.info.maxElements).toBe(100);
    const x = contiguousView(small.fill(100, 'float32', 1), 'float32', [10, 10]);
    expect(() => small.concat([x, x], 0)).toThrow(/200 elements is larger than this backend holds \(100/);
    void small.destroy();
  });

  it('keeps int32 exact to 2^24 and refuses what it cannot hold exactly', () => {
    const big = Int32Array.of(INT_EXACT_LIMIT, -INT_EXACT_LIMIT, 123456789 % INT_EXACT_LIMIT);
    const x = gpu.upload(big, 'int32');
    expect(Array.from(gpu.read(contiguousView(x, 'int32', [3])))).toEqual(Array.from(big));
    expect(() => gpu.upload(Int32Array.of(1, INT_EXACT_LIMIT + 1), 'int32')).toThrow(
      /int32 value 16777217 at position 1 is beyond ±2\^24/,
    );
    // 4097 * 4097 = 16785409 > 2^24: the product is not exact on the device, and read says so.
    const y = contiguousView(gpu.fill(1, 'int32', 4097), 'int32', [1]);
    expect(() => gpu.read(contiguousView(gpu.binary('mul', y, y), 'int32', [1]))).toThrow(/beyond ±2\^24/);
    // Floor division and Python's modulo, exact near the limit, with 0 for a zero divisor.
    const a = Int32Array.of(16777213, -16777213, 7, -7, 5, 9);
    const b = Int32Array.of(10, -7, -2, -2, 0, 0);
    const av = contiguousView(gpu.upload(a, 'int32'), 'int32', [6]);
    const bv = contiguousView(gpu.upload(b, 'int32'), 'int32', [6]);
    const div = gpu.read(contiguousView(gpu.binary('div', av, bv), 'int32', [6]));
    const mod = gpu.read(contiguousView(gpu.binary('mod', av, bv), 'int32', [6]));
    expect(Array.from(div)).toEqual([1677721, 2396744, -4, 3, 0, 0]);
    expect(Array.from(mod)).toEqual([3, -5, -1, -1, 0, 0]);
  });

  it('gives Infinity and NaN for float x/0 (headless-gl alone would give 0), and lets NaN win', () => {
    const x = contiguousView(gpu.upload(Float32Array.of(1, -1, 0, Number.NaN, 4), 'float32'), 'float32', [5]);
    const zero = contiguousView(gpu.fill(5, 'float32', 0), 'float32', [5]);
    const read = (b: unknown) => Array.from(gpu.read(contiguousView(b as never, 'float32', [5])));
    expect(read(gpu.binary('div', x, zero))).toEqual([Infinity, -Infinity, Number.NaN, Number.NaN, Infinity]);
    expect(read(gpu.unary('reciprocal', zero))).toEqual([Infinity, Infinity, Infinity, Infinity, Infinity]);
    expect(read(gpu.unary('log', x))).toEqual([0, Number.NaN, -Infinity, Number.NaN, Math.fround(Math.log(4))]);
    const max = gpu.read(contiguousView(gpu.reduce('max', x, [0]), 'float32', []));
    expect(max[0]).toBeNaN();
    expect(gpu.read(contiguousView(gpu.argReduce('argmin', x, 0), 'int32', []))[0]).toBe(3);
  });
});

describe('gpu.js backend: buffers and textures', () => {
  it('refuses disposed buffers and frees each texture once', () => {
    const before = gpu.liveBuffers();
    const x = gpu.upload(Float32Array.of(1, 2), 'float32');
    expect(gpu.liveBuffers()).toBe(before + 1);
    gpu.dispose(x);
    gpu.dispose(x);
    expect(gpu.liveBuffers()).toBe(before);
    expect(() => gpu.read(contiguousView(x, 'float32', [2]))).toThrow(/used after dispose/);
    expect(() => gpu.unary('neg', contiguousView(x, 'float32', [2]))).toThrow(/used after dispose/);
  });

  it('feeds a kernel its own output, at changing sizes (gpu.js would swap in a stale texture)', () => {
    let x = gpu.upload(Float32Array.of(1, 2, 3, 4, 5, 6), 'float32');
    for (const n of [6, 4, 6, 2, 5]) {
      const want = Array.from(gpu.read(contiguousView(x, 'float32', [6]))).slice(0, n);
      const y = gpu.unary('neg', { buffer: x, dtype: 'float32', shape: [n], strides: [1], offset: 0 });
      const z = gpu.unary('neg', contiguousView(y, 'float32', [n])); // its input is the kernel's last output
      expect(Array.from(gpu.read(contiguousView(z, 'float32', [n])))).toEqual(want);
      gpu.dispose(x);
      gpu.dispose(y);
      x = gpu.pad(contiguousView(z, 'float32', [n]), [[0, 6 - n]]);
      gpu.dispose(z);
    }
    gpu.dispose(x);
  });

  it('keeps the number of live GL textures flat over many ops when results are disposed', () => {
    const x = contiguousView(
      gpu.upload(
        Float32Array.from({ length: 64 }, (_, i) => i),
        'float32',
      ),
      'float32',
      [8, 8],
    );
    const round = () => {
      const a = gpu.matmul(x, { ...x, strides: [1, 8] });
      const b = gpu.unary('tanh', contiguousView(a, 'float32', [8, 8]));
      const c = gpu.reduce('sum', contiguousView(b, 'float32', [8, 8]), [1]);
      gpu.read(contiguousView(c, 'float32', [8]));
      for (const t of [a, b, c]) gpu.dispose(t);
    };
    round();
    const start = gpu.stats();
    for (let i = 0; i < 100; i++) round();
    const end = gpu.stats();
    expect(end.buffers).toBe(start.buffers);
    expect(end.textures).toBe(start.textures);
    expect(end.framebuffers).toBe(start.framebuffers);
    expect(end.kernels).toBe(start.kernels);
    gpu.dispose(x.buffer);
  });
});
