/**
 * A reasoner: a recurrent hierarchy trained by deep supervision, with an ACT halting head. HRM and TRM
 * are two (hrm.ts, trm.ts); a new hierarchy is another, made of the same parts. The reasoner is data
 * plus pure functions; `segment`, `actStep`, `actLoss`, `trainStep`, `evaluate` and `predictSegments`
 * work for any of them.
 *
 * The named dims: `batch` (slots), `tokens` (the puzzle's length), `seq` (the positions the model runs
 * over: a prefix for the puzzle embedding, then the tokens), `hidden`, `vocab`, and `puzzles` ×
 * `puzzleDim` for the puzzle-embedding table.
 */
import { type FloatDType, type Key, type Shape, ShapeError, stopGradient, type Tensor } from '@hrm/core';
import { type GradientWindow, type Hierarchy, type Observer, runHierarchy, type States } from './hierarchy.js';

/** Token ids of a batch of puzzles, `[batch, tokens]`. */
export type Tokens = Tensor<['batch', 'tokens'], 'int32'>;

/** A batch of puzzles: inputs, labels (-100 where no loss applies) and puzzle identifiers. */
export interface Batch {
  readonly inputs: Tokens;
  readonly labels: Tokens;
  readonly puzzleIds: Tensor<['batch'], 'int32'>;
}

/** Activations over the model's positions: the input injection, and HRM's states. */
export type Hidden = Tensor<['batch', 'seq', 'hidden']>;
/** The answer's logits, one row per token. */
export type Logits = Tensor<['batch', 'tokens', 'vocab']>;
/** One value per batch slot (the Q head's logits). */
export type PerSlot = Tensor<['batch']>;
/** The batch's rows of the puzzle-embedding table. */
export type PuzzleRows = Tensor<['batch', 'puzzleDim']>;
/** The puzzle-embedding table, one row per puzzle identifier, trained by sparse SignSGD. */
export type PuzzleTable = Tensor<['puzzles', 'puzzleDim']>;

/** Halting and loss settings (see act.ts and loss.ts): HRM's and TRM's defaults are in config.ts. */
export interface ActConfig {
  /** Segments after which a slot always halts (and that evaluation runs). */
  readonly haltMaxSteps: number;
  /** In training, the chance that a slot must first run a random 2..haltMaxSteps segments. */
  readonly haltExplorationProb: number;
  /** `q-compare`: halt when q_halt > q_continue (HRM). `q-positive`: halt when q_halt > 0 (TRM). */
  readonly haltRule: 'q-compare' | 'q-positive';
  /** Learn q_continue from a bootstrapped target (a second forward pass), as HRM does. */
  readonly continueTarget: boolean;
  /** The token loss: softmax or stablemax cross-entropy. */
  readonly lossType: 'softmax' | 'stablemax';
}

/** What a reasoner keeps beside its trained parameters: at least, optionally, a puzzle-embedding table. */
export interface ReasonerBuffers {
  readonly puzzleEmb?: PuzzleTable;
}

/** The Q head's two logits per slot. */
export interface QValues {
  readonly halt: PerSlot;
  readonly continue: PerSlot;
}

/**
 * A recurrent reasoner over parameters `P`, buffers `B` (untrained state: initial vectors, the puzzle
 * table) and named states `C`, with input injection `X`.
 */
export interface Reasoner<P, B extends ReasonerBuffers, C extends States<C>, X = Hidden> {
  /** The recurrence of one segment. */
  readonly hierarchy: Hierarchy<P, C, X>;
  /** Which of a segment's updates are differentiated. */
  readonly window: GradientWindow;
  /** Halting and loss settings. */
  readonly act: ActConfig;
  /** Tokens per puzzle: the length of the inputs and of the answer. */
  readonly tokens: number;
  /** Fresh parameters and buffers. */
  readonly init: (key: Key) => { readonly params: P; readonly buffers: B };
  /** The input injection of a batch: its tokens, and its rows of the puzzle table when there is one. */
  readonly embed: (params: P, inputs: Tokens, puzzleRows: PuzzleRows | undefined) => X;
  /** What a slot's states restart from, each a tensor that broadcasts to its state (HRM: a fixed vector). */
  readonly initial: (buffers: B) => { readonly [K in keyof C]: Tensor<Shape> };
  /**
   * Placeholder states for `batch` slots, in the dtype of the buffers' initial states (every slot is
   * replaced on the first reset).
   */
  readonly blank: (buffers: B, batch: number) => C;
  /** The answer read from the states. */
  readonly output: (params: P, states: C) => Logits;
  /** The Q head: whether to halt, and the value of continuing, read from the states. */
  readonly q: (params: P, states: C) => QValues;
}

/** What one segment gives: the detached states to continue from, the answer and the Q values. */
export interface SegmentOutput<C> {
  /** Detached: the next segment starts from here, and no gradient crosses segments. */
  readonly carry: C;
  readonly logits: Logits;
  readonly qHalt: PerSlot;
  readonly qContinue: PerSlot;
}

/**
 * The states with `f` applied to each, `f` keeping each state's shape and dtype, which is checked: the
 * result has the carry's type (as `treeMap` does for parameter trees).
 */
export function mapStates<C extends States<C>>(
  states: C,
  f: (state: Tensor<Shape, FloatDType>, name: keyof C & string) => Tensor<Shape, FloatDType>,
): C {
  const out: Record<string, Tensor<Shape, FloatDType>> = {};
  for (const name of Object.keys(states) as (keyof C & string)[]) {
    const before = states[name];
    const after = f(before, name);
    if (after.dtype !== before.dtype || after.rank !== before.rank || after.shape.some((d, i) => d !== before.shape[i]))
      throw new ShapeError('mapStates', `state '${name}' changed from ${before.describe()} to ${after.describe()}`);
    out[name] = after;
  }
  return out as C;
}

/**
 * One segment (HRM's `_Inner.forward`): embed the inputs, run the hierarchy from `states`, read the
 * heads, and detach the new states.
 */
export function segment<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  params: P,
  states: C,
  inputs: Tokens,
  puzzleRows: PuzzleRows | undefined,
  observe?: Observer<C>,
): SegmentOutput<C> {
  const x = reasoner.embed(params, inputs, puzzleRows);
  const next = runHierarchy(reasoner.hierarchy, params, states, x, reasoner.window, observe);
  const q = reasoner.q(params, next);
  return {
    carry: mapStates(next, (s) => stopGradient(s)),
    logits: reasoner.output(params, next),
    qHalt: q.halt,
    qContinue: q.continue,
  };
}
