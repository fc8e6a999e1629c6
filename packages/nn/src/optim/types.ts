/**
 * Optimisers are pure functions over parameter trees: `init(params)` makes the state, and
 * `step(params, grads, state)` returns the new parameters and the new state. Nothing is mutated.
 */

/** A learning rate as a function of the update count t (1 for the first update). */
export type Schedule = (t: number) => number;

/** A constant learning rate, or a `Schedule` of one. */
export type LearningRate = number | Schedule;

/** The learning rate for update `t` (1 for the first): `lr` itself if constant, else `lr(t)`. */
export function lrAt(lr: LearningRate, t: number): number {
  return typeof lr === 'number' ? lr : lr(t);
}

/**
 * An optimiser as a pair of pure functions over a parameter tree `P`. `S` is its state besides `count`,
 * the number of updates taken so far.
 */
export interface Optimizer<S> {
  /** The state before the first update (`count` 0), with any moments zero and shaped like `params`. */
  readonly init: <P>(params: P) => S & { readonly count: number };
  /** One update: the new parameters, and the state with `count` one higher. `grads` has the shape of `params`. */
  readonly step: <P>(params: P, grads: P, state: S & { readonly count: number }) => [P, S & { readonly count: number }];
}
