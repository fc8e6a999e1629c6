/** Saving and resuming the reverse task's training state as one safetensors checkpoint. */
import { key } from '@hrm/core';
import type { AdamState } from '@hrm/nn';
import { loadCheckpoint, saveCheckpoint } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { initState, type TrainConfig, type TrainState } from './train.js';

export function save(path: string, state: TrainState, cfg: TrainConfig): E.Either<Error, void> {
  return saveCheckpoint(path, {
    params: state.params,
    optState: { m: state.opt.m, v: state.opt.v },
    step: state.step,
    key: key(cfg.seed),
    config: { ...cfg, model: { ...cfg.model } },
  });
}

/** The state saved at `path`, checked tensor by tensor against a freshly initialised one. */
export function load(path: string, cfg: TrainConfig): E.Either<Error, TrainState> {
  const fresh = initState(cfg);
  const template = { params: fresh.params, optState: { m: fresh.opt.m, v: fresh.opt.v } };
  return E.map((ckpt: { params: TrainState['params']; optState?: AdamState | undefined; step: number }) => {
    const opt = ckpt.optState ?? template.optState;
    // The optimiser's update count is the step: one update per step.
    return { params: ckpt.params, opt: { count: ckpt.step, m: opt.m, v: opt.v }, step: ckpt.step };
  })(loadCheckpoint(path, template));
}
