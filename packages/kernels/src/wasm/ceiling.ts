/**
 * The float32 compute ceiling WebAssembly reaches on this machine now: a register-only loop of 12
 * independent f32x4 multiply-add chains (enough to hide the multiply-add latency, as a C ceiling loop does), with relaxed-SIMD
 * fused multiply-add or with separate mul and add. Benchmarks divide a kernel's GFLOP/s by it, measured
 * in the same run and so under the same load.
 */
import {
  f32x4_add,
  f32x4_const,
  f32x4_extract_lane,
  f32x4_mul,
  f32x4_relaxed_madd,
  get,
  gt_s,
  i32,
  ModuleBuilder,
  sub,
} from './emit.js';
import { detectFeatures } from './features.js';
import { requireWasm } from './webassembly.js';

const CHAINS = 12;

function ceilingModule(fma: boolean): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder({ module: 'env', name: 'memory', initialPages: 1, maximumPages: 1, shared: false });
  m.func('run', ['i32'], ['f32'], (f, n) => {
    const acc = f.locals('v128', CHAINS);
    const b = f.local('v128');
    const c = f.local('v128');
    f.set(b, f32x4_const(0.999999));
    f.set(c, f32x4_const(1e-7));
    for (const a of acc) f.set(a, f32x4_const(1));
    f.loop((top) => {
      for (const a of acc)
        f.set(a, fma ? f32x4_relaxed_madd(get(a), get(b), get(c)) : f32x4_add(f32x4_mul(get(a), get(b)), get(c)));
      f.set(n, sub(get(n), i32(1)));
      f.brIf(top, gt_s(get(n), i32(0)));
    });
    let sum = get(acc[0]);
    for (const a of acc.slice(1)) sum = f32x4_add(sum, get(a));
    f.do(f32x4_extract_lane(sum, 0));
  });
  return m.build();
}

/**
 * GFLOP/s of one thread: the best of `rounds` runs of about `seconds` each. `fma` needs relaxed SIMD
 * (returns NaN without it).
 */
export function measureCeiling(fma: boolean, seconds = 0.1, rounds = 5): number {
  if (fma && !detectFeatures().relaxedSimd) return Number.NaN;
  const memory = new (requireWasm().Memory)({ initial: 1, maximum: 1 });
  const run = new (requireWasm().Instance)(new (requireWasm().Module)(ceilingModule(fma)), { env: { memory } }).exports
    .run as (n: number) => number;
  // Warm up (and tier up to the optimising compiler), then size the loop to the time asked for.
  let n = 1 << 16;
  for (let i = 0; i < 3; i++) run(n);
  for (;;) {
    const t0 = performance.now();
    run(n);
    const ms = performance.now() - t0;
    if (ms > 10 || n >= 1 << 30) {
      n = Math.max(1, Math.min(2 ** 31 - 1, Math.round((n * seconds * 1000) / Math.max(ms, 1e-3))));
      break;
    }
    n *= 4;
  }
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    run(n);
    const s = (performance.now() - t0) / 1000;
    best = Math.max(best, (n * CHAINS * 4 * 2) / s / 1e9);
  }
  return best;
}
