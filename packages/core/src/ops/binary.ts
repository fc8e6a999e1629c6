/**
 * Elementwise arithmetic of two tensors, with numpy broadcasting and no dtype promotion: both sides
 * must share a dtype, and a plain number takes the tensor's dtype (it must fit it exactly).
 * Broadcasting is done by `broadcastTo` views before the primitive runs, so each primitive sees equal
 * shapes and its gradient rule is simple; `broadcastTo`'s own rule sums the gradient back down.
 */
import type { ArithmeticOp, BinaryOp, DType, FloatDType } from '@hrm/kernels';
import { apply, type KernelPrimitive } from '../engine.js';
import { DTypeError } from '../errors.js';
import type { Broadcast, BroadcastCheck, Dim, DTypeCheck, Shape } from '../shape.js';
import { type AnyTensor, Tensor, type VjpRule } from '../tensor.js';
import { broadcastView } from './broadcast.js';
import { cast } from './cast.js';
import { eq, gt, lt } from './compare.js';
import { scalar } from './create.js';
import { floor, log, neg, reciprocal, square } from './unary.js';
import { broadcastShapes, requireFloat, requireNumeric, sameDType, spec } from './util.js';
import { where } from './where.js';

type Numeric = Exclude<DType, 'bool'>;

/**
 * The signature of a broadcasting binary op. The overloads come in this order on purpose: the first
 * four are patterns that code generic in its shapes matches without casts (same shape, a scalar, a
 * trailing vector such as a bias, a per-row statistic kept as size 1 such as a norm); the last
 * computes the broadcast and, when it fails, reports why.
 */
export interface BinaryFn<Op extends string, In extends DType, Out extends DType | 'same'> {
  <S extends Shape, D extends In>(
    a: Tensor<S, D>,
    b: Tensor<NoInfer<S>, NoInfer<D>> | number,
  ): Tensor<S, Out extends 'same' ? D : Out>;
  <S extends Shape, D extends In>(a: number, b: Tensor<S, D>): Tensor<S, Out extends 'same' ? D : Out>;
  <S extends Shape, L extends Dim, D extends In>(
    a: Tensor<readonly [...S, L], D>,
    b: Tensor<readonly [NoInfer<L>], NoInfer<D>>,
  ): Tensor<[...S, L], Out extends 'same' ? D : Out>;
  <S extends Shape, L extends Dim, D extends In>(
    a: Tensor<readonly [...S, L], D>,
    b: Tensor<readonly [...NoInfer<S>, 1], NoInfer<D>>,
  ): Tensor<[...S, L], Out extends 'same' ? D : Out>;
  <A extends Shape, B extends Shape, DA extends In, DB extends In>(
    a: Tensor<A, DA>,
    b: Tensor<B, DB> & BroadcastCheck<Op, A, B> & DTypeCheck<Op, DA, DB>,
  ): Tensor<Broadcast<A, B>, Out extends 'same' ? DA : Out>;
}

/** A plain number as a 0-d tensor of `like`'s dtype, refusing values that dtype cannot hold exactly. */
export function constantLike(op: string, value: number, like: AnyTensor): AnyTensor {
  const ok =
    like.dtype === 'bool' ? value === 0 || value === 1 : like.dtype === 'int32' ? Number.isInteger(value) : true;
  if (!ok) throw new DTypeError(op, `the number ${value} is not a valid ${like.dtype}; cast the tensor first`);
  return scalar(value, like.dtype, like);
}

/** Both operands as tensors broadcast to one shape. */
export function broadcastPair(
  op: string,
  a: AnyTensor | number,
  b: AnyTensor | number,
): [AnyTensor, AnyTensor, readonly number[], readonly (string | undefined)[]] {
  if (!(a instanceof Tensor) && !(b instanceof Tensor))
    throw new TypeError(`${op}: at least one operand must be a tensor`);
  const ta = a instanceof Tensor ? a : constantLike(op, a, b as AnyTensor);
  const tb = b instanceof Tensor ? b : constantLike(op, b, ta);
  sameDType(op, [ta, tb]);
  const { shape, names } = broadcastShapes(op, [ta, tb]);
  return [broadcastView(ta, shape, names), broadcastView(tb, shape, names), shape, names];
}

const PRIMITIVES = new Map<BinaryOp, KernelPrimitive>();

/** @internal Applies a binary primitive after broadcasting; the result dtype is `outDType` or the inputs'. */
export function binary(op: BinaryOp, a: AnyTensor | number, b: AnyTensor | number, outDType?: DType): AnyTensor {
  const [x, y, shape, names] = broadcastPair(op, a, b);
  let p = PRIMITIVES.get(op);
  if (!p) {
    const rule = RULES[op as ArithmeticOp];
    p = { name: op, kernel: (backend, [u, v]) => backend.binary(op, u, v), ...(rule ? { vjp: rule } : {}) };
    PRIMITIVES.set(op, p);
  }
  return apply(p, [x, y], undefined, spec(shape, outDType ?? x.dtype, names));
}

type Rule = VjpRule<undefined>;

/** Share of the gradient that goes to `a` for max/min: 1 where a wins, 0.5 on ties (as JAX). */
function winnerShare(a: AnyTensor, b: AnyTensor, wins: AnyTensor): AnyTensor {
  return add(cast(wins, a.dtype), mul(cast(eq(a, b), a.dtype), 0.5));
}

const RULES: Partial<Record<ArithmeticOp, Rule>> = {
  add: (ct) => [ct, ct],
  sub: (ct) => [ct, neg(ct)],
  mul: (ct, { inputs: [a, b] }) => [mul(ct, b), mul(ct, a)],
  div: (ct, { inputs: [, b], output }) => {
    const inv = reciprocal(b);
    return [mul(ct, inv), neg(mul(mul(ct, output), inv))];
  },
  pow: (ct, { inputs: [a, b], output }) => [
    mul(ct, mul(b, pow(a, sub(b, 1)))),
    // log(a) with a = 0 replaced by 1, so that 0^b contributes 0 rather than NaN (as JAX).
    mul(ct, mul(output, log(where(eq(a, 0), 1, a)))),
  ],
  maximum: (ct, { inputs: [a, b] }) => {
    const share = winnerShare(a, b, gt(a, b));
    return [mul(ct, share), mul(ct, sub(1, share))];
  },
  minimum: (ct, { inputs: [a, b] }) => {
    const share = winnerShare(a, b, lt(a, b));
    return [mul(ct, share), mul(ct, sub(1, share))];
  },
  atan2: (ct, { inputs: [a, b] }) => {
    const inv = reciprocal(add(square(a), square(b)));
    return [mul(ct, mul(b, inv)), mul(ct, neg(mul(a, inv)))];
  },
  mod: (ct, { inputs: [a, b] }) => [ct, neg(mul(ct, floor(div(a, b))))],
};

function arithmetic<Op extends ArithmeticOp, In extends DType>(
  op: Op,
  check: (op: string, x: AnyTensor) => void,
): BinaryFn<Op, In, 'same'> {
  return ((a: AnyTensor | number, b: AnyTensor | number) => {
    if (a instanceof Tensor) check(op, a);
    if (b instanceof Tensor) check(op, b);
    return binary(op, a, b);
  }) as BinaryFn<Op, In, 'same'>;
}

/** a + b */
export const add = arithmetic<'add', Numeric>('add', requireNumeric);
/** a - b */
export const sub = arithmetic<'sub', Numeric>('sub', requireNumeric);
/** a · b */
export const mul = arithmetic<'mul', Numeric>('mul', requireNumeric);
/** a / b (floor division for int32, as Python's `//`) */
export const div = arithmetic<'div', Numeric>('div', requireNumeric);
/** a ** b (for float a ≤ 0 the gradient in b uses log|a| = 0, as JAX) */
export const pow = arithmetic<'pow', Numeric>('pow', requireNumeric);
/** elementwise max (NaN wins; ties split the gradient) */
export const maximum = arithmetic<'maximum', Numeric>('maximum', requireNumeric);
/** elementwise min (NaN wins; ties split the gradient) */
export const minimum = arithmetic<'minimum', Numeric>('minimum', requireNumeric);
/** remainder with the divisor's sign (Python's `%`) */
export const mod = arithmetic<'mod', Numeric>('mod', requireNumeric);
/** atan2(a, b): the angle of the point (b, a) */
export const atan2 = arithmetic<'atan2', FloatDType>('atan2', requireFloat);
