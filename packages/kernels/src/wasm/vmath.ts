/**
 * Elementwise float32 functions on f32x4 vectors, as emitter expressions. exp, log and tanh are the
 * Cephes single-precision approximations (about 1-2 ulp), with the special values (±Infinity, NaN,
 * zero, denormals for log) handled by lane selects.
 *
 * Every function takes the local holding its argument (an argument is read several times) and
 * returns an expression leaving the result on the stack.
 */
import type { BinaryOp, CompareOp, UnaryOp } from '../backend.js';
import {
  type Expr,
  type FunctionBuilder,
  f32x4_abs,
  f32x4_add,
  f32x4_ceil,
  f32x4_const,
  f32x4_convert_i32x4_s,
  f32x4_div,
  f32x4_eq,
  f32x4_floor,
  f32x4_ge,
  f32x4_gt,
  f32x4_le,
  f32x4_lt,
  f32x4_max,
  f32x4_min,
  f32x4_mul,
  f32x4_ne,
  f32x4_nearest,
  f32x4_neg,
  f32x4_pmax,
  f32x4_pmin,
  f32x4_relaxed_madd,
  f32x4_sqrt,
  f32x4_sub,
  f64x2_abs,
  f64x2_add,
  f64x2_const,
  f64x2_div,
  f64x2_eq,
  f64x2_ge,
  f64x2_gt,
  f64x2_le,
  f64x2_lt,
  f64x2_max,
  f64x2_min,
  f64x2_mul,
  f64x2_ne,
  f64x2_neg,
  f64x2_sqrt,
  f64x2_sub,
  get,
  i32,
  i32x4_add,
  i32x4_const,
  i32x4_eq,
  i32x4_ge_s,
  i32x4_gt_s,
  i32x4_le_s,
  i32x4_lt_s,
  i32x4_max_s,
  i32x4_min_s,
  i32x4_mul,
  i32x4_ne,
  i32x4_shl,
  i32x4_shr_s,
  i32x4_shr_u,
  i32x4_sub,
  type Local,
  v128_and,
  v128_bitselect,
  v128_or,
} from './emit.js';

export interface MathOptions {
  /** Use relaxed-SIMD fused multiply-add in polynomials. */
  readonly relaxed: boolean;
}

type Fn1 = (x: Local) => Expr;

const c = (v: number) => f32x4_const(v);

/** An expression that needs temporaries: `body(f)` allocates them and emits the value. */
const withLocals =
  (body: (f: FunctionBuilder) => void): Expr =>
  (f) =>
    body(f);

/** a·b + acc: fused where relaxed SIMD is on, else a multiply and an add. */
export function madd(o: MathOptions): (a: Expr, b: Expr, acc: Expr) => Expr {
  return o.relaxed ? f32x4_relaxed_madd : (a, b, acc) => f32x4_add(f32x4_mul(a, b), acc);
}

/**
 * Horner: coefficients from the highest degree down, a statement per degree, so that `lockstep` can
 * interleave the chains of several vectors.
 */
function poly(o: MathOptions, x: Local, coefficients: readonly number[]): Expr {
  const fma = madd(o);
  return withLocals((f) => {
    const y = f.local('v128');
    f.set(y, fma(c(coefficients[0]), get(x), c(coefficients[1])));
    for (let i = 2; i < coefficients.length; i++) f.set(y, fma(get(y), get(x), c(coefficients[i])));
    f.do(get(y));
  });
}

const LOG2E = Math.LOG2E;
const EXP_P = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
/**
 * The clamp of exp's argument: past 89 the scaling below overflows to Infinity by itself, and below -104
 * it underflows to 0 (exp(-104) is under half the smallest subnormal), so neither needs a fix-up after.
 * Between ln(FLT_MIN) = -87.3 and -104 the two-step scaling gives the subnormal results, rounded once.
 */
const EXP_HI = 89;
const EXP_LO = -104;

/** 1.5 * 2^23: adding it rounds a float below 2^22 to an integer, left in the low mantissa bits. */
const MAGIC = 12582912;

export function exp(o: MathOptions): Fn1 {
  return expOver(o, EXP_LO, true);
}

/** ln(FLT_MIN): below it exp(x) is subnormal. */
const LN_FLT_MIN = -87.33654;

/**
 * exp for `1 + exp(x)` (sigmoid, SiLU): arguments below ln(FLT_MIN) give FLT_MIN-sized results instead of
 * subnormal ones, which 1 + exp(x) rounds to 1 all the same; in exchange the scaling by 2^n is one
 * multiply, not two.
 */
function expBesideOne(o: MathOptions): Fn1 {
  return expOver(o, LN_FLT_MIN, false);
}

/** exp on [lo, EXP_HI] (clamped there); `subnormal`: scale in two steps, so that results below FLT_MIN are right. */
function expOver(o: MathOptions, lo: number, subnormal: boolean): Fn1 {
  const fma = madd(o);
  return (x) =>
    withLocals((f) => {
      const t = f.local('v128');
      const fx = f.local('v128');
      const n = f.local('v128');
      const r = f.local('v128');
      const y = f.local('v128');
      // Clamp with pmax/pmin: x first, so a NaN x passes through (pmax(a, b) = a < b ? b : a).
      f.set(t, f32x4_pmin(f32x4_pmax(get(x), c(lo)), c(EXP_HI)));
      // n = round(t / ln 2), as a float (n) and as the integer in fx's low mantissa bits.
      f.set(fx, fma(get(t), c(LOG2E), c(MAGIC)));
      f.set(n, f32x4_sub(get(fx), c(MAGIC)));
      // r = t - n ln2, in two parts (Cody-Waite).
      f.set(r, fma(get(n), c(-0.693359375), get(t)));
      f.set(r, fma(get(n), c(2.1219444e-4), get(r)));
      f.set(y, poly(o, r, EXP_P));
      f.set(y, fma(f32x4_mul(get(y), get(r)), get(r), f32x4_add(get(r), c(1))));
      f.set(n, i32x4_sub(get(fx), i32x4_const(0x4b400000)));
      const pow2 = (e: Expr) => i32x4_shl(i32x4_add(e, i32x4_const(127)), i32(23));
      if (!subnormal) {
        // n in [-126, 128]: 2^n is a normal float, or Infinity at 128 (exp overflows there too).
        f.do(f32x4_mul(get(y), pow2(get(n))));
        return;
      }
      // y * 2^n, with n in [-150, 129], as y * 2^(n >> 1) * 2^(n - (n >> 1)): both factors are normal floats.
      const half = f.local('v128');
      f.set(half, i32x4_shr_s(get(n), i32(1)));
      f.set(n, i32x4_sub(get(n), get(half)));
      f.do(f32x4_mul(f32x4_mul(get(y), pow2(get(half))), pow2(get(n))));
    });
}

const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
];
const FLT_MIN = 1.1754943508222875e-38;

export function log(o: MathOptions): Fn1 {
  const fma = madd(o);
  return (x) =>
    withLocals((f) => {
      const xs = f.local('v128');
      const tiny = f.local('v128');
      const e = f.local('v128');
      const m = f.local('v128');
      const mask = f.local('v128');
      const z = f.local('v128');
      const y = f.local('v128');
      // Denormals: scale up by 2^23 first.
      f.set(tiny, f32x4_lt(get(x), c(FLT_MIN)));
      f.set(xs, v128_bitselect(f32x4_mul(get(x), c(8388608)), get(x), get(tiny)));
      // x = m 2^e with m in [0.5, 1).
      f.set(e, i32x4_sub(i32x4_shr_u(get(xs), i32(23)), i32x4_const(126)));
      f.set(e, i32x4_sub(get(e), v128_and(get(tiny), i32x4_const(23))));
      f.set(m, v128_or(v128_and(get(xs), i32x4_const(0x007fffff)), i32x4_const(0x3f000000)));
      // m < sqrt(1/2): use 2m - 1 and e - 1, else m - 1.
      f.set(mask, f32x4_lt(get(m), c(Math.SQRT1_2)));
      f.set(e, i32x4_add(get(e), get(mask)));
      f.set(m, f32x4_add(f32x4_sub(get(m), c(1)), v128_and(get(m), get(mask))));
      f.set(e, f32x4_convert_i32x4_s(get(e)));
      f.set(z, f32x4_mul(get(m), get(m)));
      f.set(y, f32x4_mul(f32x4_mul(poly(o, m, LOG_P), get(m)), get(z)));
      f.set(y, fma(get(e), c(-2.1219444e-4), get(y)));
      f.set(y, fma(get(z), c(-0.5), get(y)));
      f.set(y, fma(get(e), c(0.693359375), f32x4_add(get(m), get(y))));
      // log 0 = -Infinity, log Infinity = Infinity, log of a negative or NaN is NaN.
      f.set(y, v128_bitselect(c(-Infinity), get(y), f32x4_eq(get(x), c(0))));
      f.set(y, v128_bitselect(c(Infinity), get(y), f32x4_eq(get(x), c(Infinity))));
      f.do(v128_or(get(y), v128_or(f32x4_lt(get(x), c(0)), f32x4_ne(get(x), get(x)))));
    });
}

const TANH_P = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1];

export function tanh(o: MathOptions): Fn1 {
  const fma = madd(o);
  const ex = exp(o);
  return (x) =>
    withLocals((f) => {
      const ax = f.local('v128');
      const z = f.local('v128');
      const small = f.local('v128');
      const e = f.local('v128');
      f.set(ax, f32x4_abs(get(x)));
      // |x| < 0.625: odd polynomial.
      f.set(z, f32x4_mul(get(x), get(x)));
      f.set(small, fma(f32x4_mul(poly(o, z, TANH_P), get(z)), get(x), get(x)));
      // Otherwise 1 - 2 / (exp(2|x|) + 1), with the sign of x.
      f.set(e, f32x4_add(get(ax), get(ax)));
      f.set(e, ex(e));
      f.set(e, f32x4_sub(c(1), f32x4_div(c(2), f32x4_add(get(e), c(1)))));
      f.set(e, v128_or(get(e), v128_and(get(x), i32x4_const(-0x80000000))));
      f.do(v128_bitselect(get(small), get(e), f32x4_lt(get(ax), c(0.625))));
    });
}

/** 1 / (1 + exp(-x)) */
export function sigmoid(o: MathOptions): Fn1 {
  const ex = expBesideOne(o);
  return (x) =>
    withLocals((f) => {
      const t = f.local('v128');
      f.set(t, f32x4_neg(get(x)));
      f.set(t, ex(t));
      f.do(f32x4_div(c(1), f32x4_add(c(1), get(t))));
    });
}

/** x / (1 + exp(-x)) */
export function silu(o: MathOptions): Fn1 {
  const ex = expBesideOne(o);
  return (x) =>
    withLocals((f) => {
      const t = f.local('v128');
      f.set(t, f32x4_neg(get(x)));
      f.set(t, ex(t));
      f.do(f32x4_div(get(x), f32x4_add(c(1), get(t))));
    });
}

/** The float32 unary ops with vector kernels; the others run as scalar JS loops. */
export function unaryOps(o: MathOptions): Partial<Record<UnaryOp, Fn1>> {
  return {
    neg: (x) => f32x4_neg(get(x)),
    abs: (x) => f32x4_abs(get(x)),
    // 1 for positive, -1 for negative, else x itself (0, -0, NaN).
    sign: (x) => v128_bitselect(c(1), v128_bitselect(c(-1), get(x), f32x4_lt(get(x), c(0))), f32x4_gt(get(x), c(0))),
    exp: exp(o),
    log: log(o),
    sqrt: (x) => f32x4_sqrt(get(x)),
    rsqrt: (x) => f32x4_div(c(1), f32x4_sqrt(get(x))),
    reciprocal: (x) => f32x4_div(c(1), get(x)),
    square: (x) => f32x4_mul(get(x), get(x)),
    tanh: tanh(o),
    sigmoid: sigmoid(o),
    // pmax(x, 0) = x < 0 ? 0 : x keeps NaN (as 0 * NaN does in the reference).
    relu: (x) => f32x4_pmax(get(x), c(0)),
    silu: silu(o),
    floor: (x) => f32x4_floor(get(x)),
    ceil: (x) => f32x4_ceil(get(x)),
    // Round half to even, as numpy.
    round: (x) => f32x4_nearest(get(x)),
  };
}

type Fn2 = (a: Expr, b: Expr) => Expr;

/** int32 arithmetic with vector kernels: wrapping add, sub and mul, as the reference's (Math.imul). */
export const INT_BINARY_OPS: Partial<Record<BinaryOp, Fn2>> = {
  add: i32x4_add,
  sub: i32x4_sub,
  mul: i32x4_mul,
  maximum: i32x4_max_s,
  minimum: i32x4_min_s,
};

/** Comparisons (float32 and int32 forms): all-ones lanes where true. NaN compares unequal to everything. */
export const COMPARES: Record<CompareOp, [Fn2, Fn2]> = {
  eq: [f32x4_eq, i32x4_eq],
  ne: [f32x4_ne, i32x4_ne],
  lt: [f32x4_lt, i32x4_lt_s],
  le: [f32x4_le, i32x4_le_s],
  gt: [f32x4_gt, i32x4_gt_s],
  ge: [f32x4_ge, i32x4_ge_s],
};

/** The float64 comparisons (two lanes of all-ones or zero). */
export const F64_COMPARES: Record<CompareOp, Fn2> = {
  eq: f64x2_eq,
  ne: f64x2_ne,
  lt: f64x2_lt,
  le: f64x2_le,
  gt: f64x2_gt,
  ge: f64x2_ge,
};

const ATAN_P = [8.05374449538e-2, -1.38776856032e-1, 1.99777106478e-1, -3.33329491539e-1];

/**
 * atan2(y, x): the Cephes single-precision arctangent of t = min(|x|, |y|) / max(|x|, |y|) in [0, 1]
 * (reduced to |t| <= tan(pi/8) by atan(t) = pi/4 + atan((t - 1) / (t + 1))), then moved to its octant:
 * pi/2 - r where |y| > |x|, pi - r where x is negative (or -0), and y's sign. 0/0 counts as 0 and
 * Infinity/Infinity as 1, which gives IEEE's answers for zeros and infinities; NaN propagates.
 */
export function atan2(a: Expr, b: Expr): Expr {
  return withLocals((f) => {
    const y = f.local('v128');
    const x = f.local('v128');
    const ay = f.local('v128');
    const ax = f.local('v128');
    const t = f.local('v128');
    const big = f.local('v128');
    const z = f.local('v128');
    const r = f.local('v128');
    f.set(y, a);
    f.set(x, b);
    f.set(ay, f32x4_abs(get(y)));
    f.set(ax, f32x4_abs(get(x)));
    f.set(t, f32x4_div(f32x4_min(get(ax), get(ay)), f32x4_max(get(ax), get(ay))));
    f.set(t, v128_bitselect(c(0), get(t), f32x4_eq(f32x4_max(get(ax), get(ay)), c(0))));
    f.set(t, v128_bitselect(c(1), get(t), f32x4_eq(f32x4_min(get(ax), get(ay)), c(Infinity))));
    // atan(t), t in [0, 1] (or NaN)
    f.set(big, f32x4_gt(get(t), c(0.414213562373095)));
    f.set(t, v128_bitselect(f32x4_div(f32x4_sub(get(t), c(1)), f32x4_add(get(t), c(1))), get(t), get(big)));
    f.set(z, f32x4_mul(get(t), get(t)));
    let p: Expr = c(ATAN_P[0]);
    for (const k of ATAN_P.slice(1)) p = f32x4_add(f32x4_mul(p, get(z)), c(k));
    f.set(r, f32x4_add(f32x4_mul(f32x4_mul(p, get(z)), get(t)), get(t)));
    f.set(r, f32x4_add(get(r), v128_and(c(Math.PI / 4), get(big))));
    // The octant.
    f.set(r, v128_bitselect(f32x4_sub(c(Math.PI / 2), get(r)), get(r), f32x4_gt(get(ay), get(ax))));
    f.set(r, v128_bitselect(f32x4_sub(c(Math.PI), get(r)), get(r), i32x4_shr_s(get(x), i32(31))));
    f.do(v128_or(get(r), v128_and(get(y), i32x4_const(-0x80000000))));
  });
}

/** The float32 binary ops with vector kernels (wasm min/max propagate NaN, as the reference does). */
export const BINARY_OPS: Partial<Record<BinaryOp, Fn2>> = {
  atan2,
  add: f32x4_add,
  sub: f32x4_sub,
  mul: f32x4_mul,
  div: f32x4_div,
  maximum: f32x4_max,
  minimum: f32x4_min,
};

/** float64 ops with two-lane vector kernels (the rest, exp and log among them, run in JS). */
export const F64_UNARY: Partial<Record<UnaryOp, Fn1>> = {
  neg: (x) => f64x2_neg(get(x)),
  abs: (x) => f64x2_abs(get(x)),
  sqrt: (x) => f64x2_sqrt(get(x)),
  reciprocal: (x) => f64x2_div(f64x2_const(1), get(x)),
  square: (x) => f64x2_mul(get(x), get(x)),
};

export const F64_BINARY: Partial<Record<BinaryOp, Fn2>> = {
  add: f64x2_add,
  sub: f64x2_sub,
  mul: f64x2_mul,
  div: f64x2_div,
  maximum: f64x2_max,
  minimum: f64x2_min,
};
