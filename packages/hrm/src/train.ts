/**
 * Training with deep supervision (`pretrain.py: train_batch`): every optimiser step advances every
 * batch slot by one segment, with the carry (detached) kept across steps; a slot takes a new example
 * only when its sequence halts. AdamATan2 updates the weights and sparse SignSGD the puzzle-embedding
 * rows of the batch, both on HRM's warm-up + cosine schedule. `trainStep` is a pure function of the
 * state and the batch; randomness (exploration) comes from the run's key folded with the step.
 */
import { type Leaf, leaves, valueAndGrad } from '@hrm/autodiff';
import { abs, foldIn, type Key, max, scope, take } from '@hrm/core';
import { type AdamState, adamAtan2, clipByGlobalNorm, emaUpdate, sparseSignSgd, warmupCosine } from '@hrm/nn';
import { actStep, type Carry, initialCarry, resetHalted } from './act.js';
import type { States } from './hierarchy.js';
import type { HrmStates } from './hrm.js';
import { type ActMetrics, actLoss } from './loss.js';
import type { HrmBuffers, HrmParams } from './params.js';
import type { Batch, PuzzleRows, Reasoner, ReasonerBuffers } from './reasoner.js';
import type { TrainConfig } from './train-config.js';

/**
 * Everything a training run carries from step to step, for a reasoner over parameters `P`, buffers `B`
 * and states `C` (by default HRM's and TRM's).
 */
export interface TrainState<P = HrmParams, B extends ReasonerBuffers = HrmBuffers, C = HrmStates> {
  readonly params: P;
  readonly buffers: B;
  readonly opt: AdamState & { readonly count: number };
  readonly carry: Carry<C>;
  /** Exponential moving average of `params` (when emaRate > 0). */
  readonly ema?: P;
  /** Optimiser steps taken. */
  readonly step: number;
  /** The run's key; each step folds in its number. */
  readonly key: Key;
}

/** Thrown when a loss or gradient is NaN or infinite; names the step and the tensor. */
export class NonFiniteError extends Error {
  override readonly name = 'NonFiniteError';
  constructor(
    readonly step: number,
    readonly tensor: string,
  ) {
    super(
      `step ${step}: ${tensor} is not finite (NaN or infinite); training stopped, the last checkpoint is untouched`,
    );
  }
}

/** A fresh state: the reasoner's initialisation from `key`, zero moments, an empty carry. */
export function initTrainState<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  key: Key,
  train: TrainConfig,
): TrainState<P, B, C> {
  const { params, buffers } = reasoner.init(key);
  return {
    params,
    buffers,
    opt: optimizer(train).init(params),
    carry: initialCarry(reasoner, buffers, train.batchSize),
    ...(train.emaRate > 0 ? { ema: params } : {}),
    step: 0,
    key,
  };
}

function schedule(base: number, train: TrainConfig) {
  return warmupCosine({
    baseLr: base,
    warmupSteps: train.lrWarmupSteps,
    totalSteps: train.totalSteps,
    minRatio: train.lrMinRatio,
  });
}

/** HRM's optimiser for a train config: AdamATan2 on the warm-up + cosine schedule, with decoupled weight decay. */
export function optimizer(train: TrainConfig) {
  return adamAtan2({
    lr: schedule(train.lr, train),
    beta1: train.beta1,
    beta2: train.beta2,
    weightDecay: train.weightDecay,
  });
}

/** Per-step metrics, normalised as the reference logs them (losses per batch slot, the rest per halted slot). */
export interface StepMetrics {
  readonly step: number;
  readonly lr: number;
  readonly count: number;
  readonly lmLoss: number;
  readonly qHaltLoss: number;
  readonly qContinueLoss: number;
  /** Token accuracy of the sequences that halted this step. */
  readonly accuracy: number;
  readonly exactAccuracy: number;
  readonly qHaltAccuracy: number;
  /** Mean segments used by the sequences that halted this step. */
  readonly steps: number;
}

function normalise(m: ActMetrics, batch: number, step: number, lr: number): StepMetrics {
  const count = Math.max(m.count, 1);
  return {
    step,
    lr,
    count: m.count,
    lmLoss: m.lmLoss / batch,
    qHaltLoss: m.qHaltLoss / batch,
    qContinueLoss: m.qContinueLoss / batch,
    accuracy: m.accuracy / count,
    exactAccuracy: m.exactAccuracy / count,
    qHaltAccuracy: m.qHaltAccuracy / count,
    steps: m.steps / count,
  };
}

function checkFinite(step: number, named: readonly Leaf[]): void {
  // One tensor at a time, each in its own scope: |x| is as big as x, and all of them at once would be
  // the size of the model again.
  for (const { path, value } of named)
    if (!Number.isFinite(scope(() => max(abs(value)).item()))) throw new NonFiniteError(step, path);
}

/**
 * One optimiser step of deep supervision on `batch` (the examples halted slots take), for any reasoner.
 * Returns the new state and metrics.
 */
export function trainStep<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  state: TrainState<P, B, C>,
  batch: Batch,
  train: TrainConfig,
): { state: TrainState<P, B, C>; metrics: StepMetrics } {
  const t = state.step + 1;
  return scope(() => {
    const carry = resetHalted(reasoner, state.carry, batch, state.buffers);
    const table = state.buffers.puzzleEmb;
    // HRM's `local_weights`: the batch's puzzle rows, differentiated as a leaf of their own.
    const rows: PuzzleRows | undefined = table ? take(table, carry.data.puzzleIds, 0) : undefined;
    const key = foldIn(state.key, t);
    const f = valueAndGrad((leaf: { params: P; rows?: PuzzleRows }) => {
      const out = actStep(reasoner, leaf.params, leaf.rows, carry, { training: true, key });
      const { loss, metrics } = actLoss(out.outputs, out.carry, reasoner.act);
      return { loss, aux: { carry: out.carry, metrics } };
    });
    const { value, grad, aux } = f(rows ? { params: state.params, rows } : { params: state.params });
    checkFinite(t, [{ path: 'loss', value }, ...leaves(grad, 'grad')]);
    const grads = train.gradClip > 0 ? clipByGlobalNorm(grad.params, train.gradClip).grads : grad.params;
    const [params, opt] = optimizer(train).step(state.params, grads, state.opt);
    const puzzleEmb =
      table && rows && grad.rows
        ? sparseSignSgd(table, carry.data.puzzleIds, grad.rows, {
            lr: schedule(train.puzzleEmbLr, train)(t),
            weightDecay: train.puzzleEmbWeightDecay,
          })
        : undefined;
    const next: TrainState<P, B, C> = {
      params,
      buffers: puzzleEmb ? { ...state.buffers, puzzleEmb } : state.buffers,
      opt,
      carry: aux.carry,
      ...(state.ema ? { ema: emaUpdate(state.ema, params, train.emaRate) } : {}),
      step: t,
      key: state.key,
    };
    return { state: next, metrics: normalise(aux.metrics, train.batchSize, t, schedule(train.lr, train)(t)) };
  });
}
