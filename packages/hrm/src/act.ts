/**
 * Adaptive computation time (`HierarchicalReasoningModel_ACTV1.forward`), for any reasoner. The carry
 * holds, per batch slot, the reasoner's states, the segments run so far, whether the slot has halted,
 * and its example. Each call first gives halted slots a fresh start (initial states, 0 steps, the new
 * batch's example), runs one segment, then decides who halts:
 * - always at `haltMaxSteps`; in training also when the Q rule says so (`q_halt > q_continue`, or
 *   `q_halt > 0` for TRM), except that with probability `haltExplorationProb` a slot must first run a
 *   random minimum of 2..haltMaxSteps segments;
 * - in training with `continueTarget`, the target for q_continue is bootstrapped from a second forward
 *   pass on the new carry (no grad): sigmoid(q_halt') on the last step, else sigmoid(max(q_halt', q_continue')).
 * In evaluation every slot runs exactly `haltMaxSteps` segments.
 */
import {
  add,
  bernoulli,
  broadcastLike,
  cast,
  concat,
  type DType,
  type FloatDType,
  ge,
  gt,
  type Key,
  logicalAnd,
  logicalOr,
  maximum,
  noGrad,
  ones,
  randint,
  rename,
  reshape,
  type Shape,
  sigmoid,
  slice,
  splitKey,
  type Tensor,
  where,
  zeros,
} from '@hrm/core';
import type { States } from './hierarchy.js';
import {
  type ActConfig,
  type Batch,
  mapStates,
  type PerSlot,
  type PuzzleRows,
  type Reasoner,
  type ReasonerBuffers,
  type SegmentOutput,
  segment,
} from './reasoner.js';

/** The ACT carry: the reasoner's states `C`, and per slot its segment count, whether it halted, and its example. */
export interface Carry<C> {
  readonly inner: C;
  readonly steps: Tensor<['batch'], 'int32'>;
  readonly halted: Tensor<['batch'], 'bool'>;
  readonly data: Batch;
}

/** Every slot halted, so that the first call loads the whole batch (`initial_carry`). */
export function initialCarry<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  buffers: B,
  batchSize: number,
): Carry<C> {
  const dims = { batch: batchSize, tokens: reasoner.tokens };
  return {
    inner: reasoner.blank(buffers, batchSize),
    steps: zeros(['batch'], { dims, dtype: 'int32' }),
    halted: ones(['batch'], { dims, dtype: 'bool' }),
    data: {
      inputs: zeros(['batch', 'tokens'], { dims, dtype: 'int32' }),
      labels: zeros(['batch', 'tokens'], { dims, dtype: 'int32' }),
      puzzleIds: zeros(['batch'], { dims, dtype: 'int32' }),
    },
  };
}

/** `where(flag[b], a[b, ...], b[b, ...])` for a per-slot flag; `a` broadcasts to `b` (a fixed vector, a row). */
function perSlot<S extends Shape, D extends DType>(
  flag: Tensor<['batch'], 'bool'>,
  a: Tensor<Shape, D>,
  b: Tensor<S, D>,
): Tensor<S, D> {
  const column = reshape(flag, [flag.shape[0], ...new Array<number>(b.rank - 1).fill(1)]);
  return where(broadcastLike(column, b), broadcastLike(a, b), b);
}

/** The carry with its halted slots restarted on `batch`'s examples (no gradient involved). */
export function resetHalted<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  carry: Carry<C>,
  batch: Batch,
  buffers: B,
): Carry<C> {
  const { halted } = carry;
  const initial = reasoner.initial(buffers);
  return {
    inner: mapStates(carry.inner, (state, name) => perSlot(halted, cast(initial[name], state.dtype), state)),
    steps: where(halted, 0, carry.steps),
    halted,
    data: {
      inputs: perSlot(halted, batch.inputs, carry.data.inputs),
      labels: perSlot(halted, batch.labels, carry.data.labels),
      puzzleIds: where(halted, batch.puzzleIds, carry.data.puzzleIds),
    },
  };
}

/** A carry's states rebuilt name by name (slots taken or joined: the shapes change, the names and dtypes do not). */
function rebuild<C extends States<C>>(
  names: readonly (keyof C & string)[],
  f: (name: keyof C & string) => Tensor<Shape, FloatDType>,
): C {
  const out: Record<string, Tensor<Shape, FloatDType>> = {};
  for (const name of names) out[name] = f(name);
  return out as C;
}

const namesOf = <C extends States<C>>(states: C) => Object.keys(states) as (keyof C & string)[];

/** Slots `from` (inclusive) to `to` of a carry: one micro-batch's share under gradient accumulation. */
export function carrySlots<C extends States<C>>(carry: Carry<C>, from: number, to: number): Carry<C> {
  const { inner, steps, halted, data } = carry;
  return {
    inner: rebuild(namesOf(inner), (name) => slice(inner[name], 0, from, to)),
    steps: rename(slice(steps, 0, from, to), ['batch']),
    halted: rename(slice(halted, 0, from, to), ['batch']),
    data: {
      inputs: rename(slice(data.inputs, 0, from, to), ['batch', 'tokens']),
      labels: rename(slice(data.labels, 0, from, to), ['batch', 'tokens']),
      puzzleIds: rename(slice(data.puzzleIds, 0, from, to), ['batch']),
    },
  };
}

/** Carries of consecutive slots joined back into one (the inverse of `carrySlots`). */
export function joinCarries<C extends States<C>>(carries: readonly Carry<C>[]): Carry<C> {
  const [first, ...rest] = carries;
  if (!first) throw new RangeError('joinCarries: no carries');
  const join = <S extends Shape, D extends DType>(pick: (c: Carry<C>) => Tensor<S, D>): Tensor<Shape, D> =>
    concat([pick(first), ...rest.map(pick)], 0);
  return {
    inner: rebuild(namesOf(first.inner), (name) => join((c) => c.inner[name])),
    steps: rename(
      join((c) => c.steps),
      ['batch'],
    ),
    halted: rename(
      join((c) => c.halted),
      ['batch'],
    ),
    data: {
      inputs: rename(
        join((c) => c.data.inputs),
        ['batch', 'tokens'],
      ),
      labels: rename(
        join((c) => c.data.labels),
        ['batch', 'tokens'],
      ),
      puzzleIds: rename(
        join((c) => c.data.puzzleIds),
        ['batch'],
      ),
    },
  };
}

/** What an ACT call gives besides the carry: the segment's outputs, and the continue target in training. */
export interface ActOutput extends Omit<SegmentOutput<unknown>, 'carry'> {
  /** The bootstrapped target for q_continue (training with `continueTarget` only). */
  readonly targetQContinue?: PerSlot;
}

/** Whether the call trains (halting by the Q head, exploration, the continue target) and its randomness. */
export interface ActOptions {
  readonly training: boolean;
  /** Randomness for exploration (training only). */
  readonly key?: Key;
}

/** Where the Q head says halt: `q_halt > q_continue` (HRM) or `q_halt > 0` (TRM). */
export function wantsToHalt(act: ActConfig, qHalt: PerSlot, qContinue: PerSlot): Tensor<['batch'], 'bool'> {
  return act.haltRule === 'q-compare' ? gt(qHalt, qContinue) : gt(qHalt, 0);
}

/**
 * One ACT call on a carry already reset by `resetHalted`: a segment, then the halting decision.
 * `puzzleRows` are the puzzle-embedding rows of `carry.data.puzzleIds`.
 */
export function actStep<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  params: P,
  puzzleRows: PuzzleRows | undefined,
  carry: Carry<C>,
  opts: ActOptions,
): { carry: Carry<C>; outputs: ActOutput } {
  const { act } = reasoner;
  const out = segment(reasoner, params, carry.inner, carry.data.inputs, puzzleRows);
  return noGrad(() => {
    const steps = add(carry.steps, 1);
    const isLast = ge(steps, act.haltMaxSteps);
    let halted = isLast;
    let targetQContinue: PerSlot | undefined;
    if (opts.training && act.haltMaxSteps > 1) {
      halted = logicalOr(halted, wantsToHalt(act, out.qHalt, out.qContinue));
      // Exploration: with probability eps a slot must run at least a random 2..haltMaxSteps segments.
      if (!opts.key) throw new Error('actStep: training needs a key for exploration');
      const [kExplore, kMin] = splitKey(opts.key, 2);
      const dims = { batch: steps.shape[0] };
      const explore = bernoulli(kExplore, act.haltExplorationProb, ['batch'], { dims });
      const minHalt = where(explore, randint(kMin, ['batch'], 2, act.haltMaxSteps + 1, { dims }), 0);
      halted = logicalAnd(halted, ge(steps, minHalt));
      if (act.continueTarget) {
        const next = segment(reasoner, params, out.carry, carry.data.inputs, puzzleRows);
        targetQContinue = sigmoid(where(isLast, next.qHalt, maximum(next.qHalt, next.qContinue)));
      }
    }
    return {
      carry: { inner: out.carry, steps, halted, data: carry.data },
      outputs: {
        logits: out.logits,
        qHalt: out.qHalt,
        qContinue: out.qContinue,
        ...(targetQContinue ? { targetQContinue } : {}),
      },
    };
  });
}
