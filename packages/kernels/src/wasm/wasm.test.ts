/**
 * The wasm backend beyond the shared op suite: the emitter, the allocator (reuse, coalescing, growth,
 * the GC safety net, bounded memory in a loop), the plain-SIMD fallback, worker threads (splitting,
 * joining, failures, clean exit), odd and large matmul sizes, and the non-float32 dtypes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Backend } from '../backend.js';
import type { DType, TypedArray } from '../dtype.js';
import { ReferenceBackend } from '../reference/index.js';
import { contiguousStrides, sizeOf, type View } from '../view.js';
import { memoryLimitFor, SplitPolicy, WasmBackend, type WasmBuffer } from './backend.js';
import {
  add,
  type Expr,
  FunctionBuilder,
  f32x4_add,
  f32x4_extract_lane,
  f32x4_splat,
  get,
  gt_s,
  i32,
  i32_load,
  i32_store,
  ModuleBuilder,
  mul,
} from './emit.js';
import { detectFeatures } from './features.js';
import { Heap, OVERREAD, PARAMS_BYTES } from './heap.js';
import { CHUNK_BASE } from './pool.js';
import { requireWasm } from './webassembly.js';

const ref = new ReferenceBackend();

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 31 - 1;
  });
}

/** A view of a fresh buffer holding `data` laid out as `stored`, seen through axis order `perm`. */
function view<B>(b: Backend<B>, data: TypedArray, dtype: DType, stored: number[], perm?: number[]): View<B> {
  const buffer = b.upload(data, dtype);
  const st = contiguousStrides(stored);
  const p = perm ?? stored.map((_, i) => i);
  return { buffer, dtype, shape: p.map((i) => stored[i]), strides: p.map((i) => st[i]), offset: 0 };
}

function readOut<B>(b: Backend<B>, buffer: B, dtype: DType, shape: number[]): TypedArray {
  return b.read({ buffer, dtype, shape, strides: contiguousStrides(shape), offset: 0 });
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-5, atol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const ok =
      got[i] === want[i] ||
      Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]) ||
      (Number.isNaN(got[i]) && Number.isNaN(want[i]));
    if (!ok) expect.fail(`element ${i}: ${got[i]} vs ${want[i]}`);
  }
}

/** Matmul of A ([batch, M, K], stored transposed when ta) and B on both backends. */
function matmulBoth(w: WasmBackend, batch: number, m: number, k: number, n: number, ta: boolean, tb: boolean) {
  const aStored = ta ? [batch, k, m] : [batch, m, k];
  const bStored = tb ? [batch, n, k] : [batch, k, n];
  const ad = values(sizeOf(aStored), m * 7 + k);
  const bd = values(sizeOf(bStored), n * 11 + k);
  const run = <B>(b: Backend<B>) => {
    const a = view(b, ad, 'float32', aStored, ta ? [0, 2, 1] : undefined);
    const bb = view(b, bd, 'float32', bStored, tb ? [0, 2, 1] : undefined);
    return readOut(b, b.matmul(a, bb), 'float32', [batch, m, n]);
  };
  return { got: run(w), want: run(ref) };
}

const backends: WasmBackend[] = [];
function make(options: ConstructorParameters<typeof WasmBackend>[0] = {}): WasmBackend {
  const b = new WasmBackend(options);
  backends.push(b);
  return b;
}
afterAll(async () => {
  await Promise.all(backends.map((b) => b.closeThreads()));
});

describe('emitter', () => {
  it('builds a module that validates, instantiates and computes', () => {
    const m = new ModuleBuilder({ module: 'env', name: 'memory', initialPages: 1, maximumPages: 1, shared: false });
    m.func('affine', ['i32', 'i32'], ['i32'], (f, x, y) => f.do(add(mul(get(x), i32(-300000)), get(y))));
    m.func('splat', ['f32'], ['f32'], (f, x) =>
      f.do(f32x4_extract_lane(f32x4_add(f32x4_splat(get(x)), f32x4_splat(get(x))), 3)),
    );
    m.func('sum', ['i32'], ['i32'], (f, n) => {
      const i = f.local('i32');
      const s = f.local('i32');
      f.for(i, i32(0), get(n), 1, () => f.set(s, add(get(s), get(i))));
      f.do(get(s));
    });
    const bytes = m.build();
    expect(requireWasm().validate(bytes)).toBe(true);
    const memory = new (requireWasm().Memory)({ initial: 1, maximum: 1 });
    const ex = new (requireWasm().Instance)(new (requireWasm().Module)(bytes), { env: { memory } }).exports as Record<
      string,
      (...a: number[]) => number
    >;
    expect(ex.affine(7, 5)).toBe(-2099995);
    expect(ex.splat(1.25)).toBe(2.5);
    expect(ex.sum(1000)).toBe(499500);
  });

  describe('lockstep', () => {
    /** The i32.const values of straight-line code made of `local.set x (i32.const v)` statements. */
    const constants = (code: readonly number[]): number[] => code.filter((_, i) => code[i - 1] === 0x41);

    it('interleaves the copies statement by statement', () => {
      const f = new FunctionBuilder('t', [], []);
      f.lockstep(3, (copy) => {
        const [a, b] = f.locals('i32', 2);
        f.set(a, i32(copy));
        f.set(b, i32(10 + copy));
      });
      expect(constants(f.code)).toEqual([0, 1, 2, 10, 11, 12]);
    });

    it('keeps statements inside an expression, and control flow, with the statement around them', () => {
      // memory[p + 4c] = (c + 1) * 7 + 5, with the 5 from a statement nested in the expression, then
      // doubled under an if: the copies' results show whether any statement was split or torn.
      const m = new ModuleBuilder({ module: 'env', name: 'memory', initialPages: 1, maximumPages: 1, shared: false });
      m.func('run', ['i32'], [], (f, p) =>
        f.lockstep(3, (copy) => {
          const [x, t] = f.locals('i32', 2);
          const five: Expr = (g) => {
            g.set(t, i32(5));
            g.do(get(t));
          };
          f.set(x, add(mul(i32(copy + 1), i32(7)), five));
          f.if(gt_s(get(x), i32(15)), () => f.set(x, add(get(x), get(x))));
          f.do(i32_store(get(p), get(x), 4 * copy));
        }),
      );
      const memory = new (requireWasm().Memory)({ initial: 1, maximum: 1 });
      const run = new (requireWasm().Instance)(new (requireWasm().Module)(m.build()), { env: { memory } }).exports
        .run as (p: number) => void;
      run(64);
      expect([...new Int32Array(memory.buffer, 64, 3)]).toEqual([12, 38, 52]);
    });

    it('rejects copies that write the same local', () => {
      const f = new FunctionBuilder('shared', ['i32'], []);
      const shared = f.local('i32');
      expect(() => f.lockstep(2, () => f.set(shared, i32_load(get(f.params[0]))))).toThrow(
        /copies 0 and 1 both write local/,
      );
    });
  });

  it('reports the runtime features', () => {
    const f = detectFeatures();
    expect(f.simd).toBe(true);
    expect(typeof f.relaxedSimd).toBe('boolean');
  });
});

describe('allocator', () => {
  it('reuses freed blocks, coalesces neighbours and lowers the top', () => {
    const h = new Heap({ initialBytes: 1 << 20 });
    const start = h.stats().top;
    const a = h.alloc(100);
    h.free(a, 100);
    expect(h.alloc(100)).toBe(a); // the exact-size cache
    const big = [h.alloc(2 << 20), h.alloc(2 << 20), h.alloc(2 << 20)];
    h.free(big[0], 2 << 20);
    h.free(big[1], 2 << 20);
    // The first two coalesced into one free block that a 4 MiB request fits.
    expect(h.alloc(4 << 20)).toBe(big[0]);
    h.free(big[0], 4 << 20);
    h.free(big[2], 2 << 20);
    h.free(a, 100);
    h.flushQuick();
    expect(h.stats()).toMatchObject({ liveBytes: 0, liveBlocks: 0, freeBytes: 0, top: start });
  });

  it('grows the memory and keeps the contents', () => {
    const h = new Heap({ initialBytes: 1 << 17 });
    const p = h.alloc(64);
    h.f32[p >> 2] = 42;
    const q = h.alloc(8 << 20);
    expect(h.stats().memoryBytes).toBeGreaterThanOrEqual(q + (8 << 20));
    expect(h.f32[p >> 2]).toBe(42);
    h.f32[(q >> 2) + (2 << 20) - 1] = 7;
    expect(h.f32[(q >> 2) + (2 << 20) - 1]).toBe(7);
  });

  it('keeps OVERREAD bytes of memory past the highest block, however it grows', () => {
    // Kernels may load a vector that runs past a buffer's end and mask it: that must never trap.
    const h = new Heap({ initialBytes: 1 << 17 });
    for (let bytes = 64; bytes < 1 << 22; bytes = bytes * 3 + 64) {
      // A block exactly up to the end of the memory as it is: the allocator must grow instead.
      const fill = h.stats().memoryBytes - h.stats().top;
      for (const size of [fill, bytes]) {
        if (size <= 0) continue;
        h.alloc(size);
        const s = h.stats();
        expect(s.memoryBytes - s.top).toBeGreaterThanOrEqual(OVERREAD);
      }
    }
  });

  it('caps the exact-size caches and returns them to the general pool', () => {
    const h = new Heap();
    const ptrs = Array.from({ length: 100 }, () => h.alloc(1 << 20));
    for (const p of ptrs) h.free(p, 1 << 20);
    // 100 MiB freed into caches capped at 64 MiB: some went back, all of it is free, none live.
    const s = h.stats();
    expect(s.liveBytes).toBe(0);
    expect(s.freeBytes).toBeLessThanOrEqual(100 << 20);
    h.flushQuick();
    expect(h.stats().top).toBe(ptrs[0]);
  });

  it('frees on dispose, and counts live buffers as the reference backend does', () => {
    const b = make({ threads: 1 });
    const before = b.memoryStats().liveBytes;
    const live = b.liveBuffers();
    const x = b.upload(values(1000, 1), 'float32');
    const y = b.unary('exp', { buffer: x, dtype: 'float32', shape: [1000], strides: [1], offset: 0 });
    expect(b.liveBuffers()).toBe(live + 2);
    const peak = b.memory().peakBytes;
    expect(peak).toBeGreaterThanOrEqual(8000);
    b.dispose(x);
    b.dispose(y);
    b.dispose(y); // twice is harmless
    expect(b.liveBuffers()).toBe(live);
    expect(b.memoryStats().liveBytes).toBe(before);
    expect(b.memory()).toMatchObject({ liveBuffers: live, peakBytes: peak });
    b.resetPeak();
    expect(b.memory().peakBytes).toBe(b.memory().liveBytes);
    expect(() => b.read({ buffer: x, dtype: 'float32', shape: [1000], strides: [1], offset: 0 })).toThrow(
      /after dispose/,
    );
  });

  it('frees buffers that are garbage-collected without dispose', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const b = make({ threads: 1 });
    const before = b.memoryStats().liveBytes;
    (() => {
      for (let i = 0; i < 50; i++) b.upload(new Float32Array(100_000), 'float32');
    })();
    expect(b.memoryStats().liveBytes).toBeGreaterThan(before + 50 * 400_000 - 1);
    for (let round = 0; round < 20 && b.memoryStats().liveBytes > before; round++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(b.memoryStats().liveBytes).toBe(before);
  });

  it('spills the least recently used buffers past its limit, and brings them back intact', () => {
    const b = make({ threads: 1, memoryLimitBytes: 4 << 20 });
    const data = values(100_000, 7);
    const kept = view(b, data, 'float32', [100_000]);
    const start = b.memoryStats();
    // 80 MiB of buffers left to the garbage collector in one synchronous run: finalizers cannot run here.
    for (let i = 0; i < 200; i++) b.upload(new Float32Array(100_000), 'float32');
    const s = b.memoryStats();
    expect(s.spills).toBeGreaterThan(0);
    expect(s.memoryBytes).toBe(start.memoryBytes); // never grew
    expect(s.liveBytes).toBeLessThanOrEqual(4 << 20);
    // The oldest buffer was spilled; it comes back, unchanged, when used.
    expect(kept.buffer.ptr).toBe(-1);
    expect(Array.from(b.read(kept))).toEqual(Array.from(data));
    expect(b.memoryStats().reloads).toBe(1);
    const neg = readOut(b, b.unary('neg', kept), 'float32', [100_000]);
    expect(Array.from(neg)).toEqual(Array.from(data, (v) => -v));
  });

  it('keeps a quarter of the machine memory resident by default, between 1 and 3.5 GiB (1 GiB where unknown)', () => {
    const GiB = 2 ** 30;
    expect([undefined, 2 * GiB, 8 * GiB, 24 * GiB, 64 * GiB].map((m) => memoryLimitFor(m) / GiB)).toEqual([
      1, 1, 2, 3.5, 3.5,
    ]);
    const limit = process.env.HRM_WASM_MEMORY_LIMIT_MB;
    delete process.env.HRM_WASM_MEMORY_LIMIT_MB;
    try {
      expect(make({ threads: 1 }).memoryStats().limitBytes).toBe(memoryLimitFor(totalmem()));
    } finally {
      if (limit !== undefined) process.env.HRM_WASM_MEMORY_LIMIT_MB = limit;
    }
  });

  it('raises its limit when the buffers in use do not fit', () => {
    const b = make({ threads: 1, memoryLimitBytes: 1 << 20 });
    const inputs = Array.from({ length: 6 }, (_, i) => values(100_000, i));
    const xs = inputs.map((d) => view(b, d, 'float32', [100_000]));
    const sum = xs.reduce((acc, x) => ({ ...x, buffer: b.binary('add', acc, x) }));
    const want = inputs.reduce((acc, d) => acc.map((v, j) => Math.fround(v + d[j])));
    expectClose(b.read(sum), want, 1e-6, 1e-6);
    expect(b.memoryStats().limitBytes).toBeGreaterThan(1 << 20);
  });

  it('keeps memory bounded in a long synchronous loop that leaves everything to the garbage collector', () => {
    const b = make({ threads: 1, memoryLimitBytes: 8 << 20 });
    let w = view(b, values(128 * 128, 5), 'float32', [128, 128]);
    const x = view(b, values(256 * 128, 6), 'float32', [256, 128]);
    const first = b.memoryStats();
    for (let i = 0; i < 400; i++) {
      const h = b.matmul(x, w);
      const hv: View<WasmBuffer> = { buffer: h, dtype: 'float32', shape: [256, 128], strides: [128, 1], offset: 0 };
      const g = b.matmul({ ...x, shape: [128, 256], strides: [1, 128] }, { ...hv, buffer: b.unary('tanh', hv) });
      w = {
        ...w,
        buffer: b.binary('sub', w, {
          ...w,
          buffer: b.binary(
            'mul',
            { ...w, buffer: g },
            { ...w, shape: [128, 128], strides: [0, 0], buffer: b.fill(1, 'float32', 1e-4) },
          ),
        }),
      };
    }
    const last = b.memoryStats();
    expect(last.spills).toBeGreaterThan(0);
    expect(last.memoryBytes).toBeLessThanOrEqual(Math.max(first.memoryBytes, 16 << 20));
    expect(Number.isFinite(b.read(w)[0])).toBe(true);
  });

  it('keeps memory bounded in a long loop that disposes what it makes', () => {
    const b = make({ threads: 1 });
    const x = view(b, values(64 * 96, 3), 'float32', [64, 96]);
    const w = view(b, values(96 * 32, 4), 'float32', [96, 32]);
    const step = () => {
      const h = b.matmul(x, w);
      const hv: View<WasmBuffer> = { buffer: h, dtype: 'float32', shape: [64, 32], strides: [32, 1], offset: 0 };
      const s = b.unary('silu', hv);
      const r = b.reduce('sum', { ...hv, buffer: s }, [1]);
      for (const t of [h, s, r]) b.dispose(t);
    };
    for (let i = 0; i < 50; i++) step();
    const settled = b.memoryStats();
    for (let i = 0; i < 2000; i++) step();
    const after = b.memoryStats();
    expect(after.memoryBytes).toBe(settled.memoryBytes);
    expect(after.top).toBe(settled.top);
    expect(after.liveBytes).toBe(settled.liveBytes);
  });
});

describe('allocation limits', () => {
  it('refuses a block the heap could never hold, naming the bytes and the maximum, and stays usable', () => {
    const h = new Heap({ initialBytes: 1 << 20, maximumBytes: 64 << 20 });
    const kept = h.alloc(1000);
    const before = h.stats();
    // Past every size class (the allocator's bins cover blocks up to 4 GiB): refused before it looks.
    expect(() => h.alloc(2 ** 33)).toThrow(
      `wasm backend: out of memory: 8589934592 bytes asked for, over the ${h.maximumBlockBytes} bytes one buffer can have in a wasm memory of at most 67108864 bytes`,
    );
    expect(() => h.alloc(2 ** 40)).toThrow(/1099511627776 bytes asked for/);
    expect(() => h.alloc(128 << 20)).toThrow(/out of memory: 134217728 bytes asked for, over/);
    // Within the maximum, but not beside what is live: the memory would have to grow past its maximum.
    const big = h.alloc(40 << 20);
    expect(() => h.alloc(40 << 20)).toThrow(
      /out of memory: 41943040 bytes asked for, but the wasm memory would need \d+ bytes, over its maximum of 67108864 \(41944064 bytes live\)/,
    );
    h.free(big, 40 << 20);
    expect(h.stats()).toEqual({ ...before, memoryBytes: h.stats().memoryBytes }); // grown, never shrunk
    expect(h.alloc(40 << 20)).toBe(big);
    h.free(kept, 1000);
  });

  it('refuses a buffer that can never fit before spilling anything, and keeps its counts', () => {
    const b = make({ threads: 1, memoryLimitBytes: 1 << 20, maximumMemoryBytes: 256 << 20 });
    const xs = Array.from({ length: 8 }, (_, i) => view(b, values(100_000, i), 'float32', [100_000]));
    const before = { stats: b.memoryStats(), memory: b.memory() };
    for (const size of [2 ** 31, 2 ** 40, 100 << 20])
      expect(() => b.fill(size, 'float32', 0)).toThrow(`out of memory: ${size * 4} bytes asked for`);
    expect(() => b.upload(new Float32Array(80 << 20), 'float32')).toThrow(/335544320 bytes asked for/);
    expect(b.memoryStats()).toEqual(before.stats); // nothing spilled, the limit not raised
    expect(b.memory()).toEqual(before.memory);
    expect(Array.from(b.read(xs[0]))).toEqual(Array.from(values(100_000, 0)));
  });
});

describe('kernels', () => {
  const odd = [1, 3, 17, 81, 129];

  it('atan2 in every octant and at the IEEE special values, against Math.atan2', () => {
    const b = make({ threads: 1 });
    const specials = [0, -0, 1, -1, 1e-30, -3.5, 2.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN];
    const ys: number[] = [];
    const xs: number[] = [];
    for (const y of specials)
      for (const x of specials) {
        ys.push(y);
        xs.push(x);
      }
    const rand = values(4000, 7);
    for (let i = 0; i < 2000; i++) {
      ys.push(rand[i] * 10 ** ((i % 7) - 3));
      xs.push(rand[2000 + i] * 10 ** (((i >> 3) % 7) - 3));
    }
    const y = Float32Array.from(ys);
    const x = Float32Array.from(xs);
    const got = readOut(
      b,
      b.binary('atan2', view(b, y, 'float32', [y.length]), view(b, x, 'float32', [x.length])),
      'float32',
      [y.length],
    );
    for (let i = 0; i < y.length; i++) {
      const want = Math.fround(Math.atan2(y[i], x[i]));
      if (Number.isNaN(want)) expect(got[i], `atan2(${y[i]}, ${x[i]})`).toBeNaN();
      else {
        expect(Math.abs(got[i] - want), `atan2(${y[i]}, ${x[i]}) = ${got[i]}, not ${want}`).toBeLessThanOrEqual(
          3e-7 * Math.abs(want),
        );
        expect(Object.is(got[i], 0) || Object.is(got[i], -0) ? Object.is(got[i], want) : true).toBe(true);
      }
    }
  });

  it('gather of whole slices inside the memory, for every dtype and axis, against the reference', () => {
    const b = make({ threads: 1 });
    const idx = Int32Array.from([2, 0, -1, 1, 2]);
    for (const dtype of ['float32', 'int32', 'bool', 'float64'] as const)
      for (const axis of [0, 1, 2]) {
        const shape = [3, 3, 4];
        const data = values(36, axis + 3).map((v) =>
          dtype === 'bool' ? +(v > 0) : dtype === 'int32' ? Math.round(v * 9) : v,
        );
        const typed =
          dtype === 'float64'
            ? Float64Array.from(data)
            : dtype === 'int32'
              ? Int32Array.from(data)
              : dtype === 'bool'
                ? Uint8Array.from(data)
                : data;
        const outShape = shape.map((d, i) => (i === axis ? 5 : d));
        const got = readOut(
          b,
          b.gather(view(b, typed, dtype, shape), view(b, idx, 'int32', [5]), axis),
          dtype,
          outShape,
        );
        const want = readOut(
          ref,
          ref.gather(view(ref, typed, dtype, shape), view(ref, idx, 'int32', [5]), axis),
          dtype,
          outShape,
        );
        expect(Array.from(got), `${dtype} axis ${axis}`).toEqual(Array.from(want));
      }
    expect(() =>
      b.gather(view(b, values(6, 1), 'float32', [3, 2]), view(b, Int32Array.from([3]), 'int32', [1]), 0),
    ).toThrow(/gather: index 3 at position 0 is out of range for an axis of size 3/);
  });

  it('scatterAdd of float rows sums as the reference does, bit for bit: collisions, every axis, strided updates', () => {
    const b = make({ threads: 1 });
    // [updates as stored, axis order seen (undefined: as stored), indices, axis, out shape]
    type Case = [number[], number[] | undefined, number[], number, number[]];
    const cases: Case[] = [
      [[7], undefined, [3, 0, 3, -1, 3, 2, 5], 0, [6]],
      [[5, 3], undefined, [1, 1, -3, 0, 1], 0, [4, 3]],
      [[6, 4], undefined, [0, 2, 0, 2, 1, 0], 0, [3, 4]],
      [[4, 9], undefined, [2, 2, 0, 1], 0, [3, 9]],
      [[2, 4, 5], undefined, [1, 0, 1, 1], 1, [2, 3, 5]],
      [[3, 2, 6], [1, 0, 2], [0, 1, 0], 1, [2, 2, 6]],
      [
        [4, 3, 2, 64],
        [1, 0, 2, 3],
        [2, 0, 1, 0, 2, 2, 1, 1, 0, -1, 2, 0, 0, 0, 1, 2, -2, 1, 2, 1, 0, 0, 1, 2],
        0,
        [3, 64],
      ],
    ];
    for (const [stored, perm, raw, axis, outShape] of cases) {
      // Values of mixed magnitudes, so that float32 sums in another order or precision would differ.
      const data = values(sizeOf(stored), stored.length).map((v, i) => v * 10 ** ((i % 7) - 3));
      const idx = Int32Array.from(raw);
      const shape = (perm ?? stored.map((_, i) => i)).map((i) => stored[i]);
      const idxShape = perm ? shape.slice(0, shape.length - (outShape.length - axis - 1)).slice(axis) : [idx.length];
      for (const dtype of ['float32', 'float64'] as const) {
        const typed = dtype === 'float32' ? data : Float64Array.from(data, (v, i) => v + 1e-9 * i);
        const run = (k: Backend) =>
          readOut(
            k,
            k.scatterAdd(view(k, typed, dtype, stored, perm), view(k, idx, 'int32', idxShape), axis, outShape),
            dtype,
            outShape,
          );
        expect(Array.from(run(b)), `${dtype} ${stored} ${perm ?? ''}`).toEqual(Array.from(run(ref)));
      }
    }
    expect(() =>
      b.scatterAdd(view(b, values(2, 1), 'float32', [2]), view(b, Int32Array.from([0, -4]), 'int32', [2]), 0, [3]),
    ).toThrow(/scatterAdd: index -4 at position 1 is out of range for an axis of size 3/);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('matmul at odd sizes, transposed A %s, transposed B %s', (ta, tb) => {
    const b = make({ threads: 1 });
    for (const m of odd)
      for (const k of [1, 17, 129])
        for (const n of odd) {
          const { got, want } = matmulBoth(b, 1, m, k, n, ta, tb);
          expectClose(got, want);
        }
  });

  it('copies a transpose of the last two axes as the reference does: 4x4 blocks and their edges, folded and unfolded batches', () => {
    // [stored shape, axis order]: M and N around the 4x4 blocks (the transposing kernel), under 4 (the
    // strided copy), batch dims that fold into one and a batch that does not (strided copy), int32 bits.
    const cases: [number[], number[]][] = [
      [
        [4, 4],
        [1, 0],
      ],
      [
        [5, 7],
        [1, 0],
      ],
      [
        [37, 64],
        [1, 0],
      ],
      [
        [3, 9, 13],
        [0, 2, 1],
      ],
      [
        [2, 3, 6, 5],
        [0, 1, 3, 2],
      ],
      [
        [2, 3, 6, 5],
        [1, 0, 3, 2],
      ],
      [
        [64, 37, 64],
        [0, 2, 1],
      ],
      [
        [3, 2, 9],
        [0, 2, 1],
      ],
    ];
    for (const threads of [1, 2]) {
      const w = make({ threads });
      if (threads === 2) w.startThreads();
      for (const [stored, perm] of cases)
        for (const dtype of ['float32', 'int32'] as const) {
          const data =
            dtype === 'float32'
              ? values(sizeOf(stored), 3)
              : Int32Array.from(values(sizeOf(stored), 4), (v) => v * 1e9);
          const shape = perm.map((i) => stored[i]);
          const copied = (b: Backend) => readOut(b, b.copy(view(b, data, dtype, stored, perm)), dtype, shape);
          expect(copied(w)).toEqual(copied(ref));
        }
    }
  });

  it('fused row kernels: rows three at a time and the rest one by one, in runs and across strided outer dims', () => {
    // Row counts around the groups of three (remainders of 0, 1 and 2), rows shorter than a vector and
    // with tails; a view whose outer dims do not fold (runs of 5 rows, the odometer between them); one
    // and two threads (chunks that start inside a group). Against the reference backend's kernels.
    type Case = { shape: number[]; strides?: number[] };
    const cases: Case[] = [];
    for (const rows of [1, 2, 3, 4, 5, 7]) for (const n of [2, 3, 4, 13, 37]) cases.push({ shape: [rows, n] });
    cases.push({ shape: [3, 5, 13], strides: [2 * 5 * 13, 13, 1] }, { shape: [2, 7, 8], strides: [8 * 8, 8, 1] });
    const run = (b: Backend, c: Case, op: string): TypedArray => {
      const strides = c.strides ?? contiguousStrides(c.shape);
      const extent = c.shape.reduce((end, d, i) => end + (d - 1) * strides[i], 1);
      const operand = (seed: number, shape = c.shape, st = strides): View<unknown> => ({
        buffer: b.upload(values(extent, seed), 'float32'),
        dtype: 'float32',
        shape,
        strides: st,
        offset: 0,
      });
      const f = b.fused as NonNullable<Backend['fused']>;
      const [x, y] = [operand(1), operand(2)];
      const half = [...c.shape.slice(0, -1), c.shape[c.shape.length - 1] / 2];
      const gate = () => operand(3, half, [...strides.slice(0, -1), 1]);
      const out =
        op === 'softmax'
          ? f.softmax(x)
          : op === 'softmaxVjp'
            ? f.softmaxVjp(x, y)
            : op === 'rmsNorm'
              ? f.rmsNorm(x, 1e-5)
              : op === 'addRmsNorm'
                ? f.addRmsNorm(x, y, 1e-5)
                : op === 'rmsNormVjp'
                  ? f.rmsNormVjp(x, y, 1e-5)
                  : op === 'gatedSilu'
                    ? f.gatedSilu(x)
                    : f.gatedSiluVjp(x, gate());
      return readOut(b, out, 'float32', op === 'gatedSilu' ? half : c.shape);
    };
    const ops = ['softmax', 'softmaxVjp', 'rmsNorm', 'addRmsNorm', 'rmsNormVjp', 'gatedSilu', 'gatedSiluVjp'];
    for (const threads of [1, 2]) {
      const w = make({ threads, parallelElements: 1, adaptiveThreads: false });
      if (threads === 2) w.startThreads();
      for (const c of cases)
        for (const op of ops) {
          if (op.startsWith('gatedSilu') && c.shape[c.shape.length - 1] % 2 === 1) continue;
          expectClose(run(w, c, op), run(ref, c, op), 1e-5, 1e-6);
        }
    }
  });

  it('fused addRmsNorm reads a transposed input as it is: the same bits as copying it first', () => {
    // [stored shape, axis order] of the transposed operand: rows (m, the dim before the last) around the
    // groups of four (remainders 0..3), rows with tails (n mod 4 of 0..3), folded batch dims, the token
    // mixer's two layouts; the other operand contiguous, as either argument (x + y is y + x).
    const cases: [number[], number[]][] = [
      [
        [4, 4],
        [1, 0],
      ],
      [
        [5, 7],
        [1, 0],
      ],
      [
        [6, 9],
        [1, 0],
      ],
      [
        [13, 7],
        [1, 0],
      ],
      [
        [2, 3, 6, 5],
        [0, 1, 3, 2],
      ],
      [
        [64, 37, 64],
        [0, 2, 1],
      ],
      [
        [64, 64, 37],
        [0, 2, 1],
      ],
    ];
    for (const threads of [1, 2]) {
      const w = make({ threads, parallelElements: 1, adaptiveThreads: false });
      if (threads === 2) w.startThreads();
      for (const [stored, perm] of cases)
        for (const swap of [false, true]) {
          const shape = perm.map((i) => stored[i]);
          const tData = values(sizeOf(stored), 5);
          const cData = values(sizeOf(shape), 6);
          const run = (b: Backend, transposedAsIs: boolean) => {
            const t = view(b, tData, 'float32', stored, perm);
            const tIn = transposedAsIs ? t : view(b, readOut(b, b.copy(t), 'float32', shape), 'float32', shape);
            const c = view(b, cData, 'float32', shape);
            const f = b.fused as NonNullable<Backend['fused']>;
            return readOut(b, swap ? f.addRmsNorm(c, tIn, 1e-5) : f.addRmsNorm(tIn, c, 1e-5), 'float32', shape);
          };
          // No copy of the transposed input on the way (the rows kernel would have made one).
          const copies = vi.spyOn(w, 'copy');
          const got = run(w, true);
          expect(copies).not.toHaveBeenCalled();
          copies.mockRestore();
          expect(got).toEqual(run(w, false));
          expectClose(got, run(ref, true), 1e-5, 1e-6);
        }
    }
  });

  it("fused addRmsNorm along axis -2 writes its result in the inputs' layout: the same bits as normalising the transposes", () => {
    // [batch..., P, Q], normalised along P: x in that layout, y the transpose of a [..., Q, P] buffer (the
    // token mixer's output), as either argument; Q (the kernel's rows) around the groups of four, P with tails.
    const shapes = [
      [4, 4],
      [7, 5],
      [9, 6],
      [2, 13, 7],
      [64, 37, 64],
    ];
    for (const threads of [1, 2]) {
      const w = make({ threads, parallelElements: 1, adaptiveThreads: false });
      if (threads === 2) w.startThreads();
      for (const shape of shapes)
        for (const swap of [false, true]) {
          const r = shape.length;
          const swapped = [...shape.slice(0, -2), shape[r - 1], shape[r - 2]];
          const perm = [...shape.slice(0, -2).map((_, i) => i), r - 1, r - 2];
          const [xData, yData] = [values(sizeOf(shape), 7), values(sizeOf(shape), 8)];
          const f = w.fused as NonNullable<Backend['fused']>;
          const x = view(w, xData, 'float32', shape);
          const y = view(w, yData, 'float32', swapped, perm);
          const copies = vi.spyOn(w, 'copy');
          const columns = f.addRmsNormColumns as NonNullable<typeof f.addRmsNormColumns>;
          const got = readOut(w, swap ? columns(y, x, 1e-5) : columns(x, y, 1e-5), 'float32', shape);
          expect(copies).not.toHaveBeenCalled();
          copies.mockRestore();
          // The rows of the transposes, read back in this layout.
          const tx = view(w, xData, 'float32', shape, perm);
          const ty = view(w, readOut(w, w.copy(y), 'float32', shape), 'float32', shape, perm);
          const rows = readOut(w, f.addRmsNorm(tx, ty, 1e-5), 'float32', swapped);
          const want = readOut(w, w.copy(view(w, rows, 'float32', swapped, perm)), 'float32', shape);
          expect(got).toEqual(want);
        }
    }
  });

  it('matmul edge paths: row edges, 4..7-column edges, narrow column strips, several blocks of each dim', () => {
    // Small blocks so that K spans several inner blocks (the kernels accumulate into C), M several row
    // blocks and N several column blocks. N mod 8 of 1..3 with more than 28 rows in a block takes the
    // column strip (groups of 8, 4, 2 and 1 panels); 4..7 the masked 4x8 edge tile. M mod 4 of 1 or 2
    // under two or more whole column panels takes the row strip (groups of 4, 2, 1 panels), 3 the
    // masked tile. A transposed A (packed by other loops) goes through all of them too.
    const small = make({ threads: 1, blocking: { mc: 40, kc: 24, nc: 48 } });
    const plain = make({ threads: 1 });
    for (const b of [small, plain])
      for (const ta of [false, true])
        for (const m of [1, 2, 3, 6, 29, 30, 31, 81, 97])
          for (const n of [9, 11, 13, 15, 16, 40, 57, 81])
            for (const k of [5, 32, 50]) {
              const { got, want } = matmulBoth(b, 2, m, k, n, ta, m % 2 === 1 && n > 50);
              expectClose(got, want);
            }
  });

  it('matmul with a B broadcast over batches that cannot fold into one product (packed once, reused)', () => {
    // A transposed per batch ([5, 37, K] viewed from [5, K, 37]) times one B ([K, N], batch stride 0):
    // one block of B (reused from batch to batch) or several (K past kc, or N past nc: packed per batch).
    const small = make({ threads: 1, blocking: { mc: 40, kc: 24, nc: 48 } });
    const plain = make({ threads: 1 });
    for (const b of [small, plain])
      for (const [k, n] of [
        [20, 40],
        [20, 96],
        [64, 40],
        [64, 192],
      ]) {
        const aData = values(5 * k * 37, k);
        const bData = values(k * n, n);
        const run = <B>(be: Backend<B>) => {
          const a = view(be, aData, 'float32', [5, k, 37], [0, 2, 1]);
          const w: View<B> = {
            buffer: be.upload(bData, 'float32'),
            dtype: 'float32',
            shape: [5, k, n],
            strides: [0, n, 1],
            offset: 0,
          };
          return readOut(be, be.matmul(a, w), 'float32', [5, 37, n]);
        };
        expectClose(run(b), run(ref));
      }
  });

  it('matmul with batches, broadcast batches and K = 0', () => {
    const b = make({ threads: 1 });
    const { got, want } = matmulBoth(b, 5, 81, 32, 81, false, true);
    expectClose(got, want);
    // [2, 3, 4] @ [4, 5] broadcast over the batch (folded into one product) and [1, 4] @ [2, 4, 5].
    const a = view(b, values(24, 1), 'float32', [2, 3, 4]);
    const w = b.upload(values(20, 2), 'float32');
    const wb: View<WasmBuffer> = { buffer: w, dtype: 'float32', shape: [2, 4, 5], strides: [0, 5, 1], offset: 0 };
    const ra = view(ref, values(24, 1), 'float32', [2, 3, 4]);
    const rw = ref.upload(values(20, 2), 'float32');
    const rwb = { ...wb, buffer: rw };
    expectClose(
      readOut(b, b.matmul(a, wb), 'float32', [2, 3, 5]),
      readOut(ref, ref.matmul(ra, rwb), 'float32', [2, 3, 5]),
    );
    const e1 = view(b, new Float32Array(0), 'float32', [3, 0]);
    const e2 = view(b, new Float32Array(0), 'float32', [0, 2]);
    expect(Array.from(readOut(b, b.matmul(e1, e2), 'float32', [3, 2]))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('plain SIMD (no relaxed FMA) computes the same products', () => {
    const plain = make({ threads: 1, relaxedSimd: false });
    expect(plain.relaxedSimd).toBe(false);
    const fma = make({ threads: 1 });
    expect(fma.relaxedSimd).toBe(detectFeatures().relaxedSimd);
    for (const backend of [plain, fma]) {
      const { got, want } = matmulBoth(backend, 2, 81, 129, 17, true, false);
      expectClose(got, want);
      const x = view(backend, values(300, 9), 'float32', [300]);
      const rx = view(ref, values(300, 9), 'float32', [300]);
      for (const op of ['exp', 'tanh', 'sigmoid', 'silu', 'log'] as const) {
        const input = op === 'log' ? { ...x, buffer: backend.unary('abs', x) } : x;
        const rInput = op === 'log' ? { ...rx, buffer: ref.unary('abs', rx) } : rx;
        expectClose(
          readOut(backend, backend.unary(op, input), 'float32', [300]),
          readOut(ref, ref.unary(op, rInput), 'float32', [300]),
          2e-6,
          1e-6,
        );
      }
    }
  });

  it('sigmoid and SiLU are within 4 ulp of the rounded float64 result over the whole float range', () => {
    // Their exp clamps its argument at ln(FLT_MIN), where 1 + exp(x) is 1 already. Below x = -88.72,
    // exp(-x) overflows and both give 0, where the true values are under 2^-121 in magnitude.
    const xs = Float32Array.from({ length: 20011 }, (_, i) => -120 + (240 * i) / 20011);
    xs.set([-104, -89, -88.8, -88.72, -87.4, -87.3, -17, -16.6, -1e-30, 0, 1e-30, 16.6, 17, 87.3, 87.4, 89, 104]);
    const f64 = { sigmoid: (x: number) => 1 / (1 + Math.exp(-x)), silu: (x: number) => x / (1 + Math.exp(-x)) };
    for (const backend of [make({ threads: 1 }), make({ threads: 1, relaxedSimd: false })])
      for (const op of ['sigmoid', 'silu'] as const) {
        const got = readOut(backend, backend.unary(op, view(backend, xs, 'float32', [xs.length])), 'float32', [
          xs.length,
        ]);
        for (let i = 0; i < xs.length; i++) {
          const want = Math.fround(f64[op](xs[i]));
          const bound = Math.max(2 ** -121, 4 * Math.abs(want) * 2 ** -23);
          if (!(Math.abs(got[i] - want) <= bound)) expect.fail(`${op}(${xs[i]}) = ${got[i]}, float64 rounded ${want}`);
        }
      }
  });

  it('exp is within 2 ulp of the rounded float64 result over its whole range, subnormal results included', () => {
    // Past ln(FLT_MAX) the scaling overflows to Infinity by itself; between ln(FLT_MIN) and -104 it gives
    // subnormals (so 2^-149 is the unit there); below, 0.
    const xs = Float32Array.from({ length: 20011 }, (_, i) => -115 + (220 * i) / 20011);
    xs.set([-104.5, -104, -103.9, -103.3, -100, -95, -90, -88, -87.4, -87.3, 88.7228, 88.723, 88.8, 89, 89.5]);
    for (const backend of [make({ threads: 1 }), make({ threads: 1, relaxedSimd: false })]) {
      const got = readOut(backend, backend.unary('exp', view(backend, xs, 'float32', [xs.length])), 'float32', [
        xs.length,
      ]);
      for (let i = 0; i < xs.length; i++) {
        const want = Math.fround(Math.exp(xs[i]));
        const unit = want < 2 ** -126 ? 2 ** -149 : want * 2 ** -23;
        const ok = Number.isFinite(want) ? Math.abs(got[i] - want) <= 2 * unit : got[i] === want;
        if (!ok) expect.fail(`exp(${xs[i]}) = ${got[i]}, float64 rounded ${want}`);
      }
    }
  });

  it('handles special values as the reference does', () => {
    const specials = [
      0,
      -0,
      1,
      -1,
      0.5,
      1.5,
      2.5,
      -0.5,
      -2.5,
      1e-8,
      -1e-8,
      1e-40,
      -1e-40,
      1e-38,
      0.6249,
      0.6251,
      9,
      -9,
      20,
      -20,
      40,
      -40,
      80,
      -80,
      88.5,
      88.72,
      88.73,
      89,
      -87,
      -87.3,
      -87.4,
      -88,
      -103,
      -104,
      -150,
      3.4e38,
      -3.4e38,
      Infinity,
      -Infinity,
      Number.NaN,
    ];
    for (const backend of [make({ threads: 1 }), make({ threads: 1, relaxedSimd: false })]) {
      const data = Float32Array.from(specials);
      const x = view(backend, data, 'float32', [data.length]);
      const rx = view(ref, data, 'float32', [data.length]);
      for (const op of [
        'neg',
        'abs',
        'sign',
        'exp',
        'log',
        'sqrt',
        'rsqrt',
        'reciprocal',
        'square',
        'tanh',
        'sigmoid',
        'relu',
        'silu',
        'floor',
        'ceil',
        'round',
      ] as const) {
        const got = readOut(backend, backend.unary(op, x), 'float32', [data.length]);
        const want = readOut(ref, ref.unary(op, rx), 'float32', [data.length]);
        for (let i = 0; i < want.length; i++) {
          const [g, w] = [got[i], want[i]];
          // The reference backend's relu is `x > 0 ? x : 0 * x`, NaN at -Infinity; the op suite's (Math.max) and
          // numpy's give 0, as this backend does.
          if (op === 'relu' && specials[i] === -Infinity) {
            expect(g).toBe(0);
            continue;
          }
          const ok = Number.isNaN(w)
            ? Number.isNaN(g)
            : !Number.isFinite(w)
              ? g === w
              : Math.abs(g - w) <= 1e-6 + 2e-6 * Math.abs(w);
          if (!ok) expect.fail(`${op}(${specials[i]}) = ${g}, reference ${w}`);
        }
      }
      const y = view(backend, data.slice().reverse(), 'float32', [data.length]);
      const ry = view(ref, data.slice().reverse(), 'float32', [data.length]);
      for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const)
        expectClose(
          readOut(backend, backend.binary(op, x, y), 'float32', [data.length]),
          readOut(ref, ref.binary(op, rx, ry), 'float32', [data.length]),
          0,
          0,
        );
      for (const op of ['sum', 'max', 'min'] as const) {
        const m = { ...x, shape: [4, 10], strides: [10, 1] };
        const rm = { ...rx, shape: [4, 10], strides: [10, 1] };
        expectClose(
          readOut(backend, backend.reduce(op, m, [1]), 'float32', [4]),
          readOut(ref, ref.reduce(op, rm, [1]), 'float32', [4]),
          1e-6,
          0,
        );
        expectClose(
          readOut(backend, backend.reduce(op, m, [0]), 'float32', [10]),
          readOut(ref, ref.reduce(op, rm, [0]), 'float32', [10]),
          1e-6,
          0,
        );
      }
    }
  });

  it('compares, selects, casts and logic on bool, int32 and float32 match the reference', () => {
    const b = make({ threads: 1 });
    const n = 17 * 5; // odd rows: vector loops and scalar tails
    const f = values(n, 21).map((v, i) => (i % 7 === 0 ? Number.NaN : i % 5 === 0 ? 0 : Math.round(v * 4) / 4));
    const g = values(n, 22).map((v) => Math.round(v * 4) / 4);
    const ints = Int32Array.from(f, (v) => (Number.isNaN(v) ? -3 : v * 4));
    const intsB = Int32Array.from(g, (v) => v * 4);
    const bools = Uint8Array.from(g, (v) => (v > 0 ? 1 : 0));
    const boolsB = Uint8Array.from(f, (v) => (v < 0 ? 1 : 0));
    const run = <B>(k: Backend<B>) => {
      const out: number[][] = [];
      // Plain [17, 5], transposed [5, 17], and [17, 5] against a broadcast row of 5.
      const layouts = (data: TypedArray, dtype: DType) => [
        view(k, data, dtype, [17, 5]),
        view(k, data, dtype, [17, 5], [1, 0]),
      ];
      const row = (data: TypedArray, dtype: DType, shape: number[]): View<B> => {
        const v = view(k, data.slice(0, 5), dtype, [1, 5]);
        return { ...v, shape, strides: shape[0] === 17 ? [0, 1] : [1, 0] };
      };
      for (const [x, y, dtype] of [
        [f, g, 'float32'],
        [ints, intsB, 'int32'],
      ] as const) {
        const [xa, xt] = layouts(x, dtype);
        const [ya, yt] = layouts(y, dtype);
        for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
          out.push(Array.from(readOut(k, k.binary(op, xa, ya), 'bool', [17, 5])));
          out.push(Array.from(readOut(k, k.binary(op, xt, yt), 'bool', [5, 17])));
          out.push(Array.from(readOut(k, k.binary(op, xa, row(y, dtype, [17, 5])), 'bool', [17, 5])));
        }
        for (const op of ['add', 'sub', 'mul', 'maximum', 'minimum'] as const)
          out.push(Array.from(readOut(k, k.binary(op, xt, row(y, dtype, [5, 17])), dtype, [5, 17])));
        const [ca, ct] = layouts(bools, 'bool');
        out.push(Array.from(readOut(k, k.where(ca, xa, ya), dtype, [17, 5])));
        out.push(Array.from(readOut(k, k.where(ct, xt, row(y, dtype, [5, 17])), dtype, [5, 17])));
        out.push(Array.from(readOut(k, k.where(row(bools, 'bool', [17, 5]), xa, ya), dtype, [17, 5])));
        out.push(Array.from(readOut(k, k.cast(xt, 'bool'), 'bool', [5, 17])));
        out.push(Array.from(readOut(k, k.cast(ct, dtype), dtype, [5, 17])));
      }
      out.push(Array.from(readOut(k, k.cast(layouts(ints, 'int32')[1], 'float32'), 'float32', [5, 17])));
      const [ba, bt] = layouts(bools, 'bool');
      const [bb, bbt] = layouts(boolsB, 'bool');
      out.push(Array.from(readOut(k, k.binary('and', ba, bb), 'bool', [17, 5])));
      out.push(Array.from(readOut(k, k.binary('or', bt, bbt), 'bool', [5, 17])));
      out.push(Array.from(readOut(k, k.unary('not', bt), 'bool', [5, 17])));
      return out;
    };
    const got = run(b);
    const want = run(ref);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(got[i], `output ${i}`).toEqual(want[i]);
  });

  it('int32, bool and float64 work (through the reference loops and the wasm copies)', () => {
    const b = make({ threads: 1 });
    const cases: [DType, TypedArray][] = [
      ['int32', Int32Array.from({ length: 12 }, (_, i) => i * 7 - 40)],
      ['bool', Uint8Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 1 : 0))],
      ['float64', Float64Array.from({ length: 12 }, (_, i) => Math.sqrt(i) * 1e-9 + i)],
    ];
    for (const [dtype, data] of cases) {
      const run = <B>(backend: Backend<B>) => {
        const x = view(backend, data, dtype, [3, 4], [1, 0]);
        const out: TypedArray[] = [
          backend.read(x),
          readOut(backend, backend.copy(x), dtype, [4, 3]),
          readOut(backend, backend.concat([x, x], 1), dtype, [4, 6]),
          readOut(
            backend,
            backend.pad(x, [
              [1, 0],
              [2, 1],
            ]),
            dtype,
            [5, 6],
          ),
          readOut(backend, backend.cast(x, 'float32'), 'float32', [4, 3]),
        ];
        if (dtype !== 'bool')
          out.push(
            readOut(backend, backend.binary('add', x, x), dtype, [4, 3]),
            readOut(backend, backend.reduce('sum', x, [0]), dtype, [3]),
          );
        if (dtype === 'float64')
          out.push(readOut(backend, backend.matmul(x, view(backend, data, dtype, [3, 4])), dtype, [4, 4]));
        return out.map((t) => [t.constructor.name, ...Array.from(t)]);
      };
      expect(run(b)).toEqual(run(ref));
    }
  });
});

describe('float64 kernels', () => {
  it('run arithmetic and where in wasm, bit for bit as the reference: special values, broadcast, strided', () => {
    const b = make({ threads: 1 });
    // Count what falls back to the reference loops inside the wasm backend: none of these may.
    const inner = (b as unknown as { ref: ReferenceBackend }).ref;
    let fallbacks = 0;
    for (const name of ['unary', 'binary', 'where'] as const) {
      const original = inner[name].bind(inner) as (...args: unknown[]) => unknown;
      (inner as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        fallbacks++;
        return original(...args);
      };
    }
    const specials = [
      0,
      -0,
      1,
      -1,
      0.5,
      1e-300,
      -1e-300,
      1e308,
      -1e308,
      Infinity,
      -Infinity,
      Number.NaN,
      -2.25,
      5e-324,
    ];
    const n = 37;
    const a = Float64Array.from({ length: n }, (_, i) => specials[i % specials.length] * (i % 3 === 0 ? 1 : 1.7));
    const c = Float64Array.from({ length: n }, (_, i) => specials[(i * 7 + 3) % specials.length]);
    const cond = Uint8Array.from({ length: n }, (_, i) => ((i * 5) % 3 === 0 ? 1 : 0));
    const same = (x: number, y: number) => Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y));
    const on = <B>(be: Backend<B>, data: TypedArray, dtype: DType, stride: number, length: number): View<B> => ({
      buffer: be.upload(data, dtype),
      dtype,
      shape: [length],
      strides: [stride],
      offset: 0,
    });
    const check = (what: string, run: <B>(be: Backend<B>) => TypedArray) => {
      const [got, want] = [run(b), run(ref)];
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++)
        if (!same(got[i], want[i])) expect.fail(`${what} [${i}]: ${got[i]}, reference ${want[i]}`);
    };
    // Contiguous, broadcast (stride 0) and strided (the element-at-a-time path) operands.
    for (const [sa, sc] of [
      [1, 1],
      [0, 1],
      [1, 0],
      [2, 1],
    ]) {
      const len = sa === 2 ? 18 : n;
      for (const op of ['neg', 'abs', 'sqrt', 'reciprocal', 'square'] as const)
        check(`${op} stride ${sa}`, (be) => readOut(be, be.unary(op, on(be, a, 'float64', sa, len)), 'float64', [len]));
      for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const)
        check(`${op} strides ${sa}, ${sc}`, (be) =>
          readOut(be, be.binary(op, on(be, a, 'float64', sa, len), on(be, c, 'float64', sc, len)), 'float64', [len]),
        );
      check(`where strides ${sc}, ${sa}`, (be) =>
        readOut(
          be,
          be.where(on(be, cond, 'bool', sc, len), on(be, a, 'float64', sa, len), on(be, c, 'float64', 1, len)),
          'float64',
          [len],
        ),
      );
    }
    expect(fallbacks).toBe(0);
  });
});

describe('threads', () => {
  it('splits matmuls, elementwise ops, reductions and copies, and joins them with the same results', () => {
    const one = make({ threads: 1 });
    const two = make({ threads: 2, parallelMatmulMacs: 1, parallelElements: 1, adaptiveThreads: false });
    expect(two.startThreads()).toBe(2);
    const jobsBefore = [...two.threadJobs()];
    for (const [batch, m, k, n, ta, tb] of [
      [1, 129, 33, 81, false, false],
      [1, 3, 40, 200, true, true],
      [7, 17, 9, 5, false, true],
    ] as const) {
      const a = matmulBoth(one, batch, m, k, n, ta, tb);
      const b = matmulBoth(two, batch, m, k, n, ta, tb);
      expect(Array.from(b.got)).toEqual(Array.from(a.got)); // the same sums in the same order
      expectClose(b.got, a.want);
    }
    const data = values(6 * 5 * 33, 5);
    const ops = <B>(b: Backend<B>) => {
      const x = view(b, data, 'float32', [6, 5, 33], [2, 0, 1]); // [33, 6, 5], non-contiguous
      const y = view(b, data.subarray(0, 33), 'float32', [33, 1, 1]); // broadcast along the rest
      const yb = { ...y, shape: [33, 6, 5], strides: [1, 0, 0] };
      return [
        readOut(b, b.binary('mul', x, yb), 'float32', [33, 6, 5]),
        readOut(b, b.unary('silu', x), 'float32', [33, 6, 5]),
        readOut(b, b.copy(x), 'float32', [33, 6, 5]),
        readOut(b, b.reduce('sum', x, [0]), 'float32', [6, 5]),
        readOut(b, b.reduce('max', x, [2]), 'float32', [33, 6]),
        readOut(b, b.reduce('sum', x, [1, 2]), 'float32', [33]),
        readOut(
          b,
          b.pad(x, [
            [1, 2],
            [0, 0],
            [3, 0],
          ]),
          'float32',
          [36, 6, 8],
        ),
      ].map((t) => Array.from(t));
    };
    const got = ops(two);
    const want = ops(one);
    for (const [i, g] of got.entries()) expectClose(g, want[i], 1e-6, 1e-6);
    expectClose(got[0], ops(ref)[0]);
    // The worker took a share of the jobs.
    expect(two.threadJobs()[1]).toBeGreaterThan(jobsBefore[1]);
  });

  it('uses threads for large matmuls by default, and keeps small ops on the calling thread', () => {
    const two = make({ threads: 2, adaptiveThreads: false });
    two.startThreads();
    const jobs = () => two.threadJobs()[1] ?? 0;
    const before = jobs();
    const small = matmulBoth(two, 1, 16, 16, 16, false, false);
    expectClose(small.got, small.want);
    expect(jobs()).toBe(before);
    const large = matmulBoth(two, 1, 256, 200, 300, false, true);
    expectClose(large.got, large.want, 1e-5, 1e-4);
    expect(jobs()).toBe(before + 1);
  });

  it('keeps one split policy per kernel and amount of work, and starts over past its cap', () => {
    const internals = make({ threads: 2 }) as unknown as {
      splitPolicies: Map<string, SplitPolicy>;
      policyFor(kernel: string, work: number): SplitPolicy;
    };
    // 64x64x64 and 80x64x64 are both about 2^18 multiply-adds, at different speeds: two policies.
    const first = internals.policyFor('gemm', 64 * 64 * 64);
    expect(internals.policyFor('gemm', 80 * 64 * 64)).not.toBe(first);
    expect(internals.policyFor('binary_add', 64 * 64 * 64)).not.toBe(first);
    expect(internals.policyFor('gemm', 64 * 64 * 64)).toBe(first);
    for (let work = 1; internals.splitPolicies.size > 1; work++) internals.policyFor('kernel', work);
    expect(internals.policyFor('gemm', 64 * 64 * 64)).not.toBe(first);
  });

  it('runs thousands of split jobs back to back, with a worker that sleeps between most, and gets each right', () => {
    // A worker that spins only briefly sleeps between most jobs and often wakes after the caller has done
    // a job's chunks alone; it is then posted the next job before it has picked up the last one. A stale
    // claim would run a chunk of one job with another's parameters: the results would be wrong.
    const two = make({ threads: 2, parallelElements: 1, adaptiveThreads: false });
    const pool = (two as unknown as { pool: { options: object } }).pool;
    pool.options = { ...pool.options, spin: 20 };
    expect(two.startThreads()).toBe(2);
    const one = make({ threads: 1 });
    const jobsBefore = two.threadJobs()[1];
    for (let i = 0; i < 2000; i++) {
      const n = 64 + ((i * 997) % 4096);
      const [x, y] = [values(n, i), values(n, i + 1)];
      const sum = <B>(b: Backend<B>) =>
        readOut(b, b.binary(i % 2 ? 'mul' : 'add', view(b, x, 'float32', [n]), view(b, y, 'float32', [n])), 'float32', [
          n,
        ]);
      const [got, want] = [sum(two), sum(one)];
      if (!got.every((v, k) => v === want[k])) expect.fail(`job ${i} (${n} elements) differs from one thread`);
    }
    expect(two.threadJobs()[1] - jobsBefore).toBeGreaterThanOrEqual(2000);
  });

  it('reports a chunk that fails, and carries on', () => {
    const two = make({ threads: 2, parallelMatmulMacs: 1, adaptiveThreads: false });
    two.startThreads();
    const internals = two as unknown as {
      pool: { run(fn: number, count: number, base: number, stride: number, patch: number, helpers: number): void };
      kernelIndex: Map<string, number>;
    };
    const gemm = internals.kernelIndex.get('gemm') as number;
    // Two chunks: an empty one (no batches) and one whose operands lie far outside the memory (a trap),
    // whichever thread claims it.
    const w = CHUNK_BASE >> 2;
    const words = PARAMS_BYTES >> 2;
    two.heap.i32.fill(0, w, w + 2 * words);
    const table = two.heap.alloc(64);
    two.heap.i32.fill(0, table >> 2, (table >> 2) + 16);
    const scratch = two.heap.alloc(1 << 20);
    two.heap.i32.set(
      [
        0,
        4,
        0,
        8,
        0,
        1,
        4,
        8,
        4,
        0x7ff00000,
        0x7ff00000,
        0x7ff00000,
        4,
        4,
        4,
        4,
        table,
        table,
        scratch,
        scratch,
        scratch,
      ],
      w + words,
    );
    expect(() => internals.pool.run(gemm, 2, CHUNK_BASE, PARAMS_BYTES, -1, 1)).toThrow(/failed on a chunk/);
    const ok = matmulBoth(two, 1, 64, 64, 64, false, false);
    expectClose(ok.got, ok.want);
  });

  it('reads its split policy from HRM_WASM_SPLIT, and rejects a value it does not know', () => {
    const saved = process.env.HRM_WASM_SPLIT;
    try {
      delete process.env.HRM_WASM_SPLIT;
      expect(new WasmBackend({ threads: 1 }).adaptive).toBe(true);
      process.env.HRM_WASM_SPLIT = 'always';
      expect(new WasmBackend({ threads: 1 }).adaptive).toBe(false);
      expect(new WasmBackend({ threads: 1, adaptiveThreads: true }).adaptive).toBe(true);
      process.env.HRM_WASM_SPLIT = 'sometimes';
      expect(() => new WasmBackend({ threads: 1 })).toThrow(
        "HRM_WASM_SPLIT must be 'adaptive' or 'always', not 'sometimes'",
      );
    } finally {
      if (saved === undefined) delete process.env.HRM_WASM_SPLIT;
      else process.env.HRM_WASM_SPLIT = saved;
    }
  });

  it('splits large kernels only while splitting is measured to pay', () => {
    const jobsOf =
      (policy: SplitPolicy) =>
      (jobs: number, alone: number, split: number): boolean[] =>
        Array.from({ length: jobs }, () => {
          const s = policy.decide();
          policy.record(s, s ? split : alone);
          return s;
        });
    const policy = new SplitPolicy();
    const run = jobsOf(policy);
    // It tries each way four times, taking turns; then keeps the faster, trying the other one job in 64
    // while one is clearly faster (one in 16 when they are close).
    expect(run(8, 1e-6, 2e-6)).toEqual([true, false, true, false, true, false, true, false]);
    expect(run(120, 1e-6, 2e-6).filter((x) => x).length).toBe(2); // jobs 64 and 128
    expect(policy.gain()).toBeCloseTo(0.5);
    // One outlier (a page fault, the collector) does not move it.
    policy.record(false, 40e-6);
    expect(run(62, 1e-6, 2e-6).filter((x) => x).length).toBe(0);
    // The machine gets quiet: splitting becomes faster, and wins within a few explorations.
    const quiet = run(320, 1e-6, 0.5e-6);
    expect(quiet.slice(-64).filter((x) => x).length).toBe(63);
    expect(policy.gain()).toBeCloseTo(2);
    // Close times: it explores one job in 16.
    const close = run(128, 1e-6, 0.8e-6);
    expect(close.slice(-64).filter((x) => !x).length).toBe(4);
    // Other work takes the other core: splitting turns slow, and within eight jobs it runs alone.
    const busy = run(16, 1e-6, 3e-6);
    expect(busy.slice(8).filter((x) => x).length).toBe(0);
    // A first split job that waited for a worker woken late (50x the usual time) does not hold a kernel
    // that splits 2x faster alone: one sample of each way settled that for 64 jobs.
    const late = new SplitPolicy();
    expect(late.decide()).toBe(true);
    late.record(true, 50e-6);
    expect(jobsOf(late)(15, 1e-6, 0.5e-6).slice(-8)).toEqual(Array(8).fill(true));
  });

  it('lets the process exit while workers are idle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrm-wasm-'));
    try {
      const entry = join(dir, 'exit.mts');
      const backendUrl = new URL('./backend.ts', import.meta.url).href;
      writeFileSync(
        entry,
        `import { WasmBackend } from ${JSON.stringify(backendUrl)};
const b = new WasmBackend({ threads: 2, adaptiveThreads: false });
const ready = b.startThreads();
const x = b.upload(new Float32Array(512 * 512).fill(1), 'float32');
const v = { buffer: x, dtype: 'float32', shape: [512, 512], strides: [512, 1], offset: 0 };
const y = b.read({ ...v, buffer: b.matmul(v, v) });
console.log(ready, y[0], b.threadJobs()[1]);
`,
      );
      const root = fileURLToPath(new URL('../../../../', import.meta.url));
      const started = Date.now();
      const r = spawnSync(process.execPath, ['--conditions=@hrm/source', '--import', 'tsx', entry], {
        cwd: root,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('2 512 1');
      expect(r.status).toBe(0);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
