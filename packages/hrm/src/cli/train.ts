/** `hrm train`: train a model on a task preset, with a progress display, evaluations and checkpoints. */
import { key } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { decodeModelConfig } from '../config.js';
import { run } from '../loop.js';
import { PRESET_NAMES, presetNamed } from '../presets/node.js';
import { decodeTrainConfig } from '../train-config.js';
import { CliError, type Command, UsageError } from './args.js';
import { evalBatches } from './evaluation.js';
import { outputMode, Progress } from './progress.js';

export const train: Command = {
  name: 'train',
  summary: 'train a model on a task',
  usage: '--task <name> [--steps N | --minutes M] [options]',
  options: {
    task: { type: 'string', help: `the task: ${PRESET_NAMES.join(', ')}`, value: '<name>' },
    steps: { type: 'string', help: 'optimiser steps to train for', value: '<N>' },
    minutes: { type: 'string', help: 'stop after this much wall time (saves a checkpoint)', value: '<M>' },
    out: { type: 'string', help: 'checkpoint file (written atomically)', value: '<file>', default: 'hrm.safetensors' },
    resume: { type: 'boolean', help: 'continue from --out if it exists (same numbers as an uninterrupted run)' },
    seed: { type: 'string', help: 'the run seed (initialisation, data, exploration)', value: '<N>', default: '0' },
    arch: { type: 'string', help: 'hrm or trm', value: '<arch>' },
    'grad-window': { type: 'string', help: 'one-step (HRM), last-cycle (TRM) or bptt', value: '<w>' },
    batch: { type: 'string', help: 'batch size (default: the task preset)', value: '<N>' },
    lr: { type: 'string', help: 'learning rate (default: the task preset)', value: '<x>' },
    'eval-every': { type: 'string', help: 'evaluate every N steps (0: only at the end)', value: '<N>', default: '500' },
    'eval-size': { type: 'string', help: 'unseen puzzles per evaluation', value: '<N>', default: '256' },
    'checkpoint-every': { type: 'string', help: 'save every N steps', value: '<N>', default: '500' },
    'log-every': {
      type: 'string',
      help: 'print metrics every N steps when not on a terminal',
      value: '<N>',
      default: '50',
    },
    json: { type: 'boolean', help: 'print JSON lines (one record per line) instead of text' },
  },
  run: async (args) => {
    const task = args.string('task');
    if (!task) throw new UsageError('--task is required');
    const preset = presetNamed(task);
    if (!preset) throw new UsageError(`unknown task '${task}' (known: ${PRESET_NAMES.join(', ')})`);
    const steps = args.number('steps', { integer: true, min: 1 });
    const minutes = args.number('minutes', { min: 0 });
    if (steps === undefined && minutes === undefined) throw new UsageError('give --steps or --minutes');
    const seed = args.number('seed', { integer: true, min: 0 }) ?? 0;
    const model = decodeModelConfig({
      ...preset.model,
      ...(args.string('arch') ? { arch: args.string('arch') } : {}),
      ...(args.string('grad-window') ? { gradWindow: args.string('grad-window') } : {}),
    });
    if (E.isLeft(model)) throw new UsageError(`bad model config: ${model.left.join('; ')}`);
    const totalSteps = steps ?? 1_000_000_000;
    const trainCfg = decodeTrainConfig({
      ...preset.train,
      totalSteps,
      seed,
      ...(args.number('batch', { integer: true, min: 1 }) !== undefined
        ? { batchSize: args.number('batch', { integer: true }) }
        : {}),
      ...(args.number('lr', { min: 0 }) !== undefined ? { lr: args.number('lr'), puzzleEmbLr: args.number('lr') } : {}),
    });
    if (E.isLeft(trainCfg)) throw new UsageError(`bad training config: ${trainCfg.left.join('; ')}`);
    const out = args.string('out') ?? 'hrm.safetensors';
    const evalEvery = args.number('eval-every', { integer: true, min: 0 }) ?? 500;
    const evalSize = args.number('eval-size', { integer: true, min: 1 }) ?? 256;
    const mode = outputMode(args.flag('json'));
    const logEvery = mode === 'tty' ? 1 : (args.number('log-every', { integer: true, min: 1 }) ?? 50);

    // Ctrl-C: the first asks the run to stop after the current step and save; a second exits at once.
    let interrupted = false;
    const onSigint = () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      progress.note('interrupted: saving a checkpoint (Ctrl-C again to quit without saving)');
    };
    process.on('SIGINT', onSigint);
    const deadline = minutes === undefined ? Number.POSITIVE_INFINITY : performance.now() + minutes * 60_000;
    const progress = new Progress(steps ?? 0, mode);
    progress.note(
      `training ${model.right.arch} on ${preset.name} (${preset.summary}), seed ${seed}, checkpoint ${out}`,
      {
        event: 'start',
        task: preset.name,
        model: model.right,
        train: trainCfg.right,
      },
    );
    const evaluation = evalEvery > 0 || steps !== undefined ? evalBatches(preset, evalSize, model.right.seqLen) : [];
    try {
      const result = await run({
        model: model.right,
        train: trainCfg.right,
        key: key(seed),
        data: (_k, step) => preset.trainBatch(seed, step, trainCfg.right.batchSize),
        logEvery,
        log: (record) => {
          if (record.event === 'train') {
            const { lmLoss, accuracy, exactAccuracy, steps: segments, lr } = record as Record<string, number>;
            progress.update(Number(record.step), { loss: lmLoss, acc: accuracy, exact: exactAccuracy, segments, lr });
          } else if (record.event === 'eval') {
            const per = record.perSegment as { segment: number; exactAccuracy: number }[];
            progress.note(
              `eval at step ${record.step}: exact ${per.map((p) => `${p.exactAccuracy.toFixed(3)}`).join(' → ')} over ${per.length} segments`,
              record,
            );
          } else progress.note(`${String(record.event)} at step ${record.step}: ${String(record.path ?? '')}`, record);
        },
        ...(evaluation.length > 0
          ? { evaluation: { every: evalEvery > 0 ? evalEvery : Number.MAX_SAFE_INTEGER, batches: () => evaluation } }
          : {}),
        checkpoint: {
          path: out,
          every: args.number('checkpoint-every', { integer: true, min: 1 }) ?? 500,
          resume: args.flag('resume'),
        },
        shouldStop: () => interrupted || performance.now() > deadline,
        metadata: { task: preset.name, seed },
      });
      progress.finish();
      progress.note(
        result.stopped
          ? `stopped at step ${result.state.step}; saved ${out}`
          : `done: ${result.state.step} steps; saved ${out}`,
        {
          event: 'end',
          step: result.state.step,
          stopped: result.stopped,
        },
      );
      return 0;
    } catch (e) {
      progress.finish();
      throw e instanceof Error && e.name === 'NonFiniteError' ? new CliError(e.message) : e;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
