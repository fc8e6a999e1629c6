/**
 * `grad` and `valueAndGrad`: the gradient of a scalar function with respect to its first argument,
 * a tree of float tensors (the parameters); the gradient has exactly its structure, shapes and dtypes.
 * The whole forward and backward pass runs in a scope, so every intermediate buffer is released when
 * the call returns; only the value, the gradient and the aux output survive.
 */
import {
  type AnyTensor,
  type DType,
  type FloatDType,
  type Incompatible,
  type IsWide,
  onesLike,
  type Shape,
  ShapeError,
  scope,
  startTape,
  stopTape,
  Tensor,
  untrack,
} from '@hrm/core';
import { leaves, mapTensors, unflatten } from './tree.js';
import { backward } from './vjp.js';

/** What a differentiated function returns: a scalar float loss (one element), or `AnyTensor`, checked at run time. */
export type Scalar = Tensor<readonly [], FloatDType> | AnyTensor;

/** What `valueAndGrad` returns: the loss, its gradient (a tree like the parameters) and the auxiliary output. */
export interface ValueAndGrad<P, A> {
  readonly value: AnyTensor;
  readonly grad: P;
  /** The function's auxiliary output (metrics, new state), when it returned `{ loss, aux }`. */
  readonly aux: A;
}

/** A function of the parameters (and any other arguments) returning its loss L, or `{ loss, aux }`. */
type Objective<P, R extends unknown[], L, A> = (params: P, ...rest: R) => L | { readonly loss: L; readonly aux: A };

// Compile-time checks of what `grad` and `valueAndGrad` differentiate. They mirror the run-time
// checks in `run`; dynamic tensors (`AnyTensor`) pass and are checked at run time.

/** `any` (the dtype and shape of a dynamic tensor) is accepted by every check. */
type IsAny<T> = 0 extends 1 & T ? true : false;

type NonFloat = Exclude<DType, FloatDType>;

/** The shape of a tensor type. */
type ShapeOf<T extends AnyTensor> = T extends Tensor<infer S, DType> ? S : Shape;

/** The dims of S that certainly make more than one element: literals other than 1, and names. */
type NotOneDims<S extends Shape> = {
  [K in keyof S]: S[K] extends 1 ? never : IsWide<S[K]> extends true ? never : S[K];
}[number];

/**
 * The non-float dtypes among the tensor leaves of a parameter tree (never when all are float). Dtypes
 * are read as `T['dtype']`, where the `any` of a dynamic tensor stays `any`.
 */
type NonFloatLeaves<P> =
  IsAny<P> extends true
    ? never
    : P extends AnyTensor
      ? IsAny<P['dtype']> extends true
        ? never
        : Exclude<P['dtype'], FloatDType>
      : P extends readonly unknown[]
        ? NonFloatLeaves<P[number]>
        : P extends object
          ? { [K in keyof P]-?: NonFloatLeaves<P[K]> }[keyof P]
          : never;

/**
 * What is wrong with the loss L, as a key of `GradMessages`, or `string` when nothing is. One element,
 * as at run time: shape `[]` or `[1]` (any shape of 1s); dims the types do not know pass.
 */
type LossProblem<L extends AnyTensor> =
  IsAny<L['dtype']> extends true
    ? string
    : [L['dtype']] extends [FloatDType]
      ? [NotOneDims<ShapeOf<L>>] extends [never]
        ? string
        : 'loss shape'
      : `loss ${L['dtype'] & NonFloat}`;

/** What is wrong with the parameters P, then with the loss L, as a key of `GradMessages`, or `string`. */
type GradProblem<P, L extends AnyTensor> = [NonFloatLeaves<P>] extends [never]
  ? LossProblem<L>
  : `param ${NonFloatLeaves<P> & NonFloat}`;

/** The messages, by problem; any other key asks nothing. */
type GradMessages = { readonly [problem: string]: unknown } & {
  readonly [D in NonFloat as `param ${D}`]: Incompatible<`grad: a parameter is ${D}; only float tensors can be differentiated`>;
} & {
  readonly [D in NonFloat as `loss ${D}`]: Incompatible<`grad: the function returned ${D}, which has no gradient (argmax, comparisons and int ops are not differentiable)`>;
} & {
  readonly 'loss shape': Incompatible<'grad: the function must return one element (shape [] or [1]): sum or mean the loss'>;
};

/**
 * `unknown`, or the `Incompatible` for what is wrong, on the differentiated function (in parameter
 * position, so that its message is shown). An indexed access into a fixed table and not a conditional,
 * so that code generic in P or L (a training loop over any parameter tree) passes: the compiler checks
 * it at the key's widest type, `string`, which asks nothing. The run time names the offending leaf.
 */
type GradCheck<P, L extends AnyTensor> = GradMessages[GradProblem<P, L>];

function run<P, R extends unknown[], A>(f: Objective<P, R, AnyTensor, A>, params: P, rest: R): ValueAndGrad<P, A> {
  return scope(() => {
    const paramLeaves = leaves(params);
    for (const { path, value } of paramLeaves)
      if (value.dtype !== 'float32' && value.dtype !== 'float64')
        throw new TypeError(
          `grad: parameter '${path || '(root)'}' is ${value.describe()}; only float tensors can be differentiated`,
        );
    const { tape, tracked } = startTape(paramLeaves.map((l) => l.value));
    let result: ReturnType<Objective<P, R, AnyTensor, A>>;
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
    // This tape is walked once: its activations can go as the walk passes them, except what leaves.
    const leaving = new Set<AnyTensor>([value, ...tracked]);
    mapTensors(aux, (x) => {
      leaving.add(x);
      return x;
    });
    const grads = backward(tape, new Map([[value, onesLike(value)]]), tracked, { releaseActivationsExcept: leaving });
    // Aux may mix tensors and plain values (metrics): untrack the tensors, keep the rest.
    const untrackedAux = mapTensors(aux, (x) => untrack(x, tape));
    return { value: untrack(value, tape), grad: unflatten(params, grads), aux: untrackedAux };
  });
}

/** `f`'s value, its gradient with respect to the first argument, and its aux output. */
export function valueAndGrad<P, R extends unknown[], L extends AnyTensor, A = undefined>(
  f: Objective<P, R, L, A> & GradCheck<P, L>,
): (params: P, ...rest: R) => ValueAndGrad<P, A> {
  return (params, ...rest) => run(f, params, rest);
}

/** The gradient of a scalar `f` with respect to its first argument (a tensor or a tree of them). */
export function grad<P, R extends unknown[], L extends AnyTensor>(
  f: ((params: P, ...rest: R) => L) & GradCheck<P, L>,
): (params: P, ...rest: R) => P {
  // The value (and aux) are released with the scope: only the gradient leaves.
  return (params, ...rest) => scope(() => run(f, params, rest).grad);
}
