/**
 * The fused kernels (see `FusedKernels`): softmax, RMSNorm and SwiGLU's gated SiLU with their VJPs,
 * each one pass (or, where a row's sum or maximum comes first, two or three passes over a row that
 * stays in cache) instead of the five to twelve ops and full passes over memory of their composites.
 *
 * Each runs on the strided driver with the row as its last dim (kept apart from the others), so that
 * the driver's odometer walks the rows and the thread pool splits them. Rows must be contiguous: the
 * backend copies a view whose last axis is not. SwiGLU's kernels read the up half of an input row
 * (and write the up half of an output row) `n` elements after the gate half, `n` the row length.
 */
import {
  add,
  type Expr,
  type FunctionBuilder,
  f32_load,
  f32x4_abs,
  f32x4_add,
  f32x4_const,
  f32x4_convert_i32x4_s,
  f32x4_div,
  f32x4_eq,
  f32x4_max,
  f32x4_mul,
  f32x4_splat,
  f32x4_sqrt,
  f32x4_sub,
  get,
  i32,
  i32x4_splat,
  type Local,
  le_s,
  lt_s,
  type ModuleBuilder,
  mul,
  shuffle32,
  v128_bitselect,
  v128_load,
  v128_load32_splat,
  v128_store,
  v128_store32_lane,
} from './emit.js';
import { bump, paramWord, STRIDED, stridedDriver, UNROLL } from './strided.js';
import { atan2, exp, type MathOptions, madd, sigmoid, silu } from './vmath.js';

/** The exported names of the fused kernels, by the `FusedKernels` method each implements. */
export const FUSED_KERNELS = {
  softmax: 'fused_softmax',
  softmaxVjp: 'fused_softmax_vjp',
  rmsNorm: 'fused_rms_norm',
  addRmsNorm: 'fused_add_rms_norm',
  rmsNormVjp: 'fused_rms_norm_vjp',
  gatedSilu: 'fused_gated_silu',
  gatedSiluVjp: 'fused_gated_silu_vjp',
  adamStep: 'fused_adam_step',
  adamAtan2Step: 'fused_adam_atan2_step',
} as const;

/**
 * Word offsets of the Adam step's parameter block: the output's and the four inputs' byte addresses, the
 * element count, then the float32 constants of `AdamStepConstants`.
 */
export const ADAM = {
  out: 0,
  p: 1,
  g: 2,
  m: 3,
  v: 4,
  n: 5,
  rate1: 6,
  rate2: 7,
  l2: 8,
  decay: 9,
  step: 10,
  vScale: 11,
  eps: 12,
} as const;

/** How one step of a row loop reads and writes: four elements, or (the row's tail) one. */
interface Step {
  /** The elements at `addr`: four, or one in every lane. */
  load(addr: Expr): Expr;
  /** Stores the step's elements of `v` at `addr`: four, or lane 0. */
  store(addr: Expr, v: Expr): Expr;
  /** `v` with the lanes that hold no element of this step zeroed (none on whole vectors, lanes 1-3 on the tail): for sums. */
  own(v: Expr): Expr;
}

/** Four elements at `bytes` past the cursor. */
const wholeAt = (bytes: number): Step => ({
  load: (a) => v128_load(a, bytes),
  store: (a, v) => v128_store(a, v, bytes),
  own: (v) => v,
});
const WHOLE = wholeAt(0);
const TAIL: Step = {
  load: (a) => v128_load32_splat(a),
  store: (a, v) => v128_store32_lane(a, v, 0),
  own: (v) => shuffle32(v, f32x4_const(0), [0, 4, 4, 4]),
};

/**
 * One pass over a row of `n` float32s: `body` runs with cursors into each of `ptrs` (copies, so the
 * row's start stays in `ptrs` for the next pass), four elements a step, then one a step for the tail.
 * With `interleave`, whole vectors go `UNROLL` at a time, their bodies interleaved (`lockstep`): for
 * bodies with long dependent chains and no state carried from one step to the next (each allocates
 * its own temporaries).
 */
function rowPass(
  f: FunctionBuilder,
  ptrs: readonly Local[],
  n: Local,
  body: (s: Step, at: Local[]) => void,
  interleave = false,
): void {
  const i = f.local('i32');
  const at = ptrs.map(() => f.local('i32'));
  for (let k = 0; k < ptrs.length; k++) f.set(at[k], get(ptrs[k]));
  f.set(i, i32(0));
  const passes: [number, () => void][] = [
    [4, () => body(WHOLE, at)],
    [1, () => body(TAIL, at)],
  ];
  if (interleave) passes.unshift([4 * UNROLL, () => f.lockstep(UNROLL, (copy) => body(wholeAt(16 * copy), at))]);
  for (const [width, run] of passes)
    f.while((width > 1 ? le_s : lt_s)(add(get(i), i32(width > 1 ? width : 0)), get(n)), () => {
      run();
      for (const p of at) bump(f, p, 4 * width);
      f.set(i, add(get(i), i32(width)));
    });
}

/** Folds the four lanes of `v` with `op`, leaving the result in every lane. */
function fold(f: FunctionBuilder, v: Local, op: (a: Expr, b: Expr) => Expr): void {
  f.set(v, op(get(v), shuffle32(get(v), get(v), [2, 3, 0, 1])));
  f.set(v, op(get(v), shuffle32(get(v), get(v), [1, 0, 3, 2])));
}

/** 1 / sqrt(sum / n + eps) in every lane, `eps` the kernel's scalar parameter. */
function inverseRms(squares: Local, n: Local, params: Local): Expr {
  const mean = f32x4_div(get(squares), f32x4_convert_i32x4_s(i32x4_splat(get(n))));
  const eps = f32x4_splat(f32_load(get(params), 4 * STRIDED.scalar));
  return f32x4_div(f32x4_const(1), f32x4_sqrt(f32x4_add(mean, eps)));
}

/** Adds the fused kernels to `m`; their names are `FUSED_KERNELS`' values. */
export function fusedKernels(m: ModuleBuilder, o: MathOptions): void {
  const fma = madd(o);
  const ex = exp(o);
  const siluOf = silu(o);
  const sigmoidOf = sigmoid(o);

  stridedDriver(m, FUSED_KERNELS.softmax, 2, (f, [out, x], n) => {
    const top = f.local('v128');
    const total = f.local('v128');
    const t = f.local('v128');
    const e = f.local('v128');
    f.set(top, f32x4_const(Number.NEGATIVE_INFINITY));
    rowPass(f, [x], n, (s, [px]) => f.set(top, f32x4_max(get(top), s.load(get(px)))));
    fold(f, top, f32x4_max);
    // An infinite maximum counts as 0, as in the composite: a row of -Infinity stays finite.
    f.set(
      top,
      v128_bitselect(f32x4_const(0), get(top), f32x4_eq(f32x4_abs(get(top)), f32x4_const(Number.POSITIVE_INFINITY))),
    );
    f.set(total, f32x4_const(0));
    rowPass(f, [out, x], n, (s, [po, px]) => {
      f.set(t, f32x4_sub(s.load(get(px)), get(top)));
      f.set(e, ex(t));
      f.do(s.store(get(po), get(e)));
      f.set(total, f32x4_add(get(total), s.own(get(e))));
    });
    fold(f, total, f32x4_add);
    f.set(total, f32x4_div(f32x4_const(1), get(total)));
    rowPass(f, [out], n, (s, [po]) => f.do(s.store(get(po), f32x4_mul(s.load(get(po)), get(total)))));
  });

  stridedDriver(m, FUSED_KERNELS.softmaxVjp, 3, (f, [out, y, g], n) => {
    const dot = f.local('v128');
    f.set(dot, f32x4_const(0));
    rowPass(f, [y, g], n, (s, [py, pg]) => f.set(dot, fma(s.own(s.load(get(py))), s.load(get(pg)), get(dot))));
    fold(f, dot, f32x4_add);
    rowPass(f, [out, y, g], n, (s, [po, py, pg]) =>
      f.do(s.store(get(po), f32x4_mul(s.load(get(py)), f32x4_sub(s.load(get(pg)), get(dot))))),
    );
  });

  stridedDriver(m, FUSED_KERNELS.rmsNorm, 2, (f, [out, x], n, _strides, params) => {
    const squares = f.local('v128');
    const t = f.local('v128');
    const r = f.local('v128');
    f.set(squares, f32x4_const(0));
    rowPass(f, [x], n, (s, [px]) => {
      f.set(t, s.own(s.load(get(px))));
      f.set(squares, fma(get(t), get(t), get(squares)));
    });
    fold(f, squares, f32x4_add);
    f.set(r, inverseRms(squares, n, params));
    rowPass(f, [out, x], n, (s, [po, px]) => f.do(s.store(get(po), f32x4_mul(s.load(get(px)), get(r)))));
  });

  // The sum goes to the output row as the first pass reads the inputs, and is scaled there in the second:
  // the same roundings as the sum written out and then normalised.
  stridedDriver(m, FUSED_KERNELS.addRmsNorm, 3, (f, [out, x, y], n, _strides, params) => {
    const squares = f.local('v128');
    const t = f.local('v128');
    const r = f.local('v128');
    f.set(squares, f32x4_const(0));
    rowPass(f, [out, x, y], n, (s, [po, px, py]) => {
      f.set(t, s.own(f32x4_add(s.load(get(px)), s.load(get(py)))));
      f.do(s.store(get(po), get(t)));
      f.set(squares, fma(get(t), get(t), get(squares)));
    });
    fold(f, squares, f32x4_add);
    f.set(r, inverseRms(squares, n, params));
    rowPass(f, [out], n, (s, [po]) => f.do(s.store(get(po), f32x4_mul(s.load(get(po)), get(r)))));
  });

  stridedDriver(m, FUSED_KERNELS.rmsNormVjp, 3, (f, [out, x, g], n, _strides, params) => {
    const squares = f.local('v128');
    const dot = f.local('v128');
    const t = f.local('v128');
    const r = f.local('v128');
    const k = f.local('v128');
    f.set(squares, f32x4_const(0));
    f.set(dot, f32x4_const(0));
    rowPass(f, [x, g], n, (s, [px, pg]) => {
      f.set(t, s.own(s.load(get(px))));
      f.set(squares, fma(get(t), get(t), get(squares)));
      f.set(dot, fma(get(t), s.load(get(pg)), get(dot)));
    });
    fold(f, squares, f32x4_add);
    fold(f, dot, f32x4_add);
    f.set(r, inverseRms(squares, n, params));
    // k = r³ · dot / n
    f.set(k, f32x4_mul(f32x4_mul(get(r), f32x4_mul(get(r), get(r))), get(dot)));
    f.set(k, f32x4_div(get(k), f32x4_convert_i32x4_s(i32x4_splat(get(n)))));
    rowPass(f, [out, x, g], n, (s, [po, px, pg]) =>
      f.do(s.store(get(po), f32x4_sub(f32x4_mul(get(r), s.load(get(pg))), f32x4_mul(get(k), s.load(get(px)))))),
    );
  });

  /** The byte distance from a row's gate half to its up half: `n` float32s. */
  const halfOf = (f: FunctionBuilder, n: Local): Local => {
    const half = f.local('i32');
    f.set(half, mul(get(n), i32(4)));
    return half;
  };

  stridedDriver(m, FUSED_KERNELS.gatedSilu, 2, (f, [out, x], n) => {
    const half = halfOf(f, n);
    rowPass(
      f,
      [out, x],
      n,
      (s, [po, px]) => {
        const [a, y] = f.locals('v128', 2);
        f.set(a, s.load(get(px)));
        f.set(y, siluOf(a));
        f.do(s.store(get(po), f32x4_mul(get(y), s.load(add(get(px), get(half))))));
      },
      true,
    );
  });

  for (const withAtan2 of [false, true])
    m.func(withAtan2 ? FUSED_KERNELS.adamAtan2Step : FUSED_KERNELS.adamStep, ['i32'], [], (f, pp) => {
      const constant = (w: number): Local => {
        const l = f.local('v128');
        f.set(l, f32x4_splat(f32_load(get(pp), 4 * w)));
        return l;
      };
      const [out, p, g, mo, v, n] = [ADAM.out, ADAM.p, ADAM.g, ADAM.m, ADAM.v, ADAM.n].map((w) => paramWord(f, pp, w));
      const [rate1, rate2, l2, decay, step, vScale, eps] = [
        ADAM.rate1,
        ADAM.rate2,
        ADAM.l2,
        ADAM.decay,
        ADAM.step,
        ADAM.vScale,
        ADAM.eps,
      ].map(constant);
      // The new moments go n and 2n elements after the new parameter.
      const stride = halfOf(f, n);
      const [grad, m1, v1, scaled] = f.locals('v128', 4);
      rowPass(f, [out, p, g, mo, v], n, (s, [po, pp0, pg, pm, pv]) => {
        f.set(grad, fma(get(l2), s.load(get(pp0)), s.load(get(pg))));
        f.set(m1, s.load(get(pm)));
        f.set(m1, fma(get(rate1), f32x4_sub(get(grad), get(m1)), get(m1)));
        f.set(v1, s.load(get(pv)));
        f.set(v1, fma(get(rate2), f32x4_sub(f32x4_mul(get(grad), get(grad)), get(v1)), get(v1)));
        f.set(scaled, f32x4_mul(f32x4_sqrt(get(v1)), get(vScale)));
        const direction = withAtan2
          ? atan2(get(m1), get(scaled))
          : f32x4_div(get(m1), f32x4_add(get(scaled), get(eps)));
        f.do(s.store(get(po), f32x4_sub(f32x4_mul(get(decay), s.load(get(pp0))), f32x4_mul(get(step), direction))));
        f.do(s.store(add(get(po), get(stride)), get(m1)));
        f.do(s.store(add(add(get(po), get(stride)), get(stride)), get(v1)));
      });
    });

  stridedDriver(m, FUSED_KERNELS.gatedSiluVjp, 3, (f, [out, x, g], n) => {
    const half = halfOf(f, n);
    rowPass(
      f,
      [out, x, g],
      n,
      (s, [po, px, pg]) => {
        const [a, b, gg, sig] = f.locals('v128', 4);
        f.set(a, s.load(get(px)));
        f.set(b, s.load(add(get(px), get(half))));
        f.set(gg, s.load(get(pg)));
        f.set(sig, sigmoidOf(a));
        // d gate = g · up · s · (1 + gate · (1 - s)); d up = g · gate · s
        const slope = fma(get(a), f32x4_sub(f32x4_const(1), get(sig)), f32x4_const(1));
        f.do(s.store(get(po), f32x4_mul(f32x4_mul(get(gg), get(b)), f32x4_mul(get(sig), slope))));
        f.do(s.store(add(get(po), get(half)), f32x4_mul(get(gg), f32x4_mul(get(a), get(sig)))));
      },
      true,
    );
  });
}
