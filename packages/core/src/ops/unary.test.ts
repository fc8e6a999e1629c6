import {
  abs,
  ceil,
  cos,
  exp,
  expm1,
  floor,
  log,
  log1p,
  logicalNot,
  neg,
  reciprocal,
  relu,
  round,
  rsqrt,
  sigmoid,
  sign,
  silu,
  sin,
  sqrt,
  square,
  tanh,
} from '@hrm/core';
import { checkOp, type InputSpec, type OpCase } from '@hrm/testing/opcheck';
import { map } from '@hrm/testing/ref';

const SHAPES: readonly (readonly number[])[] = [[], [1], [7], [3, 1, 4], [2, 17], [0, 3]];

type UnaryFn = (x: never) => unknown;

/** One case per shape for a unary function, against its float64 formula. */
function cases(
  name: string,
  op: UnaryFn,
  f: (x: number) => number,
  input: Omit<InputSpec, 'shape'> = {},
  extra: Partial<OpCase> = {},
): OpCase[] {
  return SHAPES.map((shape) => ({
    name: `${name} [${shape.join(', ')}]`,
    inputs: [{ shape, ...input }],
    run: (x) => op(x as never) as never,
    reference: (x) => map(x, f),
    grad2: true,
    ...extra,
  }));
}

const positive = { range: [0.2, 3] } as const;
const awayFromZero = { range: [-2, 2], awayFromZero: 0.1 } as const;

checkOp(
  'neg',
  cases('neg', neg, (x) => -x),
);
checkOp('abs', cases('abs', abs, Math.abs, awayFromZero));
checkOp('sign', cases('sign', sign, Math.sign, awayFromZero));
checkOp(
  'square',
  cases('square', square, (x) => x * x),
);
checkOp(
  'relu',
  cases('relu', relu, (x) => Math.max(x, 0), awayFromZero),
);
checkOp('exp', cases('exp', exp, Math.exp, { range: [-3, 3] }));
checkOp('expm1', cases('expm1', expm1, Math.expm1, { range: [-2, 2] }));
checkOp('log', cases('log', log, Math.log, positive));
checkOp('log1p', cases('log1p', log1p, Math.log1p, { range: [-0.5, 3] }));
checkOp('sqrt', cases('sqrt', sqrt, Math.sqrt, positive));
checkOp(
  'rsqrt',
  cases('rsqrt', rsqrt, (x) => 1 / Math.sqrt(x), positive),
);
checkOp(
  'reciprocal',
  cases('reciprocal', reciprocal, (x) => 1 / x, awayFromZero, { rtol: 1e-5 }),
);
checkOp('sin', cases('sin', sin, Math.sin, { range: [-4, 4] }));
checkOp('cos', cases('cos', cos, Math.cos, { range: [-4, 4] }));
checkOp('tanh', cases('tanh', tanh, Math.tanh, { range: [-3, 3] }));
checkOp(
  'sigmoid',
  cases('sigmoid', sigmoid, (x) => 1 / (1 + Math.exp(-x)), { range: [-6, 6] }),
);
checkOp(
  'silu',
  cases('silu', silu, (x) => x / (1 + Math.exp(-x)), { range: [-6, 6] }),
);
checkOp('floor', cases('floor', floor, Math.floor, { range: [-5, 5] }, { grad2: false }));
checkOp('ceil', cases('ceil', ceil, Math.ceil, { range: [-5, 5] }, { grad2: false }));
const halfEven = (x: number) => (Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x));
checkOp('round', [
  ...cases('round', round, halfEven, { range: [-5, 5] }, { grad2: false }),
  {
    name: 'round halves to even',
    inputs: [{ shape: [8], values: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.4, -0.6] }],
    run: (x) => round(x),
    reference: (x) => map(x, halfEven),
    grad: false, // a step function: finite differences across a jump are meaningless
  },
]);
checkOp('int32 neg/abs/square', [
  {
    name: 'neg int32',
    inputs: [{ shape: [2, 5], dtype: 'int32' }],
    run: (x) => neg(x),
    reference: (x) => map(x, (v) => -v),
  },
  {
    name: 'abs int32',
    inputs: [{ shape: [9], dtype: 'int32' }],
    run: (x) => abs(x),
    reference: (x) => map(x, Math.abs),
  },
  {
    name: 'square int32',
    inputs: [{ shape: [4, 2], dtype: 'int32' }],
    run: (x) => square(x),
    reference: (x) => map(x, (v) => v * v),
  },
]);
checkOp('logicalNot', [
  {
    name: 'logicalNot',
    inputs: [{ shape: [3, 4], dtype: 'bool' }],
    run: (x) => logicalNot(x),
    reference: (x) => map(x, (v) => 1 - v),
  },
]);
