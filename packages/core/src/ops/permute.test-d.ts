/**
 * transpose and permute: literal axes on known ranks, negative axes over a generic batch prefix, the
 * library's message for an axis out of range, and multi-head attention written with named dims and no casts.
 */
import {
  type AnyTensor,
  type AxisCheck,
  type Dim,
  type FloatDType,
  type Incompatible,
  matmul,
  mul,
  permute,
  reshape,
  type Shape,
  softmax,
  type Tensor,
  transpose,
} from '@hrm/core';
import { describe, expectTypeOf, it } from 'vitest';

declare const x: Tensor<['B', 81, 128]>;
declare const heads: Tensor<['batch', 'seq', 'heads', 'hd']>;

describe('transpose and permute on known ranks', () => {
  it('swaps literal axes, positive or negative', () => {
    expectTypeOf(transpose(x)).toEqualTypeOf<Tensor<['B', 128, 81], 'float32'>>();
    expectTypeOf(transpose(x, -2, -1)).toEqualTypeOf<Tensor<['B', 128, 81], 'float32'>>();
    expectTypeOf(transpose(x, -1, -2)).toEqualTypeOf<Tensor<['B', 128, 81], 'float32'>>();
    expectTypeOf(transpose(x, -1)).toEqualTypeOf<Tensor<['B', 81, 128], 'float32'>>();
    expectTypeOf(transpose(x, 0, -1)).toEqualTypeOf<Tensor<[128, 81, 'B'], 'float32'>>();
    expectTypeOf(transpose(x, 1, 0)).toEqualTypeOf<Tensor<[81, 'B', 128], 'float32'>>();
    expectTypeOf(transpose(x, -3, -2)).toEqualTypeOf<Tensor<[81, 'B', 128], 'float32'>>();
    expectTypeOf(transpose(heads, 1, 2)).toEqualTypeOf<Tensor<['batch', 'heads', 'seq', 'hd'], 'float32'>>();
    expectTypeOf(transpose(heads, -3, -2)).toEqualTypeOf<Tensor<['batch', 'heads', 'seq', 'hd'], 'float32'>>();
    expectTypeOf(transpose(heads, 0, 3)).toEqualTypeOf<Tensor<['hd', 'seq', 'heads', 'batch'], 'float32'>>();
  });

  it('keeps the dtype', () => {
    expectTypeOf(transpose({} as Tensor<[2, 3], 'int32'>)).toEqualTypeOf<Tensor<[3, 2], 'int32'>>();
    expectTypeOf(transpose({} as Tensor<[2, 3, 4], 'bool'>, 0, 2)).toEqualTypeOf<Tensor<[4, 3, 2], 'bool'>>();
  });

  it('permutes as before', () => {
    expectTypeOf(permute(x, [2, 0, 1])).toEqualTypeOf<Tensor<[128, 'B', 81], 'float32'>>();
    expectTypeOf(permute(x, [-1, 0, 1])).toEqualTypeOf<Tensor<[128, 'B', 81], 'float32'>>();
    expectTypeOf(permute(heads, [0, 2, 1, 3])).toEqualTypeOf<Tensor<['batch', 'heads', 'seq', 'hd'], 'float32'>>();
    // @ts-expect-error -- permute: 2 axes given for a rank-3 tensor
    permute(x, [0, 1]);
    // @ts-expect-error -- 3 is not an axis of a rank-3 tensor
    permute(x, [0, 1, 3]);
  });

  it('works on known ranks with generic dims', () => {
    function swapMiddle<B extends Dim, L extends Dim, H extends Dim, E extends Dim>(
      t: Tensor<[B, L, H, E]>,
    ): Tensor<[B, H, L, E]> {
      return transpose(t, 1, 2);
    }
    expectTypeOf(swapMiddle(heads)).toEqualTypeOf<Tensor<['batch', 'heads', 'seq', 'hd']>>();
  });
});

describe('transpose refuses an axis out of range with its own message', () => {
  it('names the op, the axis and the rank', () => {
    // @ts-expect-error -- transpose: axis 3 is out of range for rank 3
    transpose(x, 3);
    // @ts-expect-error -- transpose: axis -4 is out of range for rank 3
    transpose(x, 0, -4);
    // @ts-expect-error -- transpose: axis 2 is out of range for rank 2
    transpose({} as Tensor<[2, 3]>, 2, 0);
    expectTypeOf<AxisCheck<'transpose', ['B', 81, 128], 3>>().toEqualTypeOf<
      Incompatible<'transpose: axis 3 is out of range for rank 3'>
    >();
  });

  it('accepts any axis on an unknown rank (checked at run time)', () => {
    const t = {} as Tensor<Shape>;
    expectTypeOf(transpose(t, 5)).toEqualTypeOf<Tensor<Shape, 'float32'>>();
    expectTypeOf(transpose(x as AnyTensor)).toEqualTypeOf<Tensor<Shape, AnyTensor['dtype']>>();
  });
});

describe('transpose over a generic batch prefix compiles without casts', () => {
  it('the last two axes by default', () => {
    function t<S extends Shape, D extends FloatDType>(a: Tensor<[...S, 'T', 'd'], D>): Tensor<[...S, 'd', 'T'], D> {
      return transpose(a);
    }
    function t2<S extends Shape>(a: Tensor<[...S, 'T', 'd']>): Tensor<[...S, 'd', 'T']> {
      return transpose(a, -1, -2);
    }
    expectTypeOf(t({} as Tensor<['B', 'T', 'd'], 'float64'>)).toEqualTypeOf<Tensor<['B', 'd', 'T'], 'float64'>>();
    expectTypeOf(t2({} as Tensor<['T', 'd']>)).toEqualTypeOf<Tensor<['d', 'T']>>();
  });

  it('negative axes among the last three', () => {
    function toHeads<S extends Shape>(a: Tensor<[...S, 'seq', 'heads', 'hd']>): Tensor<[...S, 'heads', 'seq', 'hd']> {
      return transpose(a, -3, -2);
    }
    function outer<S extends Shape>(a: Tensor<[...S, 'seq', 'heads', 'hd']>): Tensor<[...S, 'hd', 'heads', 'seq']> {
      return transpose(a, -1, -3);
    }
    expectTypeOf(toHeads(heads)).toEqualTypeOf<Tensor<['batch', 'heads', 'seq', 'hd']>>();
    expectTypeOf(outer(heads)).toEqualTypeOf<Tensor<['batch', 'hd', 'heads', 'seq']>>();
  });
});

describe('multi-head attention with named dims and no casts', () => {
  it('the attention core over any batch prefix', () => {
    // q, k, v as [...S, seq, heads, hd]: heads moved before seq, scaled scores, softmax, mixed values, heads moved back.
    function attend<S extends Shape, D extends FloatDType>(
      q: Tensor<[...S, 'seq', 'heads', 'hd'], D>,
      k: Tensor<[...S, 'seq', 'heads', 'hd'], D>,
      v: Tensor<[...S, 'seq', 'heads', 'hd'], D>,
      scale: number,
    ): Tensor<[...S, 'seq', 'heads', 'hd'], D> {
      const qh = transpose(q, -3, -2);
      const kh = transpose(k, -3, -2);
      const vh = transpose(v, -3, -2);
      expectTypeOf(qh).toEqualTypeOf<Tensor<[...S, 'heads', 'seq', 'hd'], D>>();
      const scores = mul(matmul(qh, transpose(kh)), scale);
      expectTypeOf(scores).toEqualTypeOf<Tensor<[...S, 'heads', 'seq', 'seq'], D>>();
      const mixed = matmul(softmax(scores, -1), vh);
      expectTypeOf(mixed).toEqualTypeOf<Tensor<[...S, 'heads', 'seq', 'hd'], D>>();
      return transpose(mixed, -3, -2);
    }
    expectTypeOf(attend(heads, heads, heads, 0.125)).toEqualTypeOf<Tensor<['batch', 'seq', 'heads', 'hd']>>();
    const unbatched = {} as Tensor<['seq', 'heads', 'hd'], 'float64'>;
    expectTypeOf(attend(unbatched, unbatched, unbatched, 0.125)).toEqualTypeOf<
      Tensor<['seq', 'heads', 'hd'], 'float64'>
    >();
  });

  it('the whole layer on [batch, seq, hidden], heads split and merged by reshape', () => {
    interface Weights {
      readonly q: Tensor<['hidden', 'hidden']>;
      readonly k: Tensor<['hidden', 'hidden']>;
      readonly v: Tensor<['hidden', 'hidden']>;
      readonly out: Tensor<['hidden', 'hidden']>;
    }
    function attention(
      p: Weights,
      x: Tensor<['batch', 'seq', 'hidden']>,
      cfg: { heads: number; hd: number },
    ): Tensor<['batch', 'seq', 'hidden']> {
      // [batch, seq, hidden] -> [batch, heads, seq, hd]; batch and seq take their sizes from x.
      const split = (w: Tensor<['hidden', 'hidden']>) =>
        transpose(reshape(matmul(x, w), ['batch', 'seq', 'heads', 'hd'], cfg), 1, 2);
      const q = split(p.q);
      const k = split(p.k);
      const v = split(p.v);
      expectTypeOf(q).toEqualTypeOf<Tensor<['batch', 'heads', 'seq', 'hd']>>();
      const scores = mul(matmul(q, transpose(k)), 1 / Math.sqrt(cfg.hd));
      expectTypeOf(scores).toEqualTypeOf<Tensor<['batch', 'heads', 'seq', 'seq']>>();
      const mixed = matmul(softmax(scores, -1), v);
      const merged = reshape(transpose(mixed, 1, 2), ['batch', 'seq', 'hidden'], { hidden: cfg.heads * cfg.hd });
      return matmul(merged, p.out);
    }
    expectTypeOf(attention).returns.toEqualTypeOf<Tensor<['batch', 'seq', 'hidden']>>();
  });
});
