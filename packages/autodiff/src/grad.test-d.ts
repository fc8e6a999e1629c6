/**
 * grad and valueAndGrad at compile time: the loss must be a float tensor with one element and the
 * parameters float tensors, as at run time; dynamic tensors (AnyTensor) pass and are checked at run time.
 */
import { grad, type ValueAndGrad, valueAndGrad } from '@hrm/autodiff';
import { type AnyTensor, type FloatDType, type Incompatible, mean, mul, type Shape, sum, type Tensor } from '@hrm/core';
import { describe, expectTypeOf, it } from 'vitest';

declare const w: Tensor<[3]>;

interface Params {
  readonly layers: readonly { readonly w: Tensor<[2, 3]>; readonly b: Tensor<[3]> }[];
  readonly scale: Tensor<[], 'float64'>;
}

/** The message grad puts on its argument for parameters P and loss L. */
type GradMessage<P, L extends AnyTensor> = Parameters<typeof grad<P, [], L>>[0];

describe('grad accepts scalar float losses', () => {
  it('shape [], any float dtype', () => {
    expectTypeOf(grad((p: Tensor<[3]>) => sum(p))).toEqualTypeOf<(params: Tensor<[3]>) => Tensor<[3]>>();
    expectTypeOf(grad((p: Tensor<[3], 'float64'>) => mean(p))).toEqualTypeOf<
      (params: Tensor<[3], 'float64'>) => Tensor<[3], 'float64'>
    >();
    expectTypeOf(grad((_: Tensor<[3]>) => ({}) as Tensor<readonly []>)).toBeFunction();
  });

  it('one element in any shape of 1s, as the run time accepts', () => {
    grad((p: Tensor<[3]>) => sum(p, 0, { keepdims: true }));
    grad((_: Tensor<[3]>) => ({}) as Tensor<[1, 1], 'float64'>);
  });

  it('dims the types do not know, checked at run time', () => {
    grad((_: Tensor<[3]>) => ({}) as AnyTensor);
    grad((_: Tensor<[3]>) => ({}) as Tensor<Shape>);
    grad((_: Tensor<[3]>) => ({}) as Tensor<[number]>);
  });

  it('parameter trees of float tensors and dynamic leaves, with other arguments', () => {
    const g = grad((p: Params, x: Tensor<['B', 2]>) => sum(mul(sum(p.layers[0].w), sum(x))));
    expectTypeOf(g).toEqualTypeOf<(params: Params, x: Tensor<['B', 2]>) => Params>();
    grad((ps: readonly [Tensor<[2]>, Tensor<[2, 2], 'float64'>]) => sum(ps[0]));
    grad((ps: AnyTensor[]) => sum(ps[0]));
    grad((p: Record<string, AnyTensor>) => sum(p.a));
    grad((p: { w: Tensor<[3]>; rows?: AnyTensor }) => sum(p.w));
  });
});

describe('grad in code generic in its parameters or loss compiles without casts', () => {
  it('a training step over any parameter tree, or any loss type', () => {
    // As examples/browser/src/model.ts: the types cannot see P's leaves, the run time checks them.
    function step<P>(loss: (params: P) => AnyTensor): (params: P) => ValueAndGrad<P, undefined> {
      return valueAndGrad(loss);
    }
    function gradOf<P, L extends Tensor<readonly [], FloatDType>>(loss: (params: P) => L): (params: P) => P {
      return grad(loss);
    }
    function anyLoss<P extends Record<string, AnyTensor>, L extends AnyTensor>(loss: (params: P) => L) {
      return grad(loss);
    }
    expectTypeOf(step((p: Params) => sum(p.scale))).toEqualTypeOf<
      (params: Params) => ValueAndGrad<Params, undefined>
    >();
    expectTypeOf(gradOf((p: Tensor<[3]>) => sum(p))).toEqualTypeOf<(params: Tensor<[3]>) => Tensor<[3]>>();
    expectTypeOf(anyLoss).toBeFunction();
  });
});

describe('grad refuses what has no gradient', () => {
  it('a loss with more than one element', () => {
    // @ts-expect-error -- grad: the function must return one element (shape [] or [1])
    grad((p: Tensor<[3]>) => p);
    // @ts-expect-error -- grad: the function must return one element (a name is not known to be 1)
    grad((p: Tensor<['B', 3]>) => sum(p, -1));
    // @ts-expect-error -- grad: the function must return one element
    grad((_: Tensor<[3]>) => ({}) as Tensor<[1, 2]>);
    expectTypeOf<GradMessage<Tensor<[3]>, Tensor<[3]>>>().toExtend<
      Incompatible<'grad: the function must return one element (shape [] or [1]): sum or mean the loss'>
    >();
    expectTypeOf<GradMessage<Tensor<[3]>, Tensor<['B', 1]>>>().toExtend<
      Incompatible<'grad: the function must return one element (shape [] or [1]): sum or mean the loss'>
    >();
  });

  it('a loss that is not float', () => {
    // @ts-expect-error -- grad: the function returned int32, which has no gradient
    grad((_: Tensor<[3]>) => ({}) as Tensor<[], 'int32'>);
    // @ts-expect-error -- grad: the function returned bool, which has no gradient
    grad((_: AnyTensor) => ({}) as Tensor<[], 'bool'>);
    expectTypeOf<GradMessage<Tensor<[3]>, Tensor<[], 'int32'>>>().toExtend<
      Incompatible<'grad: the function returned int32, which has no gradient (argmax, comparisons and int ops are not differentiable)'>
    >();
  });

  it('parameters that are not float, naming them', () => {
    // @ts-expect-error -- grad: a parameter is int32; only float tensors can be differentiated
    grad((_: Tensor<[3], 'int32'>) => ({}) as Tensor<[]>);
    // @ts-expect-error -- grad: a parameter is bool (mask.on)
    grad((p: { w: Tensor<[3]>; mask: { on: Tensor<[3], 'bool'> } }) => sum(p.w));
    // @ts-expect-error -- grad: a parameter is int32 (in an array)
    grad((ps: Tensor<[3], 'int32'>[]) => sum(mul(ps[0], 1.5)));
    // @ts-expect-error -- grad: a parameter is int32 (reported before the int32 loss)
    grad((p: { ids: Tensor<[3], 'int32'> }) => sum(p.ids));
    expectTypeOf<GradMessage<Tensor<[3], 'int32'>, Tensor<[]>>>().toExtend<
      Incompatible<'grad: a parameter is int32; only float tensors can be differentiated'>
    >();
    expectTypeOf<GradMessage<{ layers: { ids: Tensor<[3], 'int32'> }[] }, Tensor<[]>>>().toExtend<
      Incompatible<'grad: a parameter is int32; only float tensors can be differentiated'>
    >();
    expectTypeOf<GradMessage<{ w: Tensor<[3]>; on: Tensor<[3], 'bool'> }, Tensor<[]>>>().toExtend<
      Incompatible<'grad: a parameter is bool; only float tensors can be differentiated'>
    >();
    expectTypeOf<GradMessage<{ w: Tensor<[3]> }, Tensor<[]>>>().toEqualTypeOf<
      (params: { w: Tensor<[3]> }) => Tensor<[]>
    >();
  });
});

describe('valueAndGrad', () => {
  it('returns the value, the gradient and the aux output', () => {
    const f = valueAndGrad((p: Tensor<[3]>) => sum(p));
    expectTypeOf(f(w)).toEqualTypeOf<ValueAndGrad<Tensor<[3]>, undefined>>();
    const h = valueAndGrad((p: Params, k: number) => ({
      loss: mul(sum(p.scale), k),
      aux: { k, mean: mean(p.layers[0].b) },
    }));
    expectTypeOf(h).parameters.toEqualTypeOf<[Params, number]>();
    expectTypeOf(h).returns.toEqualTypeOf<ValueAndGrad<Params, { k: number; mean: Tensor<[], 'float32'> }>>();
    valueAndGrad((p: AnyTensor) => ({ loss: p, aux: 0 }));
  });

  it('refuses the same losses and parameters as grad', () => {
    // @ts-expect-error -- grad: the function must return one element
    valueAndGrad((p: Tensor<[3]>) => mul(p, 2));
    // @ts-expect-error -- grad: the function must return one element
    valueAndGrad((p: Tensor<[3]>) => ({ loss: mul(p, 2), aux: 0 }));
    // @ts-expect-error -- grad: the function returned int32, which has no gradient
    valueAndGrad((p: Tensor<[3]>) => ({ loss: {} as Tensor<[], 'int32'>, aux: sum(p) }));
    // @ts-expect-error -- grad: a parameter is int32
    valueAndGrad((p: { w: Tensor<[3]>; ids: Tensor<[3], 'int32'> }) => ({ loss: sum(p.w), aux: p.ids }));
  });
});
