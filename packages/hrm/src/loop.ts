/**
 * A training run: batches from a data source, `trainStep` after `trainStep`, metrics as JSON lines,
 * periodic evaluation, and atomic checkpoints to resume from. A resumed run reproduces the numbers
 * of an uninterrupted one: the data source and the exploration are functions of the run's key and
 * the step, and the checkpoint holds everything else (weights, moments, carry, EMA).
 */

import { existsSync } from 'node:fs';
import { leaves } from '@hrm/autodiff';
import { abs, disposeReplaced, type Key, keep, max, scope } from '@hrm/core';
import type { Json } from '@hrm/nn';
import { loadCheckpoint, saveCheckpoint } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { reasonerFor } from './arch.js';
import { checkpointTemplate, fromCheckpoint, toCheckpoint } from './checkpoint.js';
import { readCheckpointHeader } from './cli/checkpoint-header.js';
import type { ModelConfig } from './config.js';
import { type EvalResult, evaluate } from './evaluate.js';
import type { States } from './hierarchy.js';
import type { HrmStates } from './hrm.js';
import type { HrmBuffers, HrmParams } from './params.js';
import type { Batch, Reasoner, ReasonerBuffers } from './reasoner.js';
import { initTrainState, NonFiniteError, type StepMetrics, type TrainState, trainStep } from './train.js';
import type { TrainConfig } from './train-config.js';

/**
 * What `run` trains, on what data, and how it logs, evaluates and checkpoints along the way. `model` is
 * stored in every checkpoint; `run` trains the reasoner it describes, `runReasoner` any reasoner.
 */
export interface RunOptions {
  readonly model: ModelConfig;
  readonly train: TrainConfig;
  /** The run's key: initialisation, data and exploration all derive from it. */
  readonly key: Key;
  /** The batch for a step: must be a pure function of (key, step) for resumed runs to match. */
  readonly data: (key: Key, step: number) => Batch;
  /** Log the training metrics every this many steps (default 1), and always at the last step. */
  readonly logEvery?: number;
  /** Receives each record (`event`: `train`, `eval`, `checkpoint` or `resume`, with its fields), e.g. to print a JSON line. */
  readonly log?: (record: Record<string, unknown>) => void;
  /**
   * Evaluate every `every` steps and at the end, with the EMA weights when the run keeps them, running
   * `segments` segments (default the model's `haltMaxSteps`).
   */
  readonly evaluation?: {
    readonly every: number;
    /** The evaluation batches, asked for afresh at each evaluation. */
    readonly batches: () => Iterable<Batch>;
    readonly segments?: number;
  };
  /**
   * Write (atomically) every `every` steps and at the end, never with NaN or ±Infinity in any tensor; with
   * `resume`, continue from the file if it exists, refusing one written by another run (another
   * `metadata`, model config, or training config other than `totalSteps`).
   */
  readonly checkpoint?: { readonly path: string; readonly every: number; readonly resume?: boolean };
  /**
   * Checked between steps: `true` (a Ctrl-C handler) saves a checkpoint and stops; `'evaluate'` (a planned
   * end such as a time budget) first evaluates the final state, unless that step was just evaluated.
   */
  readonly shouldStop?: () => boolean | 'evaluate';
  /** Extra JSON stored with every checkpoint's configs (e.g. the task name). */
  readonly metadata?: Readonly<Record<string, Json>>;
  /**
   * Start from these weights instead of the initialisation (fine-tuning), with fresh optimiser moments
   * and step 0; they must have the shapes `model` gives. A resumed run ignores them: its file holds more.
   */
  readonly from?: { readonly params: unknown; readonly buffers: unknown };
}

/** How `run` ended: the final state, the last step's metrics and the last evaluation (when there were any). */
export interface RunResult<P = HrmParams, B extends ReasonerBuffers = HrmBuffers, C = HrmStates> {
  readonly state: TrainState<P, B, C>;
  readonly last?: StepMetrics;
  readonly evaluation?: EvalResult;
  /** True when the run ended early on request. */
  readonly stopped: boolean;
}

/** The stored name of the first float tensor of `tree` that holds NaN or ±Infinity, if any. */
function firstNonFinite(tree: unknown, prefix: string): string | undefined {
  return scope(
    () =>
      leaves(tree, prefix).find(
        ({ value }) =>
          (value.dtype === 'float32' || value.dtype === 'float64') &&
          value.size > 0 &&
          !Number.isFinite(max(abs(value)).item()),
      )?.path,
  );
}

/**
 * Saves the state, unless a weight, moment or state overflowed in the last update (the loss and the
 * gradients are checked by `trainStep`, the weights they produce only here): a diverged run keeps its
 * last finite checkpoint.
 */
function save<P, B extends ReasonerBuffers, C>(opts: RunOptions, state: TrainState<P, B, C>): void {
  const ck = opts.checkpoint;
  if (!ck) return;
  // In a scope: the int32 copy of the halted flags that the checkpoint stores is freed after the write.
  scope(() => {
    const saved = toCheckpoint(state, opts.model, opts.train, opts.metadata);
    const bad = firstNonFinite(saved.params, 'params') ?? firstNonFinite(saved.optState, 'opt');
    if (bad !== undefined) throw new NonFiniteError(state.step, bad);
    const r = saveCheckpoint(ck.path, saved);
    if (E.isLeft(r)) throw r.left;
  });
  opts.log?.({ event: 'checkpoint', step: state.step, path: ck.path });
}

/** Every leaf of a JSON value by its dotted path (`train.lr`), in the value's own key order. */
function jsonLeaves(value: unknown, path = '', into = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) jsonLeaves(v, path === '' ? k : `${path}.${k}`, into);
  else into.set(path, value);
  return into;
}

/**
 * How the run that wrote a checkpoint differs from this one: each setting of this run's metadata and
 * configs that the file records with another value (`train.lr is 0.001 there and 0.002 here`). The
 * run's length (`totalSteps`) may change: a run is resumed to train longer. Settings the file does not
 * record (an older version wrote it) are not compared.
 */
function runDifferences(stored: unknown, opts: RunOptions): string[] {
  const { totalSteps: _length, ...train } = opts.train;
  const there = jsonLeaves(stored);
  return [...jsonLeaves({ ...opts.metadata, model: opts.model, train })].flatMap(([path, here]) => {
    const was = there.get(path);
    return was === undefined || JSON.stringify(was) === JSON.stringify(here)
      ? []
      : [`${path} is ${JSON.stringify(was)} there and ${JSON.stringify(here)} here`];
  });
}

/** The error of resuming a checkpoint written by another run, with every setting that differs. */
function resumeError(path: string, differences: readonly string[]): Error {
  const e = new Error(`${path} holds another run: ${differences.join('; ')}`);
  e.name = 'ResumeError';
  return e;
}

function start<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  opts: RunOptions,
): TrainState<P, B, C> {
  const ck = opts.checkpoint;
  if (ck?.resume && existsSync(ck.path)) {
    // Compared from the header before any tensor is read: another model config would fail the template
    // check below with tensor names where the setting that differs is what helps.
    const header = readCheckpointHeader(ck.path);
    const differences = E.isRight(header) ? runDifferences(header.right.config, opts) : [];
    if (differences.length > 0) throw resumeError(ck.path, differences);
    const loaded = loadCheckpoint(ck.path, checkpointTemplate(opts.model, opts.train, opts.key, reasoner));
    if (E.isLeft(loaded)) throw loaded.left;
    const state = fromCheckpoint(loaded.right);
    opts.log?.({ event: 'resume', step: state.step, path: ck.path });
    return state;
  }
  if (opts.from) fromProblem(reasoner, opts);
  return initTrainState(reasoner, opts.key, opts.train, opts.from as { params: P; buffers: B } | undefined);
}

/** Throws, naming the first tensor, when `opts.from` does not hold the model's tensors with their shapes. */
function fromProblem<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  opts: RunOptions,
): void {
  const shapes = (tree: unknown) =>
    new Map(leaves(tree).map(({ path, value }) => [path, `[${value.shape.join(', ')}] ${value.dtype}`]));
  const problem = scope(() => {
    const want = shapes(reasoner.init(opts.key));
    const got = shapes(opts.from);
    for (const [path, shape] of want)
      if (got.get(path) !== shape)
        return `${path} is ${got.get(path) ?? 'missing'} in the starting weights, ${shape} in this model`;
    const extra = [...got.keys()].find((path) => !want.has(path));
    return extra === undefined ? undefined : `${extra} is in the starting weights but not in this model`;
  });
  if (problem === undefined) return;
  const e = new Error(`cannot start from those weights: ${problem}`);
  e.name = 'InitError';
  throw e;
}

/** Lets signal handlers and timers run between steps (a step is milliseconds to seconds of sync work). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains until `train.totalSteps`. Async only so that the event loop turns between steps: a Ctrl-C
 * handler that sets `shouldStop` runs there, which a synchronous loop would block until the end.
 */
export function run(opts: RunOptions): Promise<RunResult> {
  return runReasoner(reasonerFor(opts.model), opts);
}

/**
 * `run` for any reasoner (a hierarchy of your own): the same loop, logging, evaluation and checkpoints,
 * with `opts.model` stored in the checkpoints as the run's configuration.
 */
export async function runReasoner<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  opts: RunOptions,
): Promise<RunResult<P, B, C>> {
  let state = keep(start(reasoner, opts));
  let last: StepMetrics | undefined;
  let evaluation: EvalResult | undefined;
  let evaluatedStep = -1;
  const evaluateNow = (ev: NonNullable<RunOptions['evaluation']>) => {
    evaluation = evaluate(
      reasoner,
      state.ema ?? state.params,
      state.buffers,
      ev.batches(),
      ev.segments ? { segments: ev.segments } : {},
    );
    evaluatedStep = state.step;
    opts.log?.({ event: 'eval', step: state.step, ...evaluation });
  };
  const logEvery = opts.logEvery ?? 1;
  while (state.step < opts.train.totalSteps) {
    await yieldToEventLoop();
    const stop = opts.shouldStop?.() ?? false;
    if (stop !== false) {
      if (stop === 'evaluate' && opts.evaluation && evaluatedStep !== state.step) evaluateNow(opts.evaluation);
      save(opts, state);
      return { state, ...(last ? { last } : {}), ...(evaluation ? { evaluation } : {}), stopped: true };
    }
    const batch = opts.data(opts.key, state.step);
    // A NonFiniteError propagates from here: the state and the checkpoint on disk stay as they were.
    const { state: next, metrics } = trainStep(reasoner, state, batch, opts.train);
    // The old state's and the batch's tensors that the new state does not hold: a step leaks nothing.
    disposeReplaced({ state, batch }, next);
    state = next;
    last = metrics;
    if (state.step % logEvery === 0 || state.step === opts.train.totalSteps) opts.log?.({ event: 'train', ...metrics });
    const ev = opts.evaluation;
    if (ev && (state.step % ev.every === 0 || state.step === opts.train.totalSteps)) {
      evaluateNow(ev);
    }
    if (opts.checkpoint && (state.step % opts.checkpoint.every === 0 || state.step === opts.train.totalSteps))
      save(opts, state);
  }
  return { state, ...(last ? { last } : {}), ...(evaluation ? { evaluation } : {}), stopped: false };
}
