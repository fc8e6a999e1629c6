/**
 * Training with deep supervision (`pretrain.py: train_batch`): every optimiser step advances every
 * batch slot by one segment, with the carry (detached) kept across steps; a slot takes a new example
 * only when its sequence halts. AdamATan2 updates the weights and sparse SignSGD the puzzle-embedding
 * rows of the batch, both on HRM's warm-up + cosine schedule. `trainStep` is a pure function of the
 * state and the batch; randomness (exploration) comes from the run's key folded with the step.
 */
import { type Leaf, leaves, treeMap, valueAndGrad } from '@hrm/autodiff';
import { type AnyTensor, abs, add, concat, dispose, div, foldIn, type Key, max, rename, scope, take } from '@hrm/core';
import { type AdamState, adamAtan2, clipByGlobalNorm, emaUpdate, sparseSignSgd, warmupCosine } from '@hrm/nn';
import { actStep, type Carry, carrySlots, initialCarry, joinCarries, resetHalted } from './act.js';
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

/**
 * A fresh state: the reasoner's initialisation from `key` (or the weights `from`, to fine-tune a trained
 * model: of another run, or of another size for a size-free model), zero moments, an empty carry.
 */
export function initTrainState<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  key: Key,
  train: TrainConfig,
  from?: { readonly params: P; readonly buffers: B },
): TrainState<P, B, C> {
  const { params, buffers } = from ?? reasoner.init(key);
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

/** What one micro-batch gives: the gradient (of the weights, and of its puzzle rows), its new carry, its metrics. */
interface MicroStep<P, C> {
  readonly grad: P;
  readonly rowGrads: PuzzleRows | undefined;
  readonly carry: Carry<C>;
  readonly metrics: ActMetrics;
}

/** Sums over slots of ACT metrics (each part's are sums already). */
function addMetrics(a: ActMetrics, b: ActMetrics): ActMetrics {
  return {
    count: a.count + b.count,
    accuracy: a.accuracy + b.accuracy,
    exactAccuracy: a.exactAccuracy + b.exactAccuracy,
    qHaltAccuracy: a.qHaltAccuracy + b.qHaltAccuracy,
    steps: a.steps + b.steps,
    lmLoss: a.lmLoss + b.lmLoss,
    qHaltLoss: a.qHaltLoss + b.qHaltLoss,
    qContinueLoss: a.qContinueLoss + b.qContinueLoss,
  };
}

/**
 * One optimiser step of deep supervision on `batch` (the examples halted slots take), for any reasoner.
 * With `train.accumulate` k > 1, the slots are taken k micro-batches at a time, each forward and backward
 * in its own scope, and the gradients averaged: the memory of a step is that of one micro-batch (the
 * official runs' global batch of 384 or 768 fits a small machine). Returns the new state and metrics.
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
    const key = foldIn(state.key, t);
    const micro = (slots: Carry<C>, k: Key): MicroStep<P, C> => {
      // HRM's `local_weights`: the batch's puzzle rows, differentiated as a leaf of their own.
      const rows: PuzzleRows | undefined = table ? take(table, slots.data.puzzleIds, 0) : undefined;
      const f = valueAndGrad((leaf: { params: P; rows?: PuzzleRows }) => {
        const out = actStep(reasoner, leaf.params, leaf.rows, slots, { training: true, key: k });
        const { loss, metrics } = actLoss(out.outputs, out.carry, reasoner.act);
        return { loss, aux: { carry: out.carry, metrics } };
      });
      const { value, grad, aux } = f(rows ? { params: state.params, rows } : { params: state.params });
      checkFinite(t, [{ path: 'loss', value }, ...leaves(grad, 'grad')]);
      return { grad: grad.params, rowGrads: grad.rows, carry: aux.carry, metrics: aux.metrics };
    };
    const k = train.accumulate;
    let step: MicroStep<P, C>;
    if (k === 1) step = micro(carry, key);
    else {
      const size = train.batchSize / k;
      const carries: Carry<C>[] = [];
      const rowGrads: PuzzleRows[] = [];
      let metrics: ActMetrics | undefined;
      let sum: P | undefined;
      for (let j = 0; j < k; j++) {
        const before = sum;
        // Each micro-batch's forward and backward in a scope of its own: only its gradient (added to
        // the running sum), carry and metrics leave it.
        const part = scope(() => {
          const m = micro(carrySlots(carry, j * size, (j + 1) * size), foldIn(key, j));
          return { ...m, grad: before ? treeMap((a: AnyTensor, b: AnyTensor) => add(a, b), before, m.grad) : m.grad };
        });
        if (before) dispose(before);
        sum = part.grad;
        carries.push(part.carry);
        if (part.rowGrads) rowGrads.push(part.rowGrads);
        metrics = metrics ? addMetrics(metrics, part.metrics) : part.metrics;
      }
      if (!sum || !metrics) throw new Error('trainStep: accumulate must be at least 1');
      // The loss of each micro-batch is its mean: the step's is the mean of the k.
      step = {
        grad: treeMap((g: AnyTensor) => div(g, k), sum),
        rowGrads:
          rowGrads.length > 0
            ? rename(div(concat(rowGrads as [PuzzleRows, ...PuzzleRows[]], 0), k), ['batch', 'puzzleDim'])
            : undefined,
        carry: joinCarries(carries),
        metrics,
      };
    }
    const grads = train.gradClip > 0 ? clipByGlobalNorm(step.grad, train.gradClip).grads : step.grad;
    const [params, opt] = optimizer(train).step(state.params, grads, state.opt);
    const puzzleEmb =
      table && step.rowGrads
        ? sparseSignSgd(table, carry.data.puzzleIds, step.rowGrads, {
            lr: schedule(train.puzzleEmbLr, train)(t),
            weightDecay: train.puzzleEmbWeightDecay,
          })
        : undefined;
    const next: TrainState<P, B, C> = {
      params,
      buffers: puzzleEmb ? { ...state.buffers, puzzleEmb } : state.buffers,
      opt,
      carry: step.carry,
      ...(state.ema ? { ema: emaUpdate(state.ema, params, train.emaRate) } : {}),
      step: t,
      key: state.key,
    };
    return { state: next, metrics: normalise(step.metrics, train.batchSize, t, schedule(train.lr, train)(t)) };
  });
}
