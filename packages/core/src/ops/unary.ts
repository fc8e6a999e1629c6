/**
 * Elementwise functions of one tensor. One primitive per function, its gradient rule beside it in
 * `RULES` (written with public ops, so it runs on every backend and can be differentiated again).
 */
import type { DType, FloatDType, UnaryOp } from '@hrm/kernels';
import { apply, type KernelPrimitive } from '../engine.js';
import type { Shape } from '../shape.js';
import type { AnyTensor, Tensor, VjpRule } from '../tensor.js';
import { add, mul, sub } from './binary.js';
import { gt } from './compare.js';
import { zerosLike } from './create.js';
import { requireBool, requireFloat, requireNumeric, spec } from './util.js';
import { where } from './where.js';

type Rule = VjpRule<undefined>;
const zero: Rule = (_ct, { inputs: [x] }) => [zerosLike(x)];

/** d/dx of each function, as a product with the cotangent. `x` is the input, `y` the output. */
const RULES: Partial<Record<UnaryOp, Rule>> = {
  neg: (ct) => [neg(ct)],
  abs: (ct, { inputs: [x] }) => [mul(ct, sign(x))],
  sign: zero,
  floor: zero,
  ceil: zero,
  round: zero,
  exp: (ct, { output: y }) => [mul(ct, y)],
  expm1: (ct, { output: y }) => [mul(ct, add(y, 1))],
  log: (ct, { inputs: [x] }) => [mul(ct, reciprocal(x))],
  log1p: (ct, { inputs: [x] }) => [mul(ct, reciprocal(add(x, 1)))],
  sqrt: (ct, { output: y }) => [mul(ct, mul(reciprocal(y), 0.5))],
  rsqrt: (ct, { output: y }) => [mul(ct, mul(mul(y, square(y)), -0.5))],
  reciprocal: (ct, { output: y }) => [mul(ct, neg(square(y)))],
  square: (ct, { inputs: [x] }) => [mul(ct, mul(x, 2))],
  sin: (ct, { inputs: [x] }) => [mul(ct, cos(x))],
  cos: (ct, { inputs: [x] }) => [mul(ct, neg(sin(x)))],
  tanh: (ct, { output: y }) => [mul(ct, sub(1, square(y)))],
  sigmoid: (ct, { output: y }) => [mul(ct, mul(y, sub(1, y)))],
  relu: (ct, { inputs: [x] }) => [where(gt(x, 0), ct, 0)],
  silu: (ct, { inputs: [x] }) => {
    const s = sigmoid(x);
    return [mul(ct, mul(s, add(mul(x, sub(1, s)), 1)))];
  },
};

const PRIMITIVES = new Map<UnaryOp, KernelPrimitive>();

function primitive(op: UnaryOp): KernelPrimitive {
  let p = PRIMITIVES.get(op);
  if (!p) {
    p = { name: op, kernel: (backend, [x]) => backend.unary(op, x), ...(RULES[op] ? { vjp: RULES[op] } : {}) };
    PRIMITIVES.set(op, p);
  }
  return p;
}

/** @internal Applies a unary primitive to any tensor. */
export function unary(op: UnaryOp, x: AnyTensor): AnyTensor {
  return apply(primitive(op), [x], undefined, spec(x.view.shape, x.dtype, x.names));
}

const floatOp =
  (op: UnaryOp) =>
  <S extends Shape, D extends FloatDType>(x: Tensor<S, D>): Tensor<S, D> => {
    requireFloat(op, x);
    return unary(op, x) as Tensor<S, D>;
  };

const numericOp =
  (op: UnaryOp) =>
  <S extends Shape, D extends Exclude<DType, 'bool'>>(x: Tensor<S, D>): Tensor<S, D> => {
    requireNumeric(op, x);
    return unary(op, x) as Tensor<S, D>;
  };

/** -x */
export const neg = numericOp('neg');
/** |x| (gradient: sign(x), 0 at 0) */
export const abs = numericOp('abs');
/** -1, 0 or 1 (gradient 0) */
export const sign = numericOp('sign');
/** x² */
export const square = numericOp('square');
/** max(x, 0) (gradient 0 at 0) */
export const relu = numericOp('relu');
/** eˣ */
export const exp = floatOp('exp');
/** exp(x) - 1, accurate near 0 */
export const expm1 = floatOp('expm1');
/** natural logarithm */
export const log = floatOp('log');
/** log(1 + x), accurate near 0 */
export const log1p = floatOp('log1p');
/** square root (NaN below 0) */
export const sqrt = floatOp('sqrt');
/** 1 / sqrt(x) */
export const rsqrt = floatOp('rsqrt');
/** 1 / x */
export const reciprocal = floatOp('reciprocal');
/** sine, of x in radians */
export const sin = floatOp('sin');
/** cosine, of x in radians */
export const cos = floatOp('cos');
/** hyperbolic tangent, in (-1, 1) */
export const tanh = floatOp('tanh');
/** 1 / (1 + exp(-x)), without overflow for large |x| */
export const sigmoid = floatOp('sigmoid');
/** x · sigmoid(x) (a.k.a. swish) */
export const silu = floatOp('silu');
/** round down (gradient 0) */
export const floor = floatOp('floor');
/** round up (gradient 0) */
export const ceil = floatOp('ceil');
/** round half to even (gradient 0) */
export const round = floatOp('round');

/** Logical not of a bool tensor. */
export function logicalNot<S extends Shape>(x: Tensor<S, 'bool'>): Tensor<S, 'bool'> {
  requireBool('logicalNot', x);
  return unary('not', x) as Tensor<S, 'bool'>;
}
