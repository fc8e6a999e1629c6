import type { ArithmeticOp, BinaryOp, UnaryOp } from '../backend.js';
import type { TypedArray } from '../dtype.js';

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

export const UNARY: Record<UnaryOp, Fn1> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), // keeps 0, -0 and NaN as they are
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  square: (x) => x * x,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  // Two branches so that neither exp overflows: exact to the last bit in float64 for large |x|.
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x) => (x > 0 ? x : 0 * x), // 0 * NaN keeps NaN
  silu: (x) => (x >= 0 ? x / (1 + Math.exp(-x)) : (x * Math.exp(x)) / (1 + Math.exp(x))),
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  not: (x) => (x ? 0 : 1),
};

/** Rounds halves to even, as numpy, JAX and PyTorch do. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const FLOAT_ARITHMETIC: Record<ArithmeticOp, Fn2> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b)),
  atan2: Math.atan2,
  mod: (a, b) => {
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r;
  },
};

const INT_ARITHMETIC: Record<ArithmeticOp, Fn2> = {
  ...FLOAT_ARITHMETIC,
  mul: Math.imul,
  div: (a, b) => (b === 0 ? 0 : Math.floor(a / b)),
  mod: (a, b) => (b === 0 ? 0 : FLOAT_ARITHMETIC.mod(a, b)),
  pow: (a, b) => (b < 0 ? (a === 1 ? 1 : a === -1 ? (b % 2 ? -1 : 1) : 0) : a ** b),
};

const OTHER: Record<Exclude<BinaryOp, ArithmeticOp>, Fn2> = {
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  and: (a, b) => +(a !== 0 && b !== 0),
  or: (a, b) => +(a !== 0 || b !== 0),
};

export function binaryFn(op: BinaryOp, integer: boolean): Fn2 {
  if (op in OTHER) return OTHER[op as keyof typeof OTHER];
  return (integer ? INT_ARITHMETIC : FLOAT_ARITHMETIC)[op as ArithmeticOp];
}

export function map1(x: TypedArray, out: TypedArray, f: Fn1): void {
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]);
}

export function map2(a: TypedArray, b: TypedArray, out: TypedArray, f: Fn2): void {
  for (let i = 0; i < out.length; i++) out[i] = f(a[i], b[i]);
}
