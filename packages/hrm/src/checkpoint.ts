/**
 * A training run's whole state in one checkpoint: the model (weights and buffers) as `params`, and
 * the optimiser moments, the ACT carry (HRM's carry persists across steps, so it must be saved for
 * a resumed run to reproduce the same numbers) and the EMA as `optState`; the step, the run's key
 * and both configs in the metadata.
 */
import { cast, type Key, type Tensor, withoutSampling } from '@hrm/core';
import { type Checkpoint, checkpointFromBytes, checkpointToBytes, type Json } from '@hrm/nn';
import * as E from 'fp-ts/lib/Either.js';
import type { Carry } from './act.js';
import { reasonerFor } from './arch.js';
import type { ModelConfig } from './config.js';
import type { States } from './hierarchy.js';
import type { HrmStates } from './hrm.js';
import type { HrmBuffers, HrmParams } from './params.js';
import type { Reasoner, ReasonerBuffers } from './reasoner.js';
import { initTrainState, type TrainState } from './train.js';
import type { TrainConfig } from './train-config.js';

/** What a checkpoint's `params` hold: the weights and the buffers. */
interface SavedModel<P, B> {
  readonly params: P;
  readonly buffers: B;
}

/** What a checkpoint's `optState` holds: the moments, the ACT carry (flags as int32) and the EMA. */
interface SavedTraining<P, C> {
  readonly m: unknown;
  readonly v: unknown;
  readonly carry: Omit<Carry<C>, 'halted'> & { readonly halted: Tensor<['batch'], 'int32'> };
  readonly ema?: P;
}

/**
 * The checkpoint of a training state: weights and buffers as `params`, moments, ACT carry and EMA as
 * `optState`, and `metadata` stored beside both configs (`model`, `train`) in the JSON config.
 */
export function toCheckpoint<P, B extends ReasonerBuffers, C>(
  state: TrainState<P, B, C>,
  model: ModelConfig,
  train: TrainConfig,
  metadata: Readonly<Record<string, Json>> = {},
): Checkpoint<SavedModel<P, B>, SavedTraining<P, C>> {
  return {
    params: { params: state.params, buffers: state.buffers },
    // bool is not a safetensors dtype here: the halted flags travel as int32.
    optState: {
      m: state.opt.m,
      v: state.opt.v,
      carry: { ...state.carry, halted: cast(state.carry.halted, 'int32') },
      ...(state.ema ? { ema: state.ema } : {}),
    },
    step: state.step,
    key: state.key,
    config: { ...metadata, model, train } as unknown as Json,
  };
}

/** The training state a checkpoint holds, to resume from; throws when it has no optimiser state. */
export function fromCheckpoint<P, B extends ReasonerBuffers, C>(
  ckpt: Checkpoint<SavedModel<P, B>, SavedTraining<P, C>>,
): TrainState<P, B, C> {
  const saved = ckpt.optState;
  if (!saved) throw new Error('fromCheckpoint: the checkpoint holds no training state (optimiser, carry)');
  return {
    params: ckpt.params.params,
    buffers: ckpt.params.buffers,
    opt: { count: ckpt.step, m: saved.m, v: saved.v },
    carry: { ...saved.carry, halted: cast(saved.carry.halted, 'bool') },
    ...(saved.ema ? { ema: saved.ema } : {}),
    step: ckpt.step,
    key: ckpt.key as Key,
  };
}

/**
 * The template a checkpoint is checked against: a state of the same reasoner and configs (by default the
 * reasoner `model` describes), its tensors zeros (`withoutSampling`: only their names, shapes and dtypes
 * count).
 */
export function checkpointTemplate<P, B extends ReasonerBuffers, C extends States<C>, X>(
  model: ModelConfig,
  train: TrainConfig,
  key: Key,
  reasoner: Reasoner<P, B, C, X>,
) {
  const fresh = toCheckpoint(
    withoutSampling(() => initTrainState(reasoner, key, train)),
    model,
    train,
  );
  return { params: fresh.params, optState: fresh.optState };
}

/** A training state as safetensors bytes (for the browser, or to send elsewhere), or a Left listing what cannot be stored. */
export function trainStateToBytes(
  state: TrainState,
  model: ModelConfig,
  train: TrainConfig,
): E.Either<Error, Uint8Array> {
  return checkpointToBytes(toCheckpoint(state, model, train));
}

/**
 * A training state read back from safetensors bytes and checked, tensor by tensor, against a fresh state of
 * the same configs (`key` only seeds that template); a Left names `source` and every mismatch.
 */
export function trainStateFromBytes(
  bytes: Uint8Array,
  model: ModelConfig,
  train: TrainConfig,
  key: Key,
  source = 'checkpoint',
): E.Either<Error, TrainState> {
  const template = checkpointTemplate(model, train, key, reasonerFor(model));
  return E.map(fromCheckpoint<HrmParams, HrmBuffers, HrmStates>)(checkpointFromBytes(bytes, template, source));
}
