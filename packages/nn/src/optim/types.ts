/**
 * Optimisers are pure functions over parameter trees: `init(params)` makes the state, and
 * `step(params, grads, state)` returns the new parameters and the new state. Nothing is mutated.
 */

/** A learning rate as a function of the update count t (1 for the first update). */
export type Schedule = (t: number) => number;

export type LearningRate = number | Schedule;

export function lrAt(lr: LearningRate, t: number): number {
  return typeof lr === 'number' ? lr : lr(t);
}

export interface Optimizer<S> {
  readonly init: <P>(params: P) => S & { readonly count: number };
  readonly step: <P>(params: P, grads: P, state: S & { readonly count: number }) => [P, S & { readonly count: number }];
}
