/** Comparisons (bool results, no gradient) and logic on bool tensors, broadcasting like arithmetic. */
import type { DType } from '@hrm/kernels';
import type { Shape } from '../shape.js';
import { type AnyTensor, Tensor } from '../tensor.js';
import { type BinaryFn, binary } from './binary.js';
import { requireBool, requireNumeric } from './util.js';

type Numeric = Exclude<DType, 'bool'>;

function compare<Op extends 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', In extends DType>(op: Op, numericOnly: boolean) {
  return ((a: AnyTensor | number, b: AnyTensor | number) => {
    if (numericOnly) for (const x of [a, b]) if (x instanceof Tensor) requireNumeric(op, x);
    return binary(op, a, b, 'bool');
  }) as BinaryFn<Op, In, 'bool'>;
}

/** a == b */
export const eq = compare<'eq', DType>('eq', false);
/** a != b */
export const ne = compare<'ne', DType>('ne', false);
/** a < b */
export const lt = compare<'lt', Numeric>('lt', true);
/** a <= b */
export const le = compare<'le', Numeric>('le', true);
/** a > b */
export const gt = compare<'gt', Numeric>('gt', true);
/** a >= b */
export const ge = compare<'ge', Numeric>('ge', true);

function logic<Op extends 'and' | 'or'>(op: Op) {
  return ((a: AnyTensor | number, b: AnyTensor | number) => {
    for (const x of [a, b]) if (x instanceof Tensor) requireBool(op === 'and' ? 'logicalAnd' : 'logicalOr', x);
    return binary(op, a, b, 'bool');
  }) as BinaryFn<Op, 'bool', 'bool'>;
}

/** a && b on bool tensors */
export const logicalAnd = logic('and');
/** a || b on bool tensors */
export const logicalOr = logic('or');

export type { Shape };
