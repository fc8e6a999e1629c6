/**
 * matmul's types: concrete shapes, batch broadcasting, code generic in a batch prefix, and the shapes
 * it refuses (inner dims never broadcast; both operands need rank >= 2, as at run time).
 */
import {
  type AnyTensor,
  type Dim,
  type FloatDType,
  type Incompatible,
  type MatmulCheck,
  matmul,
  type Shape,
  type Tensor,
  transpose,
} from '@hrm/core';
import { describe, expectTypeOf, it } from 'vitest';

declare const x: Tensor<['B', 81, 128]>;
declare const w: Tensor<[128, 64]>;
declare const q: Tensor<['B', 'H', 81, 32]>;
declare const kT: Tensor<['B', 'H', 32, 81]>;

describe('matmul on concrete shapes', () => {
  it('types linear layers, batched products and broadcast batch dims', () => {
    expectTypeOf(matmul(x, w)).toEqualTypeOf<Tensor<['B', 81, 64], 'float32'>>();
    expectTypeOf(matmul(q, kT)).toEqualTypeOf<Tensor<['B', 'H', 81, 81], 'float32'>>();
    expectTypeOf(matmul(transpose(matmul(x, w)), x)).toEqualTypeOf<Tensor<['B', 64, 128], 'float32'>>();
    const a = {} as Tensor<[2, 1, 3, 4]>;
    const b = {} as Tensor<[5, 4, 2]>;
    expectTypeOf(matmul(a, b)).toEqualTypeOf<Tensor<[2, 5, 3, 2], 'float32'>>();
    const heads = {} as Tensor<['B', 1, 81, 32]>;
    expectTypeOf(matmul(heads, kT)).toEqualTypeOf<Tensor<['B', 'H', 81, 81], 'float32'>>();
    expectTypeOf(matmul({} as Tensor<[1, 1]>, {} as Tensor<[1, 5]>)).toEqualTypeOf<Tensor<[1, 5], 'float32'>>();
  });

  it('keeps the dtype', () => {
    const a = {} as Tensor<[2, 3], 'float64'>;
    const b = {} as Tensor<[3, 4], 'float64'>;
    expectTypeOf(matmul(a, b)).toEqualTypeOf<Tensor<[2, 4], 'float64'>>();
    const c = {} as Tensor<[7, 2, 3], 'float64'>;
    const d = {} as Tensor<[7, 3, 4], 'float64'>;
    expectTypeOf(matmul(c, d)).toEqualTypeOf<Tensor<[7, 2, 4], 'float64'>>();
  });

  it('checks a name against a literal at run time', () => {
    const a = {} as Tensor<['M', 'K']>;
    expectTypeOf(matmul(a, w)).toEqualTypeOf<Tensor<['M', 64], 'float32'>>();
  });

  it('stays dynamic on dynamic operands', () => {
    const d = x as AnyTensor;
    expectTypeOf(matmul(d, d)).toEqualTypeOf<Tensor<Shape, AnyTensor['dtype']>>();
    expectTypeOf(matmul(d, w)).toEqualTypeOf<Tensor<Shape, AnyTensor['dtype']>>();
    expectTypeOf(matmul(x, d)).toEqualTypeOf<Tensor<Shape, 'float32'>>();
  });
});

describe('matmul refuses what the run time refuses', () => {
  it('refuses inner dims that differ, naming them', () => {
    const w2 = {} as Tensor<[64, 64]>;
    // @ts-expect-error -- matmul: inner dims 128 and 64 differ
    matmul(x, w2);
    expectTypeOf<MatmulCheck<['B', 81, 128], [64, 64]>>().toEqualTypeOf<
      Incompatible<'matmul: inner dims 128 and 64 differ'>
    >();
    const a = {} as Tensor<['M', 'K']>;
    const b = {} as Tensor<['J', 5]>;
    // @ts-expect-error -- matmul: inner dims K and J differ
    matmul(a, b);
  });

  it('does not broadcast an inner dim of 1', () => {
    const a = {} as Tensor<[2, 1]>;
    const b = {} as Tensor<[3, 4]>;
    // @ts-expect-error -- matmul: inner dims 1 and 3 differ
    matmul(a, b);
    expectTypeOf<MatmulCheck<[2, 1], [3, 4]>>().toEqualTypeOf<Incompatible<'matmul: inner dims 1 and 3 differ'>>();
    const c = {} as Tensor<[2, 3]>;
    const d = {} as Tensor<[1, 4]>;
    // @ts-expect-error -- matmul: inner dims 3 and 1 differ
    matmul(c, d);
    const e = {} as Tensor<[5, 2, 1]>;
    const f = {} as Tensor<[5, 3, 4]>;
    // @ts-expect-error -- matmul: inner dims 1 and 3 differ (same batch dims)
    matmul(e, f);
  });

  it('refuses rank-1 operands on either side', () => {
    const v = {} as Tensor<[128]>;
    // @ts-expect-error -- matmul: the right operand has rank 1, needs at least 2
    matmul(x, v);
    // @ts-expect-error -- matmul: the left operand has rank 1, needs at least 2
    matmul(v, w);
    // @ts-expect-error -- matmul: the left operand has rank 1, needs at least 2
    matmul(v, {} as Tensor<['B', 128, 64]>);
    expectTypeOf<MatmulCheck<[128], [128, 64]>>().toEqualTypeOf<
      Incompatible<'matmul: the left operand has rank 1, needs at least 2'>
    >();
    expectTypeOf<MatmulCheck<[2, 128], [128]>>().toEqualTypeOf<
      Incompatible<'matmul: the right operand has rank 1, needs at least 2'>
    >();
  });

  it('refuses batch dims that do not broadcast, mixed dtypes and int operands', () => {
    const a = {} as Tensor<[2, 3, 4]>;
    const b = {} as Tensor<[3, 4, 5]>;
    // @ts-expect-error -- matmul (batch dims): dims 2 and 3 do not broadcast
    matmul(a, b);
    // @ts-expect-error -- matmul: dtypes float32 and float64 differ
    matmul(x, {} as Tensor<[128, 64], 'float64'>);
    // @ts-expect-error -- matmul needs float tensors
    matmul({} as Tensor<[2, 3], 'int32'>, {} as Tensor<[3, 4], 'int32'>);
  });
});

describe('matmul in code generic in its shapes compiles without casts', () => {
  it('[...S, T, d] @ [...S, d, T] gives [...S, T, T], any float dtype', () => {
    function scores<S extends Shape, D extends FloatDType>(
      a: Tensor<[...S, 'T', 'd'], D>,
      b: Tensor<[...S, 'd', 'T'], D>,
    ): Tensor<[...S, 'T', 'T'], D> {
      return matmul(a, b);
    }
    const a = {} as Tensor<['B', 'H', 'T', 'd'], 'float64'>;
    const b = {} as Tensor<['B', 'H', 'd', 'T'], 'float64'>;
    expectTypeOf(scores(a, b)).toEqualTypeOf<Tensor<['B', 'H', 'T', 'T'], 'float64'>>();
    expectTypeOf(scores({} as Tensor<['T', 'd']>, {} as Tensor<['d', 'T']>)).toEqualTypeOf<Tensor<['T', 'T']>>();
  });

  it('the batch prefix may end in fixed dims (heads over a generic prefix)', () => {
    function mix<S extends Shape, M extends Dim, K extends Dim, N extends Dim>(
      a: Tensor<[...S, 'heads', M, K]>,
      b: Tensor<[...S, 'heads', K, N]>,
    ): Tensor<[...S, 'heads', M, N]> {
      return matmul(a, b);
    }
    expectTypeOf(mix({} as Tensor<[2, 'heads', 3, 4]>, {} as Tensor<[2, 'heads', 4, 5]>)).toEqualTypeOf<
      Tensor<[2, 'heads', 3, 5]>
    >();
  });

  it('[...S, M, K] @ [K, N] (a linear layer) keeps working', () => {
    function linear<S extends Shape, I extends Dim, O extends Dim, D extends FloatDType>(
      a: Tensor<[...S, I], D>,
      m: Tensor<[I, O], D>,
    ): Tensor<[...S, O], D> {
      return matmul(a, m);
    }
    function batchedLinear<S extends Shape, M extends Dim, K extends Dim, N extends Dim>(
      a: Tensor<[...S, M, K]>,
      m: Tensor<[K, N]>,
    ): Tensor<[...S, M, N]> {
      return matmul(a, m);
    }
    expectTypeOf(linear(x, w)).toEqualTypeOf<Tensor<['B', 81, 64]>>();
    expectTypeOf(batchedLinear(x, w)).toEqualTypeOf<Tensor<['B', 81, 64]>>();
  });

  it('generic code still gets the checks', () => {
    function wrong<S extends Shape>(a: Tensor<[...S, 'T', 'd']>, b: Tensor<[...S, 'T', 'd']>) {
      // @ts-expect-error -- inner dims d and T differ (reported as 'not assignable to MatmulCheck<...>': S is generic)
      return matmul(a, b);
    }
    expectTypeOf(wrong).toBeFunction();
  });
});
