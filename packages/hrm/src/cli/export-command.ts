/**
 * `hrm export`: a checkpoint of this library as the official code's files, in one folder: the state dict
 * as `torch.save` writes it (named `step_<N>`, as `pretrain.py` names its checkpoints, so `evaluate.py`
 * reads the step from it), the same tensors as `model.safetensors`, and `all_config.yaml`, which
 * `evaluate.py` reads from the checkpoint's folder. The dataset it names must be built with
 * `hrm dataset build` (or the official builders) for the same task, so that vocabulary, sequence length
 * and puzzle count match the weights.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, writeFileAtomic } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { stringify as toYaml } from 'yaml';
import { decodeModelConfig } from '../config.js';
import { type HrmBuffers, type HrmParams, modelTemplate } from '../params.js';
import { COMPILED_PREFIX, exportStateDict } from '../torch/export.js';
import { officialConfigFor, officialMismatches } from '../torch/official-config.js';
import { stateDictSafetensors } from '../torch/safetensors-write.js';
import { torchSaveBytes } from '../torch/save.js';
import type { TrainConfig } from '../train-config.js';
import { CliError, type Command, UsageError } from './args.js';

function isRecord(u: unknown): u is Record<string, unknown> {
  return typeof u === 'object' && u !== null && !Array.isArray(u);
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a checkpoint for the official PyTorch code (torch.save, safetensors, all_config.yaml)',
  usage: '--checkpoint <file> --out <dir> [--data-path <dir>]',
  options: {
    checkpoint: { type: 'string', help: 'a checkpoint written by hrm train or hrm import', value: '<file>' },
    out: { type: 'string', help: 'the folder to write into (created if missing)', value: '<dir>' },
    'data-path': {
      type: 'string',
      help: 'the dataset folder the config names (default: data/<task>, as hrm dataset build --out writes)',
      value: '<dir>',
    },
    epochs: { type: 'string', help: 'epochs in the config, for training on', value: '<N>', default: '20000' },
    'eval-interval': {
      type: 'string',
      help: 'epochs between evaluations (divides epochs)',
      value: '<N>',
      default: '2000',
    },
    prefix: { type: 'string', help: 'the tensor names’ prefix', value: '<p>', default: COMPILED_PREFIX },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
  run: (args) => {
    const path = args.string('checkpoint');
    const dir = args.string('out');
    if (!path) throw new UsageError('--checkpoint is required');
    if (!dir) throw new UsageError('--out is required (a folder)');
    const epochs = args.number('epochs', { integer: true, min: 1 }) ?? 20000;
    const evalInterval = args.number('eval-interval', { integer: true, min: 1 }) ?? 2000;
    if (epochs % evalInterval !== 0)
      throw new UsageError(`--eval-interval ${evalInterval} must divide --epochs ${epochs} (pretrain.py asserts it)`);

    // Read directly rather than through the task preset, so that exporting needs no task data.
    const raw = loadCheckpoint(path);
    if (E.isLeft(raw)) throw new CliError(raw.left.message.split('\n').join(' '));
    const config = raw.right.config;
    if (!isRecord(config) || !isRecord(config.model))
      throw new CliError(`${path}: not a checkpoint written by hrm train or hrm import (no model config)`);
    const model = decodeModelConfig(config.model);
    if (E.isLeft(model)) throw new CliError(`${path}: bad model config: ${model.left.join('; ')}`);
    const cfg = model.right;
    const checked = loadCheckpoint(path, { params: modelTemplate(cfg) });
    if (E.isLeft(checked)) throw new CliError(checked.left.message.split('\n').join(' '));
    // TRM evaluates (and the official trainer saves) its EMA weights when the run kept them.
    const ema = (checked.right.optState as { ema?: HrmParams } | undefined)?.ema;
    const weights: { params: HrmParams; buffers: HrmBuffers } = {
      params: ema ?? checked.right.params.params,
      buffers: checked.right.params.buffers,
    };

    const mismatches = officialMismatches(cfg);
    const fatal = mismatches.filter((m) => m.fatal);
    if (fatal.length > 0)
      throw new CliError(
        `${path}: the official code cannot load this model: ${fatal.map((m) => m.message).join('; ')}`,
      );
    const task = typeof config.task === 'string' ? config.task : 'task';
    const train = isRecord(config.train) ? (config.train as Partial<TrainConfig>) : undefined;
    const doc = officialConfigFor(cfg, {
      dataPath: args.string('data-path') ?? `data/${task}`,
      epochs,
      evalInterval,
      train,
    });

    const entries = exportStateDict(weights, cfg, args.string('prefix') ?? COMPILED_PREFIX);
    const name = `step_${checked.right.step}`;
    const files: [string, Uint8Array][] = [
      [name, torchSaveBytes(entries, name)],
      ['model.safetensors', stateDictSafetensors(entries, { format: 'pt' })],
      ['all_config.yaml', new TextEncoder().encode(toYaml(doc, { sortMapEntries: true }))],
    ];
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new CliError(`${dir}: cannot create the folder: ${(e as Error).message}`);
    }
    for (const [file, bytes] of files) {
      const written = writeFileAtomic(join(dir, file), [bytes]);
      if (E.isLeft(written)) throw new CliError(`${join(dir, file)}: cannot write: ${written.left}`);
    }
    const notes = mismatches.map((m) => m.message);
    if (args.flag('json'))
      console.log(JSON.stringify({ event: 'exported', from: path, out: dir, files: files.map(([f]) => f), notes }));
    else {
      console.log(`exported ${entries.length} tensors from ${path} to ${dir}: ${files.map(([f]) => f).join(', ')}`);
      for (const n of notes) console.log(`  note: ${n}`);
      console.log(
        `evaluate with the official code: torchrun --nproc-per-node <GPUs> evaluate.py checkpoint=${join(dir, name)}`,
      );
    }
    return 0;
  },
};
