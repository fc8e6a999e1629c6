/**
 * A training run: batches from a data source, `trainStep` after `trainStep`, metrics as JSON lines,
 * periodic evaluation, and atomic checkpoints to resume from. A resumed run reproduces the numbers
 * of an uninterrupted one: the data source and the exploration are functions of the run's key and
 * the step, and the checkpoint holds everything else (weights, moments, carry, EMA).
 */

import { existsSync } from 'node:fs';
import { mapTensors } from '@hrm/autodiff';
import { type AnyTensor, dispose, type Key, keep } from '@hrm/core';
import type { Json } from '@hrm/nn';
import { loadCheckpoint, saveCheckpoint } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { reasonerFor } from './arch.js';
import { checkpointTemplate, fromCheckpoint, toCheckpoint } from './checkpoint.js';
import type { ModelConfig } from './config.js';
import { type EvalResult, evaluate } from './evaluate.js';
import type { States } from './hierarchy.js';
import type { HrmStates } from './hrm.js';
import type { HrmBuffers, HrmParams } from './params.js';
import type { Batch, Reasoner, ReasonerBuffers } from './reasoner.js';
import { initTrainState, type StepMetrics, type TrainState, trainStep } from './train.js';
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
  /** Write (atomically) every `every` steps and at the end; with `resume`, continue from the file if it exists. */
  readonly checkpoint?: { readonly path: string; readonly every: number; readonly resume?: boolean };
  /** Checked between steps (e.g. set by a Ctrl-C handler): saves a checkpoint and stops. */
  readonly shouldStop?: () => boolean;
  /** Extra JSON stored with every checkpoint's configs (e.g. the task name). */
  readonly metadata?: Readonly<Record<string, Json>>;
}

/** How `run` ended: the final state, the last step's metrics and the last evaluation (when there were any). */
export interface RunResult<P = HrmParams, B extends ReasonerBuffers = HrmBuffers, C = HrmStates> {
  readonly state: TrainState<P, B, C>;
  readonly last?: StepMetrics;
  readonly evaluation?: EvalResult;
  /** True when the run ended early on request. */
  readonly stopped: boolean;
}

function save<P, B extends ReasonerBuffers, C>(opts: RunOptions, state: TrainState<P, B, C>): void {
  if (!opts.checkpoint) return;
  const r = saveCheckpoint(opts.checkpoint.path, toCheckpoint(state, opts.model, opts.train, opts.metadata));
  if (E.isLeft(r)) throw r.left;
  opts.log?.({ event: 'checkpoint', step: state.step, path: opts.checkpoint.path });
}

function start<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  opts: RunOptions,
): TrainState<P, B, C> {
  const ck = opts.checkpoint;
  if (ck?.resume && existsSync(ck.path)) {
    const loaded = loadCheckpoint(ck.path, checkpointTemplate(opts.model, opts.train, opts.key, reasoner));
    if (E.isLeft(loaded)) throw loaded.left;
    const state = fromCheckpoint(loaded.right);
    opts.log?.({ event: 'resume', step: state.step, path: ck.path });
    return state;
  }
  return initTrainState(reasoner, opts.key, opts.train);
}

/** Every tensor in a nest of arrays and plain objects. */
function tensorsIn(value: unknown, into = new Set<AnyTensor>()): Set<AnyTensor> {
  mapTensors(value, (x) => {
    into.add(x);
    return x;
  });
  return into;
}

/** Releases the tensors of `old` (a state, a batch) that the new state no longer holds (buffers carried over stay). */
function releaseReplaced(old: unknown, next: unknown): void {
  const kept = tensorsIn(next);
  dispose([...tensorsIn(old)].filter((t) => !kept.has(t)));
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
  const logEvery = opts.logEvery ?? 1;
  while (state.step < opts.train.totalSteps) {
    await yieldToEventLoop();
    if (opts.shouldStop?.()) {
      save(opts, state);
      return { state, ...(last ? { last } : {}), stopped: true };
    }
    const batch = opts.data(opts.key, state.step);
    // A NonFiniteError propagates from here: the state and the checkpoint on disk stay as they were.
    const { state: next, metrics } = trainStep(reasoner, state, batch, opts.train);
    // The old state's and the batch's tensors that the new state does not hold: a step leaks nothing.
    releaseReplaced({ state, batch }, next);
    state = next;
    last = metrics;
    if (state.step % logEvery === 0 || state.step === opts.train.totalSteps) opts.log?.({ event: 'train', ...metrics });
    const ev = opts.evaluation;
    if (ev && (state.step % ev.every === 0 || state.step === opts.train.totalSteps)) {
      evaluation = evaluate(
        reasoner,
        state.ema ?? state.params,
        state.buffers,
        ev.batches(),
        ev.segments ? { segments: ev.segments } : {},
      );
      opts.log?.({ event: 'eval', step: state.step, ...evaluation });
    }
    if (opts.checkpoint && (state.step % opts.checkpoint.every === 0 || state.step === opts.train.totalSteps))
      save(opts, state);
  }
  return { state, ...(last ? { last } : {}), ...(evaluation ? { evaluation } : {}), stopped: false };
}
