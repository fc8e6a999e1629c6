/**
 * `grad` and `valueAndGrad`: the gradient of a scalar function with respect to its first argument,
 * a tree of float tensors (the parameters); the gradient has exactly its structure, shapes and dtypes.
 * The whole forward and backward pass runs in a scope, so every intermediate buffer is released when
 * the call returns; only the value, the gradient and the aux output survive.
 */
import {
  type AnyTensor,
  type FloatDType,
  onesLike,
  ShapeError,
  scope,
  startTape,
  stopTape,
  Tensor,
  untrack,
} from '@hrm/core';
import { leaves, mapTensors, unflatten } from './tree.js';
import { backward } from './vjp.js';

/** What a differentiated function returns: a scalar loss (one element). */
export type Scalar = Tensor<readonly [], FloatDType> | AnyTensor;

export interface ValueAndGrad<P, A> {
  readonly value: AnyTensor;
  readonly grad: P;
  /** The function's auxiliary output (metrics, new state), when it returned `{ loss, aux }`. */
  readonly aux: A;
}

/** A function of the parameters (and any other arguments) returning a scalar, or `{ loss, aux }`. */
type Objective<P, R extends unknown[], A> = (
  params: P,
  ...rest: R
) => Scalar | { readonly loss: Scalar; readonly aux: A };

function run<P, R extends unknown[], A>(f: Objective<P, R, A>, params: P, rest: R): ValueAndGrad<P, A> {
  return scope(() => {
    const paramLeaves = leaves(params);
    for (const { path, value } of paramLeaves)
      if (value.dtype !== 'float32' && value.dtype !== 'float64')
        throw new TypeError(
          `grad: parameter '${path || '(root)'}' is ${value.describe()}; only float tensors can be differentiated`,
        );
    const { tape, tracked } = startTape(paramLeaves.map((l) => l.value));
    let result: ReturnType<Objective<P, R, A>>;
    try {
      result = f(unflatten(params, tracked), ...rest);
    } finally {
      stopTape(tape);
    }
    const { loss, aux } = result instanceof Tensor ? { loss: result, aux: undefined as A } : result;
    const value = loss as AnyTensor;
    if (value.size !== 1) throw new ShapeError('grad', `the function must return one element, got ${value.describe()}`);
    if (value.dtype !== 'float32' && value.dtype !== 'float64')
      throw new TypeError(
        `grad: the function returned ${value.describe()}, which has no gradient (argmax, comparisons and int ops are not differentiable)`,
      );
    const grads = backward(tape, new Map([[value, onesLike(value)]]), tracked);
    // Aux may mix tensors and plain values (metrics): untrack the tensors, keep the rest.
    const untrackedAux = mapTensors(aux, (x) => untrack(x, tape));
    return { value: untrack(value, tape), grad: unflatten(params, grads), aux: untrackedAux };
  });
}

/** `f`'s value, its gradient with respect to the first argument, and its aux output. */
export function valueAndGrad<P, R extends unknown[], A = undefined>(
  f: Objective<P, R, A>,
): (params: P, ...rest: R) => ValueAndGrad<P, A> {
  return (params, ...rest) => run(f, params, rest);
}

/** The gradient of a scalar `f` with respect to its first argument (a tensor or a tree of them). */
export function grad<P, R extends unknown[]>(f: (params: P, ...rest: R) => Scalar): (params: P, ...rest: R) => P {
  // The value (and aux) are released with the scope: only the gradient leaves.
  return (params, ...rest) => scope(() => run(f, params, rest).grad);
}
