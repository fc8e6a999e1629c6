/**
 * Reading a model for `eval`, `solve` and `demo`: a checkpoint written by `hrm train` holds the
 * weights, the configs and the task name; the weights are checked against a model of that config
 * before anything runs.
 */

import { existsSync } from 'node:fs';
import { key } from '@hrm/core';
import { loadCheckpoint } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { reasonerFor } from '../arch.js';
import { decodeModelConfig, type ModelConfig } from '../config.js';
import type { HrmStates } from '../hrm.js';
import { type HrmBuffers, type HrmParams, initHrm } from '../params.js';
import { presetNamed } from '../presets/node.js';
import type { TaskPreset } from '../presets/preset.js';
import type { Reasoner } from '../reasoner.js';
import { CliError } from './args.js';

/** A model read from a checkpoint by `readModelFile`: its configuration, task, weights and the step it was saved at. */
export interface ModelFile {
  readonly path: string;
  readonly model: ModelConfig;
  /** The model the config describes (HRM or TRM). */
  readonly reasoner: Reasoner<HrmParams, HrmBuffers, HrmStates>;
  readonly preset: TaskPreset;
  readonly params: HrmParams;
  readonly buffers: HrmBuffers;
  readonly step: number;
}

function isRecord(u: unknown): u is Record<string, unknown> {
  return typeof u === 'object' && u !== null && !Array.isArray(u);
}

/**
 * Reads the checkpoint at `path` written by `hrm train`, checks its weights against its stored model
 * config, and returns them (the EMA weights when the run kept them). Throws a `CliError` that says what is wrong.
 */
export function readModelFile(path: string): ModelFile {
  if (!existsSync(path)) throw new CliError(`no checkpoint at ${path}`);
  const raw = loadCheckpoint(path);
  if (E.isLeft(raw)) throw new CliError(raw.left.message.split('\n').join(' '));
  const config = raw.right.config;
  if (!isRecord(config) || !isRecord(config.model) || typeof config.task !== 'string')
    throw new CliError(`${path}: not a checkpoint written by hrm train (no task and model config in its metadata)`);
  const model = decodeModelConfig(config.model);
  if (E.isLeft(model)) throw new CliError(`${path}: bad model config: ${model.left.join('; ')}`);
  const preset = presetNamed(config.task);
  if (!preset) throw new CliError(`${path}: unknown task '${config.task}'`);
  // Check the weights against a model of the stored config, tensor by tensor.
  const template = { params: initHrm(key(0), model.right) };
  const checked = loadCheckpoint(path, template);
  if (E.isLeft(checked)) throw new CliError(checked.left.message.split('\n').join(' '));
  const saved = checked.right.params;
  // TRM evaluates its EMA weights when the run kept one.
  const ema = (checked.right.optState as { ema?: HrmParams } | undefined)?.ema;
  return {
    path,
    model: model.right,
    reasoner: reasonerFor(model.right),
    preset,
    params: ema ?? saved.params,
    buffers: saved.buffers,
    step: checked.right.step,
  };
}
