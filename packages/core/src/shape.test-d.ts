/**
 * Type-level tests: shapes and dtypes checked at compile time. `@ts-expect-error` lines must fail to
 * compile (vitest's typecheck fails if one compiles); `expectTypeOf` pins the inferred result types.
 */
import {
  type AnyTensor,
  add,
  argmax,
  concat,
  type Dim,
  exp,
  expandDims,
  fromArray,
  fromArrays,
  index,
  matmul,
  mean,
  mul,
  oneHot,
  permute,
  reshape,
  type Shape,
  slice,
  softmax,
  squeeze,
  stack,
  sub,
  sum,
  type Tensor,
  take,
  tensor,
  transpose,
  where,
  zeros,
} from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expectTypeOf, it } from 'vitest';

declare const x: Tensor<['B', 81, 128]>;
declare const w: Tensor<[128, 64]>;
declare const bias: Tensor<[128]>;
declare const xi: Tensor<['B', 81, 128], 'int32'>;
declare const mask: Tensor<['B', 81, 1], 'bool'>;
declare const q: Tensor<['B', 'H', 81, 32]>;
declare const kT: Tensor<['B', 'H', 32, 81]>;

describe('creation', () => {
  it('infers literal shapes and dtypes', () => {
    expectTypeOf(
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    ).toEqualTypeOf<Tensor<[2, 3], 'float32'>>();
    expectTypeOf(tensor(5)).toEqualTypeOf<Tensor<[], 'float32'>>();
    expectTypeOf(tensor([true, false])).toEqualTypeOf<Tensor<[2], 'bool'>>();
    expectTypeOf(tensor([1, 2], 'int32')).toEqualTypeOf<Tensor<[2], 'int32'>>();
  });

  it('asks for the size of every named dim', () => {
    expectTypeOf(zeros(['B', 81], { dims: { B: 4 } })).toEqualTypeOf<Tensor<['B', 81], 'float32'>>();
    // @ts-expect-error -- 'B' has no size
    zeros(['B', 81]);
    // @ts-expect-error -- 'T' has no size
    zeros(['B', 'T'], { dims: { B: 4 } });
  });

  it('types data from outside by the shape it is checked against', () => {
    const r = fromArrays(
      { cells: { data: [1, 2], shape: ['B', 81] }, mask: { data: [1], shape: ['B'] } },
      { dtype: 'int32' },
    );
    if (E.isRight(r)) expectTypeOf(r.right.tensors.cells).toEqualTypeOf<Tensor<['B', 81], 'int32'>>();
    const one = fromArray([1, 2, 3], ['N']);
    if (E.isRight(one)) expectTypeOf(one.right).toEqualTypeOf<Tensor<['N'], 'float32'>>();
  });

  it('keeps run-time sizes as numbers', () => {
    expectTypeOf(x.shape[0]).toEqualTypeOf<number>();
    expectTypeOf(x.shape[1]).toEqualTypeOf<81>();
    expectTypeOf(x.shape.length).toEqualTypeOf<3>();
  });
});

describe('elementwise ops and broadcasting', () => {
  it('computes broadcast shapes', () => {
    expectTypeOf(add(x, bias)).toEqualTypeOf<Tensor<['B', 81, 128], 'float32'>>();
    expectTypeOf(mul(x, 2)).toEqualTypeOf<Tensor<['B', 81, 128], 'float32'>>();
    expectTypeOf(add(tensor([[1], [2]]), tensor([1, 2, 3]))).toEqualTypeOf<Tensor<[2, 3], 'float32'>>();
    expectTypeOf(where(mask, x, 0)).toEqualTypeOf<Tensor<['B', 81, 128], 'float32'>>();
  });

  it('rejects dims that do not broadcast, naming them', () => {
    const short = zeros([64]);
    // @ts-expect-error -- add: dims 128 and 64 do not broadcast
    add(x, short);
    const other = zeros(['C', 81, 128], { dims: { C: 2 } });
    // @ts-expect-error -- add: dims B and C do not broadcast
    add(x, other);
  });

  it('rejects mixed dtypes and float-only ops on ints', () => {
    // @ts-expect-error -- add: dtypes float32 and int32 differ
    add(x, xi);
    // @ts-expect-error -- exp needs a float tensor
    exp(xi);
    expectTypeOf(add(xi, 1)).toEqualTypeOf<Tensor<['B', 81, 128], 'int32'>>();
  });
});

describe('matmul', () => {
  it('types linear layers and batched attention', () => {
    expectTypeOf(matmul(x, w)).toEqualTypeOf<Tensor<['B', 81, 64], 'float32'>>();
    expectTypeOf(matmul(q, kT)).toEqualTypeOf<Tensor<['B', 'H', 81, 81], 'float32'>>();
    expectTypeOf(matmul(transpose(matmul(x, w)), x)).toEqualTypeOf<Tensor<['B', 64, 128], 'float32'>>();
  });

  it('rejects inner dims that differ', () => {
    const w2 = zeros([64, 64]);
    // @ts-expect-error -- matmul: inner dims 128 and 64 differ
    matmul(x, w2);
    const v = zeros([128]);
    // @ts-expect-error -- matmul: the right operand has rank 1
    matmul(x, v);
  });
});

describe('axes', () => {
  it('drops or keeps reduced axes', () => {
    expectTypeOf(sum(x, -1)).toEqualTypeOf<Tensor<['B', 81], 'float32'>>();
    expectTypeOf(sum(x, [0, 2])).toEqualTypeOf<Tensor<[81], 'float32'>>();
    expectTypeOf(mean(x, 1, { keepdims: true })).toEqualTypeOf<Tensor<['B', 1, 128], 'float32'>>();
    expectTypeOf(sum(x)).toEqualTypeOf<Tensor<[], 'float32'>>();
    expectTypeOf(argmax(x, -1)).toEqualTypeOf<Tensor<['B', 81], 'int32'>>();
  });

  it('rejects axes out of range', () => {
    // @ts-expect-error -- rank 3 has axes -3..2
    sum(x, 3);
    // @ts-expect-error -- rank 3 has axes -3..2
    softmax(x, -4);
  });

  it('moves and reshapes dims', () => {
    expectTypeOf(permute(x, [2, 0, 1])).toEqualTypeOf<Tensor<[128, 'B', 81], 'float32'>>();
    expectTypeOf(transpose(x, 0, -1)).toEqualTypeOf<Tensor<[128, 81, 'B'], 'float32'>>();
    expectTypeOf(reshape(x, ['B', 81, 4, 32])).toEqualTypeOf<Tensor<['B', 81, 4, 32], 'float32'>>();
    expectTypeOf(reshape(x, ['B', -1])).toEqualTypeOf<Tensor<['B', number], 'float32'>>();
    expectTypeOf(expandDims(x, 1)).toEqualTypeOf<Tensor<['B', 1, 81, 128], 'float32'>>();
    expectTypeOf(expandDims(x, -1)).toEqualTypeOf<Tensor<['B', 81, 128, 1], 'float32'>>();
    expectTypeOf(squeeze(zeros([3, 1]), 1)).toEqualTypeOf<Tensor<[3], 'float32'>>();
    expectTypeOf(slice(x, 1, 1)).toEqualTypeOf<Tensor<['B', number, 128], 'float32'>>();
    expectTypeOf(index(x, 1, 0)).toEqualTypeOf<Tensor<['B', 128], 'float32'>>();
    expectTypeOf(concat([x, x], 0)).toEqualTypeOf<Tensor<[number, 81, 128], 'float32'>>();
    expectTypeOf(stack([w, w])).toEqualTypeOf<Tensor<[number, 128, 64], 'float32'>>();
    // @ts-expect-error -- permute needs one entry per axis
    permute(x, [0, 1]);
  });

  it('types gathers and one-hot encodings', () => {
    const table = zeros([10, 128]);
    const tokens = zeros(['B', 81], { dims: { B: 2 }, dtype: 'int32' });
    expectTypeOf(take(table, tokens, 0)).toEqualTypeOf<Tensor<['B', 81, 128], 'float32'>>();
    expectTypeOf(oneHot(tokens, 10)).toEqualTypeOf<Tensor<['B', 81, 10], 'float32'>>();
    // @ts-expect-error -- indices must be int32
    take(table, x, 0);
  });
});

describe('code generic in its shapes compiles without casts', () => {
  it('residuals, biases, linear layers and last-axis reductions', () => {
    function residual<S extends Shape>(a: Tensor<S>, b: Tensor<S>): Tensor<S> {
      return add(a, b);
    }
    function withBias<S extends Shape, D extends Dim>(a: Tensor<[...S, D]>, b: Tensor<[D]>): Tensor<[...S, D]> {
      return add(a, b);
    }
    function linear<S extends Shape, I extends Dim, O extends Dim>(
      a: Tensor<[...S, I]>,
      m: Tensor<[I, O]>,
    ): Tensor<[...S, O]> {
      return matmul(a, m);
    }
    function rowSums<S extends Shape, D extends Dim>(a: Tensor<[...S, D]>): Tensor<S> {
      return sum(a, -1);
    }
    function normalize<S extends Shape>(a: Tensor<S>): Tensor<S> {
      return mul(a, 0.5);
    }
    expectTypeOf(linear(x, w)).toEqualTypeOf<Tensor<['B', 81, 64]>>();
    expectTypeOf(residual(x, x)).toEqualTypeOf<Tensor<['B', 81, 128]>>();
    expectTypeOf(withBias(x, bias)).toEqualTypeOf<Tensor<['B', 81, 128]>>();
    expectTypeOf(rowSums(x)).toEqualTypeOf<Tensor<['B', 81]>>();
    expectTypeOf(normalize(x)).toEqualTypeOf<Tensor<['B', 81, 128]>>();
  });

  it('per-row statistics kept as size 1 broadcast back without casts', () => {
    function center<S extends Shape, D extends Dim>(a: Tensor<[...S, D]>): Tensor<[...S, D]> {
      return sub(a, mean(a, -1, { keepdims: true }));
    }
    expectTypeOf(center(x)).toEqualTypeOf<Tensor<['B', 81, 128]>>();
  });

  it('dynamic tensors fit typed signatures and stay dynamic', () => {
    const d = x as AnyTensor;
    expectTypeOf(add(d, d)).toEqualTypeOf<AnyTensor>();
    function typed(a: Tensor<['B', 81, 128]>): Tensor<['B', 81]> {
      return sum(a, -1);
    }
    expectTypeOf(typed(d)).toEqualTypeOf<Tensor<['B', 81]>>();
    expectTypeOf(d.shape).toExtend<readonly number[]>();
  });
});
