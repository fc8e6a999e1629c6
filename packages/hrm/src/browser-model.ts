/**
 * Checkpoints as bytes, for code without a file system (a browser page, a Web Worker): reading a
 * checkpoint written by `hrm train` (what `readModelFile` in `@hrm/hrm/node` does with a path), and
 * writing a training state as a checkpoint that `hrm eval`, `solve` and `train --resume` read, through
 * the same safetensors code. Also the task presets that need no data files, which run anywhere.
 */
import { checkpointFromBytes, checkpointToBytes, decodeSafetensors, type Json } from '@hrm/nn';
import * as E from 'fp-ts/lib/Either.js';
import { reasonerFor } from './arch.js';
import { toCheckpoint } from './checkpoint.js';
import { decodeModelConfig, type ModelConfig } from './config.js';
import type { HrmStates } from './hrm.js';
import { type HrmBuffers, type HrmParams, modelTemplate } from './params.js';
import { PRESETS } from './presets/index.js';
import type { TaskPreset } from './presets/preset.js';
import type { Reasoner } from './reasoner.js';
import type { TrainState } from './train.js';
import type { TrainConfig } from './train-config.js';

export type { TaskPreset } from './presets/preset.js';

/** A model read from checkpoint bytes by `modelFromBytes`: its config, task, weights and the step it was saved at. */
export interface ModelFromBytes {
  readonly model: ModelConfig;
  /** The model the config describes (HRM or TRM). */
  readonly reasoner: Reasoner<HrmParams, HrmBuffers, HrmStates>;
  /** The checkpoint's task (`config.task` in its metadata). */
  readonly preset: TaskPreset;
  readonly params: HrmParams;
  readonly buffers: HrmBuffers;
  readonly step: number;
}

/** The presets that need no data files (generated Sudoku and mazes), by name, or undefined for any other name. */
export function builtinPreset(name: string): TaskPreset | undefined {
  return PRESETS.find((p) => p.name === name);
}

function isRecord(u: unknown): u is Record<string, unknown> {
  return typeof u === 'object' && u !== null && !Array.isArray(u);
}

/** The model config and task name in a checkpoint's metadata, read without making any tensor. */
function readConfig(bytes: Uint8Array, source: string): E.Either<Error, { model: ModelConfig; preset: TaskPreset }> {
  const file = decodeSafetensors(bytes, source);
  if (E.isLeft(file)) return file;
  let config: unknown;
  try {
    config = JSON.parse(file.right.metadata.config ?? 'null');
  } catch {
    config = undefined;
  }
  if (!isRecord(config) || !isRecord(config.model) || typeof config.task !== 'string')
    return E.left(
      new Error(`${source}: not a checkpoint written by hrm train (no task and model config in its metadata)`),
    );
  const model = decodeModelConfig(config.model);
  if (E.isLeft(model)) return E.left(new Error(`${source}: bad model config: ${model.left.join('; ')}`));
  const preset = builtinPreset(config.task);
  if (!preset) return E.left(new Error(`${source}: task '${config.task}' is not one that runs without data files`));
  return E.right({ model: model.right, preset });
}

/**
 * The model in checkpoint `bytes` written by `hrm train` (or `modelFileToBytes`): its config and task from the
 * metadata, its weights checked tensor by tensor against a model of that config (the EMA weights when the run
 * kept them), as `readModelFile` reads a file. A Left names `source` and what is wrong.
 */
export function modelFromBytes(bytes: Uint8Array, source = 'checkpoint'): E.Either<Error, ModelFromBytes> {
  const read = readConfig(bytes, source);
  if (E.isLeft(read)) return read;
  const { model, preset } = read.right;
  const checked = checkpointFromBytes(bytes, { params: modelTemplate(model) }, source);
  if (E.isLeft(checked)) return checked;
  const saved = checked.right.params;
  // TRM evaluates its EMA weights when the run kept one.
  const ema = (checked.right.optState as { ema?: HrmParams } | undefined)?.ema;
  return E.right({
    model,
    reasoner: reasonerFor(model),
    preset,
    params: ema ?? saved.params,
    buffers: saved.buffers,
    step: checked.right.step,
  });
}

/**
 * A training state as checkpoint bytes that `hrm eval --checkpoint`, `hrm solve` and `hrm train --resume` read:
 * `trainStateToBytes` with the task name (and anything else in `metadata`, such as the seed) stored beside both
 * configs, as `hrm train` stores them. A Left lists what cannot be stored (a non-finite weight, bad metadata).
 */
export function modelFileToBytes(
  state: TrainState,
  model: ModelConfig,
  train: TrainConfig,
  metadata: { readonly task: string } & Readonly<Record<string, Json>>,
): E.Either<Error, Uint8Array> {
  return checkpointToBytes(toCheckpoint(state, model, train, metadata));
}
