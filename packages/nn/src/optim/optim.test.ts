/**
 * Each optimiser for several steps against the same formula written out in float64 on plain
 * arrays, with gradients that change every step.
 */
import { type AnyTensor, type Backend, fromArray, mul, tensor, transpose, withBackend } from '@hrm/core';
import { ReferenceBackend, WasmBackend } from '@hrm/kernels';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adam, adamAtan2, adamw } from './adam.js';
import { clipByGlobalNorm, globalNorm } from './clip.js';
import { emaUpdate } from './ema.js';
import { warmupCosine } from './schedule.js';
import { sgd } from './sgd.js';
import { sparseSignSgd } from './sign-sgd.js';
import type { Optimizer } from './types.js';

const f32 = (xs: number[]): AnyTensor => {
  const made = fromArray(xs, [xs.length]);
  if (E.isLeft(made)) throw made.left;
  return made.right as AnyTensor;
};

// Seven coordinates: the wasm kernel's four-wide steps and its tail.
const P0 = [0.5, -1.25, 2, 0.01, -0.3, 1.7, -2.2];
/** A gradient that differs per step and per coordinate. */
const gradAt = (t: number) => P0.map((_, i) => Math.sin(3 * t + i) * (i + 1) * 0.7);

/**
 * Where the Adam family runs: one fused kernel per parameter on the wasm and reference backends, the ops
 * written out on a backend without fused kernels. Each test below runs on all three.
 */
const composites = (): Backend => {
  const plain = new ReferenceBackend();
  Object.defineProperty(plain, 'fused', { value: undefined });
  return plain;
};
const BACKENDS: [string, () => Backend][] = [
  ['wasm, fused', () => new WasmBackend({ threads: 1 })],
  ['reference, fused', () => new ReferenceBackend()],
  ['reference, composite', composites],
];
let onBackend: Backend | undefined;

/** Runs `opt` for `steps` on a one-leaf tree and returns the parameters after each step. */
function run<S>(opt: Optimizer<S>, steps: number): number[][] {
  return onBackend ? withBackend(onBackend, () => runHere(opt, steps)) : runHere(opt, steps);
}

function runHere<S>(opt: Optimizer<S>, steps: number): number[][] {
  let params = { w: f32(P0) };
  let state = opt.init(params);
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    [params, state] = opt.step(params, { w: f32(gradAt(t)) }, state);
    out.push(Array.from(params.w.data()));
  }
  return out;
}

/** The same steps in float64 with a per-coordinate update rule. */
function runRef(
  update: (p: number, g: number, t: number, i: number, mem: Record<string, number[]>) => number,
  steps: number,
): number[][] {
  const p = [...P0];
  const mem: Record<string, number[]> = {};
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = gradAt(t);
    for (let i = 0; i < p.length; i++) p[i] = update(p[i], g[i], t, i, mem);
    out.push([...p]);
  }
  return out;
}

const slot = (mem: Record<string, number[]>, name: string, i: number) => {
  mem[name] ??= new Array(P0.length).fill(0);
  return mem[name][i];
};

function expectClose(got: number[][], want: number[][], tol = 2e-6) {
  got.forEach((row, t) => {
    row.forEach((v, i) => {
      expect(Math.abs(v - want[t][i]), `step ${t + 1}, coordinate ${i}: ${v} vs ${want[t][i]}`).toBeLessThan(
        tol * Math.max(1, Math.abs(want[t][i])),
      );
    });
  });
}

describe.each(BACKENDS)('optimisers against their formulas (%s)', (_name, make) => {
  beforeAll(() => {
    onBackend = make();
  });
  afterAll(() => {
    onBackend = undefined;
  });

  it('SGD with momentum, Nesterov and weight decay', () => {
    const lr = 0.1;
    const mu = 0.9;
    const wd = 0.01;
    const want = runRef((p, g0, _t, i, mem) => {
      const g = g0 + wd * p;
      const v = mu * slot(mem, 'v', i) + g;
      mem.v[i] = v;
      return p - lr * (g + mu * v);
    }, 6);
    expectClose(run(sgd({ lr, momentum: mu, nesterov: true, weightDecay: wd }), 6), want);
  });

  it('Adam with bias correction and epsilon', () => {
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-8];
    const want = runRef((p, g, t, i, mem) => {
      const m = b1 * slot(mem, 'm', i) + (1 - b1) * g;
      const v = b2 * slot(mem, 'v', i) + (1 - b2) * g * g;
      mem.m[i] = m;
      mem.v[i] = v;
      return p - (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
    }, 8);
    expectClose(run(adam({ lr }), 8), want);
  });

  it('AdamW: decoupled weight decay before the Adam step', () => {
    const [lr, b1, b2, eps, wd] = [0.01, 0.9, 0.999, 1e-8, 0.1];
    const want = runRef((p0, g, t, i, mem) => {
      const p = p0 * (1 - lr * wd);
      const m = b1 * slot(mem, 'm', i) + (1 - b1) * g;
      const v = b2 * slot(mem, 'v', i) + (1 - b2) * g * g;
      mem.m[i] = m;
      mem.v[i] = v;
      return p - (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
    }, 8);
    expectClose(run(adamw({ lr, weightDecay: wd }), 8), want);
  });

  it('AdamATan2 exactly as imoneoi/adam-atan2 (no epsilon, atan2 of bias-corrected moments)', () => {
    const [lr, b1, b2, wd] = [0.02, 0.9, 0.95, 1.0];
    const want = runRef((p0, g, t, i, mem) => {
      const p = p0 * (1 - lr * wd);
      const m = slot(mem, 'm', i) + (1 - b1) * (g - slot(mem, 'm', i));
      const v = slot(mem, 'v', i) + (1 - b2) * (g * g - slot(mem, 'v', i));
      mem.m[i] = m;
      mem.v[i] = v;
      return p - (lr / (1 - b1 ** t)) * Math.atan2(m, Math.sqrt(v) / Math.sqrt(1 - b2 ** t));
    }, 10);
    expectClose(run(adamAtan2({ lr, weightDecay: wd }), 10), want);
  });

  it('AdamATan2 bounds each step by lr/(1 - b1^t)·π/2, whatever the gradient scale', () => {
    withBackend(onBackend ?? make(), () => {
      const opt = adamAtan2({ lr: 0.01 });
      const params = { w: f32([0, 0]) };
      const [next] = opt.step(params, { w: f32([1e6, -1e-6]) }, opt.init(params));
      for (const v of next.w.data()) expect(Math.abs(v)).toBeLessThanOrEqual((0.01 / 0.1) * (Math.PI / 2) + 1e-6);
    });
  });

  it('one kernel per parameter where the backend has fused kernels, also for a non-contiguous parameter', () => {
    const b = onBackend ?? make();
    const kernel = b.fused ? vi.spyOn(b.fused, 'adamStep') : undefined;
    withBackend(b, () => {
      const w = transpose(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      );
      const params = { w, u: f32([1, -1]) };
      const opt = adamw({ lr: 0.1, weightDecay: 0.5 });
      const [next, state] = opt.step(params, { w: mul(w, 0.5), u: f32([2, 3]) }, opt.init(params));
      if (kernel) expect(kernel).toHaveBeenCalledTimes(2);
      // Against the composite on the same inputs.
      const want = withBackend(composites(), () => {
        const w0 = transpose(
          tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        );
        const p0 = { w: w0, u: f32([1, -1]) };
        const [n0, s0] = opt.step(p0, { w: mul(w0, 0.5), u: f32([2, 3]) }, opt.init(p0));
        return [n0.w, n0.u, (s0.m as typeof p0).w, (s0.v as typeof p0).u].map((t) => Array.from(t.data()));
      });
      const got = [next.w, next.u, (state.m as typeof params).w, (state.v as typeof params).u].map((t) =>
        Array.from(t.data()),
      );
      for (const [k, xs] of got.entries()) for (const [i, x] of xs.entries()) expect(x).toBeCloseTo(want[k][i], 6);
      expect(next.w.shape).toEqual([3, 2]);
    });
  });
});

describe('schedules, clipping, EMA', () => {
  it('warm-up then half cosine to the minimum ratio (HRM)', () => {
    const lr = warmupCosine({ baseLr: 1, warmupSteps: 10, totalSteps: 110, minRatio: 0.1 });
    expect(lr(0)).toBe(0);
    expect(lr(5)).toBeCloseTo(0.5, 12);
    expect(lr(10)).toBeCloseTo(1, 12);
    expect(lr(60)).toBeCloseTo(0.1 + 0.9 * 0.5, 12);
    expect(lr(110)).toBeCloseTo(0.1, 12);
    expect(warmupCosine({ baseLr: 2, warmupSteps: 4, totalSteps: 100, minRatio: 1 })(50)).toBe(2);
  });

  it('clips by the norm of all gradients together', () => {
    const grads = { a: f32([3, 0]), b: [f32([0, 4])] };
    expect(globalNorm(grads)).toBeCloseTo(5, 6);
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(Array.from(clipped.a.data())).toEqual([Math.fround(0.6), 0]);
    expect(clipByGlobalNorm(grads, 10).grads).toBe(grads);
  });

  it('EMA moves toward the parameters by 1 - mu', () => {
    const e = emaUpdate({ w: f32([1, 2]) }, { w: f32([3, 6]) }, 0.75);
    expect(Array.from(e.w.data())).toEqual([1.5, 3]);
  });
});

describe('sparse SignSGD (puzzle embeddings)', () => {
  it('updates only the rows seen, by the sign of their summed gradients, with decoupled decay', () => {
    const table = tensor([
      [1, 1],
      [2, -2],
      [3, 3],
      [4, 4],
    ]);
    const ids = tensor([1, 3, 1], 'int32');
    // Row 1 appears twice: its gradients sum to [0.5 - 2, 1 + 0] = [-1.5, 1].
    const rowGrads = tensor([
      [0.5, 1],
      [0, -3],
      [-2, 0],
    ]);
    const out = sparseSignSgd(table, ids as never, rowGrads as never, {
      lr: 0.1,
      weightDecay: 0.5,
    }).toArray() as number[][];
    const decay = 1 - 0.1 * 0.5;
    expect(out[0]).toEqual([1, 1]);
    expect(out[2]).toEqual([3, 3]);
    expect(out[1][0]).toBeCloseTo(2 * decay + 0.1, 6);
    expect(out[1][1]).toBeCloseTo(-2 * decay - 0.1, 6);
    expect(out[3][0]).toBeCloseTo(4 * decay, 6); // zero gradient: sign 0
    expect(out[3][1]).toBeCloseTo(4 * decay + 0.1, 6);
  });
});
