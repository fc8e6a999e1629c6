/**
 * Teaching a two-layer Transformer to reverse a sequence of digits: random sequences, softmax
 * cross-entropy on every position, AdamATan2 with warm-up. Everything is a pure function of the
 * config and the seed, so a run and its checkpoint can be reproduced exactly.
 */
import { valueAndGrad } from '@hrm/autodiff';
import { arange, dispose, foldIn, type Key, keep, key, randint, scope, splitKey, type Tensor, take } from '@hrm/core';
import { type AdamState, accuracy, adamAtan2, lmLoss, type Optimizer, warmupCosine } from '@hrm/nn';
import { forward, initModel, type ModelConfig, type ModelParams } from './model.js';

export interface TrainConfig {
  readonly model: ModelConfig;
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  readonly seed: number;
}

export const DEFAULT_CONFIG: TrainConfig = {
  model: { vocab: 10, seqLen: 8, hidden: 32, heads: 4, layers: 2, expansion: 2 },
  steps: 300,
  batch: 32,
  lr: 3e-3,
  seed: 0,
};

/** A batch of random sequences and their reversals. */
export function reverseBatch(
  k: Key,
  batch: number,
  cfg: ModelConfig,
): { inputs: Tensor<['B', 'L'], 'int32'>; labels: Tensor<['B', 'L'], 'int32'> } {
  const inputs = randint(k, ['B', 'L'], 0, cfg.vocab, { dims: { B: batch, L: cfg.seqLen } });
  const backwards = arange(cfg.seqLen - 1, -1, -1);
  return { inputs, labels: take(inputs, backwards, 1) as unknown as Tensor<['B', 'L'], 'int32'> };
}

export interface TrainState {
  readonly params: ModelParams;
  readonly opt: AdamState & { readonly count: number };
  readonly step: number;
}

export function optimizer(cfg: TrainConfig): Optimizer<AdamState> {
  return adamAtan2({
    lr: warmupCosine({ baseLr: cfg.lr, warmupSteps: 30, totalSteps: cfg.steps, minRatio: 0.1 }),
    weightDecay: 0.01,
  });
}

export function initState(cfg: TrainConfig): TrainState {
  const params = initModel(splitKey(key(cfg.seed))[0], cfg.model);
  return { params, opt: optimizer(cfg).init(params), step: 0 };
}

/** One optimiser step on the batch drawn for this step; returns the new state and the loss. */
export function trainStep(state: TrainState, cfg: TrainConfig): { state: TrainState; loss: number } {
  const opt = optimizer(cfg);
  const dataKey = foldIn(splitKey(key(cfg.seed))[1], state.step);
  return scope(() => {
    const { inputs, labels } = reverseBatch(dataKey, cfg.batch, cfg.model);
    const { value, grad } = valueAndGrad((p: ModelParams) => lmLoss(forward(p, inputs, cfg.model), labels))(
      state.params,
    );
    const [params, next] = opt.step(state.params, grad, state.opt);
    return { state: { params, opt: next, step: state.step + 1 }, loss: value.item() };
  });
}

/** Exact (whole-sequence) and token accuracy on a fresh batch no step trained on. */
export function evaluate(params: ModelParams, cfg: TrainConfig, batch = 256): { token: number; exact: number } {
  return scope(() => {
    const { inputs, labels } = reverseBatch(key(cfg.seed + 1_000_003), batch, cfg.model);
    return accuracy(forward(params, inputs, cfg.model), labels);
  });
}

/** Trains from `state` to `cfg.steps`, calling `log` every `every` steps. */
export function train(
  cfg: TrainConfig,
  state: TrainState = initState(cfg),
  log?: (step: number, loss: number) => void,
  every = 50,
): TrainState {
  let s = keep(state);
  while (s.step < cfg.steps) {
    const { state: next, loss } = trainStep(s, cfg);
    dispose([s.params, s.opt.m, s.opt.v]);
    s = next;
    if (log && (s.step % every === 0 || s.step === cfg.steps)) log(s.step, loss);
  }
  return s;
}
