/**
 * rmsNorm and gatedSilu: shapes kept (rmsNorm) or the last dim halved into a plain number (gatedSilu,
 * whose half types cannot compute), dtypes kept, float inputs only, and generic code over leading dims.
 */
import { type Dim, gatedSilu, rmsNorm, type Shape, type Tensor } from '@hrm/core';
import { describe, expectTypeOf, it } from 'vitest';

declare const x: Tensor<['B', 81, 256]>;
declare const ints: Tensor<[4, 8], 'int32'>;

describe('rmsNorm', () => {
  it('keeps the shape and the dtype', () => {
    expectTypeOf(rmsNorm(x)).toEqualTypeOf<Tensor<['B', 81, 256], 'float32'>>();
    expectTypeOf(rmsNorm({} as Tensor<[3, 4], 'float64'>, 1e-6)).toEqualTypeOf<Tensor<[3, 4], 'float64'>>();
  });

  it('refuses integer tensors and a non-number eps', () => {
    // @ts-expect-error int32 is not a float dtype
    rmsNorm(ints);
    // @ts-expect-error eps is a number
    rmsNorm(x, '1e-5');
  });
});

describe('gatedSilu', () => {
  it('keeps the leading dims and halves the last into a number', () => {
    expectTypeOf(gatedSilu(x)).toEqualTypeOf<Tensor<['B', 81, number], 'float32'>>();
    expectTypeOf(gatedSilu({} as Tensor<[2, 8], 'float64'>)).toEqualTypeOf<Tensor<[2, number], 'float64'>>();
  });

  it('works in generic code over any leading dims', () => {
    const layer = <S extends Shape, D extends Dim>(h: Tensor<[...S, D]>): Tensor<[...S, number]> => gatedSilu(h);
    expectTypeOf(layer(x)).toEqualTypeOf<Tensor<['B', 81, number]>>();
  });

  it('refuses integer tensors', () => {
    // @ts-expect-error int32 is not a float dtype
    gatedSilu(ints);
  });
});
