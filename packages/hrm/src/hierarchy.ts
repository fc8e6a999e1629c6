/**
 * Recurrent hierarchies as data plus pure functions. A hierarchy is a list of levels, slowest first; each
 * level owns one named state of the carry and updates it with its module, `(params, state, injection) →
 * state`, where the injection is computed from the current states and the segment's input. A level runs
 * once after every `period` updates of the level below it, and the top level runs `cycles` times per
 * segment:
 *
 *   HRM (N = cycles, T = period of H):  N × [ T × (zL ← L(zL, zH + x)),  zH ← H(zH, zL) ]
 *   three levels:                       N × [ a × [ b × L,  M ],  H ]
 *
 * The gradient window says which of a segment's updates are recorded on the tape: the others run under
 * `noGrad`, each in its own scope, and the states they replace are freed at once, so an unrecorded
 * update costs no memory whatever the depth (the one-step gradient's memory is flat in N × T).
 */
import { dispose, type FloatDType, isRecording, noGrad, type Shape, scope, type Tensor } from '@hrm/core';

/**
 * The carry of a hierarchy: a record of named states (HRM: `{ zH, zL }`), each a float tensor of any
 * shape. Used as `C extends States<C>`, so that interfaces qualify as well as type literals.
 */
export type States<C> = { readonly [K in keyof C]: Tensor<Shape, FloatDType> };

/** One level: the state it updates, what it is injected with, its module, and its period. */
export interface Level<P, C extends States<C>, X, K extends keyof C & string = keyof C & string> {
  /** The state this level updates. */
  readonly state: K;
  /**
   * What the level is injected with, from the current states and the segment's input `x` (HRM's L
   * module: `zH + x`; its H module: `zL`).
   */
  readonly inject: (states: C, x: X) => C[K];
  /** The level's module: its new state from the parameters, its state and its injection. */
  readonly module: (params: P, state: C[K], injection: C[K]) => C[K];
  /** Updates of the level below per update of this one (the lowest level has none; default 1). */
  readonly period?: number;
}

/** A level of any of the carry's states (the element type of `Hierarchy.levels`). */
export type AnyLevel<P, C extends States<C>, X> = { [K in keyof C & string]: Level<P, C, X, K> }[keyof C & string];

/** Levels, slowest first, and how many updates the top level makes per segment. */
export interface Hierarchy<P, C extends States<C>, X> {
  readonly levels: readonly AnyLevel<P, C, X>[];
  /** Updates of the top level per segment (HRM's N, `H_cycles`). */
  readonly cycles: number;
}

/** One update in a segment's schedule. */
export interface ScheduleStep {
  /** Position in the segment's schedule, from 0. */
  readonly index: number;
  /** The level that updates (0 is the top, the slowest). */
  readonly level: number;
  /** The state it updates. */
  readonly state: string;
  /** How many updates of this level came before this one in the segment. */
  readonly update: number;
  /** Whether this is the level's last update in the segment. */
  readonly last: boolean;
  /** Updates in the whole segment. */
  readonly total: number;
}

/**
 * Which updates of a segment are recorded for the gradient:
 * - `one-step`: the last update of each level (HRM's one-step gradient: the fixed-point approximation);
 * - `last-cycle`: the whole last cycle of the top level (TRM: the last recursion, backpropagated through);
 * - `bptt`: every update (backpropagation through time, for comparison);
 * - `{ last: k }`: the last k updates;
 * - a predicate over the schedule.
 */
export type GradientWindow =
  | 'one-step'
  | 'last-cycle'
  | 'bptt'
  | { readonly last: number }
  | ((step: ScheduleStep) => boolean);

/** The state tensors of a carry. */
function tensorsOf<C extends States<C>>(states: C): Tensor<Shape, FloatDType>[] {
  return (Object.keys(states) as (keyof C)[]).map((k) => states[k]);
}

/**
 * Called after each update with the step, the states after it and whether the window records it (to
 * watch a segment from inside: norms, convergence). It must not keep the states: those an unrecorded
 * update replaces are freed right after.
 */
export type Observer<C> = (step: ScheduleStep, states: C, recorded: boolean) => void;

/** A hierarchy with fixed parameters, ready to run segments: `(states, x) → states`. */
export type Recurrence<C extends States<C>, X> = (start: C, x: X) => C;

function checkHierarchy<P, C extends States<C>, X>(h: Hierarchy<P, C, X>): void {
  const count = (n: number | undefined, what: string) => {
    if (n !== undefined && (!Number.isInteger(n) || n < 1))
      throw new RangeError(`hierarchy: ${what} must be a positive integer, got ${n}`);
  };
  if (h.levels.length === 0) throw new RangeError('hierarchy: no levels');
  count(h.cycles, 'cycles');
  const seen = new Set<string>();
  h.levels.forEach((l, i) => {
    count(l.period, `the period of level ${i} (${l.state})`);
    if (seen.has(l.state)) throw new RangeError(`hierarchy: two levels update the state '${l.state}'`);
    seen.add(l.state);
  });
}

/** The levels (by index) in the order they update during one update of level `i`. */
function cycleOf(levels: readonly { readonly period?: number }[], i: number): number[] {
  if (i === levels.length - 1) return [i];
  const below = cycleOf(levels, i + 1);
  return [...Array.from({ length: levels[i].period ?? 1 }, () => below).flat(), i];
}

/** Every update of one segment, in order: HRM with N = 2, T = 2 is L L H L L H. */
export function schedule<P, C extends States<C>, X>(h: Hierarchy<P, C, X>): ScheduleStep[] {
  checkHierarchy(h);
  const order = Array.from({ length: h.cycles }, () => cycleOf(h.levels, 0)).flat();
  const counts = h.levels.map((_, level) => order.filter((l) => l === level).length);
  const seen = h.levels.map(() => 0);
  return order.map((level, index) => {
    const update = seen[level]++;
    return {
      index,
      level,
      state: h.levels[level].state,
      update,
      last: update === counts[level] - 1,
      total: order.length,
    };
  });
}

/** The window as a predicate over the steps of `h`'s schedule. */
export function recordedBy<P, C extends States<C>, X>(
  h: Hierarchy<P, C, X>,
  window: GradientWindow,
): (step: ScheduleStep) => boolean {
  if (typeof window === 'function') return window;
  if (window === 'one-step') return (s) => s.last;
  if (window === 'bptt') return () => true;
  const last = window === 'last-cycle' ? cycleOf(h.levels, 0).length : window.last;
  if (!Number.isInteger(last) || last < 0)
    throw new RangeError(`gradient window: the last k updates need a whole k >= 0, got ${last}`);
  return (s) => s.index >= s.total - last;
}

/**
 * Runs one segment of `h` from `start` with input `x`: each update in its own scope, the unrecorded ones
 * under `noGrad`. A replaced state is freed at once unless the caller owns it (`start`) or a recorded
 * update may have saved it for the backward pass (so outside a gradient, every replaced state goes).
 */
export function runHierarchy<P, C extends States<C>, X>(
  h: Hierarchy<P, C, X>,
  params: P,
  start: C,
  x: X,
  window: GradientWindow,
  observe?: Observer<C>,
): C {
  const recorded = recordedBy(h, window);
  // Outside a gradient (evaluation) nothing is saved, so every replaced state can go.
  const taping = isRecording();
  const kept = new Set(tensorsOf(start));
  let states = start;
  for (const step of schedule(h)) {
    const level = h.levels[step.level];
    const before = states;
    const update = () => scope(() => level.module(params, before[level.state], level.inject(before, x)));
    const record = recorded(step);
    const next = record ? update() : noGrad(update);
    states = { ...before, [level.state]: next };
    observe?.(step, states, record);
    if (record && taping) {
      // The tape may hold any state this update read, and holds what it wrote.
      for (const t of tensorsOf(before)) kept.add(t);
      kept.add(next);
    } else {
      const replaced = before[level.state];
      if (!kept.has(replaced) && replaced !== next) dispose(replaced);
    }
  }
  return states;
}
