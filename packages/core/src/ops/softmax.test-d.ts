/**
 * softmax, logSoftmax and logsumexp: shapes kept (or reduced), the last axis in generic code, and the
 * library's message for an axis out of range.
 */
import {
  type AnyTensor,
  type AxisCheck,
  type Dim,
  type FloatDType,
  type Incompatible,
  logSoftmax,
  logsumexp,
  type Shape,
  softmax,
  type Tensor,
} from '@hrm/core';
import { describe, expectTypeOf, it } from 'vitest';

declare const x: Tensor<['B', 81, 128]>;
declare const m: Tensor<[3, 4]>;

describe('softmax on known ranks', () => {
  it('keeps the shape and the dtype for every valid axis', () => {
    expectTypeOf(softmax(x)).toEqualTypeOf<Tensor<['B', 81, 128], 'float32'>>();
    expectTypeOf(softmax(x, -1)).toEqualTypeOf<Tensor<['B', 81, 128], 'float32'>>();
    expectTypeOf(softmax(x, 1)).toEqualTypeOf<Tensor<['B', 81, 128], 'float32'>>();
    expectTypeOf(softmax(x, -3)).toEqualTypeOf<Tensor<['B', 81, 128], 'float32'>>();
    expectTypeOf(logSoftmax(m, 0)).toEqualTypeOf<Tensor<[3, 4], 'float32'>>();
    expectTypeOf(softmax({} as Tensor<[3, 4], 'float64'>, -1)).toEqualTypeOf<Tensor<[3, 4], 'float64'>>();
    expectTypeOf(softmax({} as Tensor<[5]>)).toEqualTypeOf<Tensor<[5], 'float32'>>();
  });

  it('logsumexp reduces the axis', () => {
    expectTypeOf(logsumexp(x, -1)).toEqualTypeOf<Tensor<['B', 81], 'float32'>>();
    expectTypeOf(logsumexp(m, 0, { keepdims: true })).toEqualTypeOf<Tensor<[1, 4], 'float32'>>();
  });

  it('stays dynamic on dynamic and unknown-rank tensors', () => {
    const d = x as AnyTensor;
    expectTypeOf(softmax(d, 5)).toEqualTypeOf<AnyTensor>();
    expectTypeOf(softmax({} as Tensor<Shape>, 5)).toEqualTypeOf<Tensor<Shape, 'float32'>>();
  });
});

describe('softmax refuses an axis out of range with its own message', () => {
  it('names the op, the axis and the rank', () => {
    // @ts-expect-error -- softmax: axis 2 is out of range for rank 2
    softmax(m, 2);
    // @ts-expect-error -- softmax: axis -4 is out of range for rank 3
    softmax(x, -4);
    // @ts-expect-error -- logSoftmax: axis 2 is out of range for rank 2
    logSoftmax(m, 2);
    // @ts-expect-error -- logsumexp: axis 2 is out of range for rank 2
    logsumexp(m, 2);
    expectTypeOf<AxisCheck<'softmax', [3, 4], 2>>().toEqualTypeOf<
      Incompatible<'softmax: axis 2 is out of range for rank 2'>
    >();
  });

  it('refuses int tensors', () => {
    // @ts-expect-error -- softmax needs a float tensor
    softmax({} as Tensor<[3, 4], 'int32'>);
  });
});

describe('softmax in code generic in its shapes compiles without casts', () => {
  it('the last axis of [...S, L], any float dtype', () => {
    function probs<S extends Shape, D extends FloatDType>(
      scores: Tensor<[...S, 'T', 'T'], D>,
    ): Tensor<[...S, 'T', 'T'], D> {
      return softmax(scores, -1);
    }
    function logProbs<S extends Shape, V extends Dim>(logits: Tensor<[...S, V]>): Tensor<[...S, V]> {
      return logSoftmax(logits, -1);
    }
    function byDefault<S extends Shape>(a: Tensor<S>): Tensor<S> {
      return softmax(a);
    }
    expectTypeOf(probs({} as Tensor<['B', 'T', 'T'], 'float64'>)).toEqualTypeOf<Tensor<['B', 'T', 'T'], 'float64'>>();
    expectTypeOf(logProbs(x)).toEqualTypeOf<Tensor<['B', 81, 128]>>();
    expectTypeOf(byDefault(x)).toEqualTypeOf<Tensor<['B', 81, 128]>>();
  });
});
