/**
 * `hrm train`: train a model on a task preset, with a progress display, evaluations and checkpoints.
 * What a run could lose is checked before it starts: the flags and their bounds, the folder of `--out`,
 * a second trainer on the same file (a lock), an existing file (continued with --resume, replaced with
 * --force, else refused) and the data files. A signal or a closed stdout stops it after a step, saved.
 */
import { key } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { decodeModelConfig, MODEL_LIMITS, type ModelConfig, sizeFree } from '../config.js';
import type { EvalResult } from '../evaluate.js';
import { run } from '../loop.js';
import { PRESET_NAMES, presetNamed } from '../presets/node.js';
import type { TaskPreset } from '../presets/preset.js';
import { decodeTrainConfig, TRAIN_LIMITS, type TrainConfig } from '../train-config.js';
import { CliError, type Command, type Parsed, UsageError } from './args.js';
import { MAX_EVAL_SIZE } from './eval.js';
import { evalBatches } from './evaluation.js';
import { type ModelFile, readModelFile } from './model-file.js';
import { checkExistingOut, checkOutFolder, lockOut, removeStaleTemps } from './out-file.js';
import { outputMode, Progress } from './progress.js';
import { listenForStop } from './stop.js';
import { fieldsHelp } from './vocabulary.js';

/** The largest batch `--batch` takes: far above the presets' 8-64, well below what fails to allocate. */
export const MAX_BATCH = 4096;
/** The longest `--minutes` (a year): a bound like any other size. */
const MAX_MINUTES = 60 * 24 * 365;
/** The largest `--lr`: Adam-family steps move each weight by about lr, so more than 1 only diverges. */
const MAX_LR = 1;
const MAX_STEPS = TRAIN_LIMITS.totalSteps;

/** What the flags ask for: the task, both configs, and how the run is shown and saved. */
interface TrainRun {
  readonly preset: TaskPreset;
  readonly model: ModelConfig;
  readonly train: TrainConfig;
  readonly steps: number | undefined;
  readonly minutes: number | undefined;
  readonly seed: number;
  readonly out: string;
  readonly resume: boolean;
  readonly force: boolean;
  /** The checkpoint whose weights the run starts from (`--init`), if any. */
  readonly init: ModelFile | undefined;
}

/**
 * The model-size flags and the config field each sets: the shape of the official models (hidden 512,
 * 8 heads, 4 + 4 layers, 2 x 2 cycles, 16 segments) or anything between, bounded by `MODEL_LIMITS`.
 */
const MODEL_SIZE_FLAGS = {
  hidden: 'hidden',
  heads: 'heads',
  'h-layers': 'hLayers',
  'l-layers': 'lLayers',
  'h-cycles': 'hCycles',
  'l-cycles': 'lCycles',
  'halt-max-steps': 'haltMaxSteps',
  'puzzle-emb-dim': 'puzzleEmbDim',
  expansion: 'expansion',
} as const satisfies Record<string, keyof typeof MODEL_LIMITS>;

/** The sequence mixers `--mixer` names, and the config fields each sets. */
const MIXERS = {
  attention: { mlpT: false, gridMixer: false },
  'mlp-t': { mlpT: true, gridMixer: false },
  grid: { mlpT: false, gridMixer: true },
} as const;

/** The config fields `--mixer` sets, if given. */
function mixerFlag(args: Parsed): (typeof MIXERS)[keyof typeof MIXERS] | undefined {
  const name = args.string('mixer');
  if (name === undefined) return undefined;
  if (!Object.hasOwn(MIXERS, name))
    throw new UsageError(`--mixer: unknown mixer '${name}' (known: ${Object.keys(MIXERS).join(', ')})`);
  return MIXERS[name as keyof typeof MIXERS];
}

/** The model config fields the size flags give (each a whole number within its bound). */
function modelSizeFlags(args: Parsed): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const [flag, field] of Object.entries(MODEL_SIZE_FLAGS)) {
    const v = args.number(flag, {
      integer: field !== 'expansion',
      min: field === 'puzzleEmbDim' ? 0 : 1,
      max: MODEL_LIMITS[field],
    });
    if (v !== undefined) sizes[field] = v;
  }
  return sizes;
}

/** The run the flags describe, every number checked against its bound before anything is done. */
function runOf(args: Parsed): TrainRun {
  const task = args.string('task');
  if (!task) throw new UsageError('--task is required');
  const steps = args.number('steps', { integer: true, min: 1, max: MAX_STEPS });
  const minutes = args.number('minutes', { min: 0, max: MAX_MINUTES });
  if (steps === undefined && minutes === undefined) throw new UsageError('give --steps or --minutes');
  const seed = args.number('seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) ?? 0;
  const batch = args.number('batch', { integer: true, min: 1, max: MAX_BATCH });
  const lr = args.number('lr', { min: Number.MIN_VALUE, max: MAX_LR });
  const accumulate = args.number('accumulate', { integer: true, min: 1, max: MAX_BATCH });
  const ema = args.number('ema', { min: 0, max: 1 });
  const resume = args.flag('resume');
  const force = args.flag('force');
  if (resume && force) throw new UsageError('give --resume or --force, not both');
  const data = args.string('data');
  const preset = presetNamed(task, data === undefined ? {} : { dataDir: data });
  if (!preset) throw new UsageError(`unknown task '${task}' (known: ${PRESET_NAMES.join(', ')})`);
  const initPath = args.string('init');
  const init =
    initPath === undefined ? undefined : readModelFile(initPath, data === undefined ? {} : { dataDir: data });
  const model = decodeModelConfig({
    // From another checkpoint: its model, at this task's vocabulary and length (flags may still change it,
    // and the weights must then still fit).
    ...(init ? { ...init.model, vocabSize: preset.model.vocabSize, seqLen: preset.model.seqLen } : preset.model),
    ...(args.string('arch') ? { arch: args.string('arch') } : {}),
    ...(args.string('grad-window') ? { gradWindow: args.string('grad-window') } : {}),
    ...mixerFlag(args),
    ...(args.string('pos-encodings') ? { posEncodings: args.string('pos-encodings') } : {}),
    ...modelSizeFlags(args),
  });
  if (E.isLeft(model)) throw new UsageError(`bad model config: ${model.left.join('; ')}`);
  if (init && init.model.seqLen !== model.right.seqLen && !sizeFree(init.model))
    throw new UsageError(
      `--init: ${initPath} is a ${init.preset.name} model of seqLen ${init.model.seqLen}, and ${preset.name} has ${model.right.seqLen}; only a size-free model (--mixer grid --pos-encodings none) changes size`,
    );
  const train = decodeTrainConfig({
    ...preset.train,
    totalSteps: steps ?? MAX_STEPS,
    seed,
    ...(batch !== undefined ? { batchSize: batch } : {}),
    ...(lr !== undefined ? { lr, puzzleEmbLr: lr } : {}),
    ...(accumulate !== undefined ? { accumulate } : {}),
    ...(ema !== undefined ? { emaRate: ema } : {}),
  });
  if (E.isLeft(train)) throw new UsageError(`bad training config: ${train.left.join('; ')}`);
  const out = args.string('out') ?? 'hrm.safetensors';
  return { preset, model: model.right, train: train.right, steps, minutes, seed, out, resume, force, init };
}

/** An in-training evaluation as a record of the CLI's vocabulary (the same names as `hrm eval`). */
function evalRecord(step: number, e: EvalResult): Record<string, unknown> {
  return {
    event: 'eval',
    step,
    count: e.count,
    segments: e.perSegment.length,
    perSegment: e.perSegment.map((s) => ({
      segment: s.segment,
      token: s.tokenAccuracy,
      exact: s.exactAccuracy,
      halt: s.wouldHalt,
    })),
    token: e.tokenAccuracy,
    exact: e.exactAccuracy,
  };
}

/** Errors of the loop that are the user's to act on, as one line. */
function userError(e: unknown, out: string): unknown {
  if (!(e instanceof Error)) return e;
  if (e.name === 'ResumeError')
    return new CliError(
      `cannot resume: ${e.message} (resume with the flags it was trained with, or give another --out)`,
    );
  if (e.name === 'NonFiniteError') return new CliError(`${e.message} (${out})`);
  if (e.name === 'InitError') return new CliError(`--init: ${e.message}`);
  return e;
}

export const train: Command = {
  name: 'train',
  summary: 'train a model on a task',
  usage: '--task <name> [--steps N | --minutes M] [--out <file> [--resume | --force]] [options]',
  maxPositionals: 0,
  options: {
    task: { type: 'string', help: `the task: ${PRESET_NAMES.join(', ')}`, value: '<name>' },
    steps: { type: 'string', help: `optimiser steps to train for, at most ${MAX_STEPS}`, value: '<N>' },
    minutes: {
      type: 'string',
      help: 'stop after this much wall time (evaluates the final weights and saves a checkpoint)',
      value: '<M>',
    },
    out: {
      type: 'string',
      help: 'checkpoint file (written atomically; an existing one needs --resume or --force)',
      value: '<file>',
      default: 'hrm.safetensors',
    },
    resume: {
      type: 'boolean',
      help: 'continue the run saved in --out (which must exist, from the same task and flags but --steps)',
    },
    force: { type: 'boolean', help: 'replace an existing --out with a new run' },
    seed: { type: 'string', help: 'the run seed (initialisation, data, exploration)', value: '<N>', default: '0' },
    arch: { type: 'string', help: 'hrm or trm', value: '<arch>' },
    'grad-window': { type: 'string', help: 'one-step (HRM), last-cycle (TRM) or bptt', value: '<w>' },
    batch: { type: 'string', help: `batch size, at most ${MAX_BATCH} (default: the task preset)`, value: '<N>' },
    lr: { type: 'string', help: `learning rate, at most ${MAX_LR} (default: the task preset)`, value: '<x>' },
    accumulate: {
      type: 'string',
      help: 'micro-batches per step (gradient accumulation: a batch in the memory of batch/N slots)',
      value: '<N>',
    },
    ema: {
      type: 'string',
      help: 'keep an exponential moving average of the weights at this rate (TRM: 0.999) for evaluation and checkpoints; 0: none',
      value: '<x>',
    },
    init: {
      type: 'string',
      help: 'start from the weights of this checkpoint (fine-tuning: fresh optimiser, step 0), with its model; a size-free one may change size',
      value: '<file>',
    },
    mixer: {
      type: 'string',
      help: 'how positions mix: attention, mlp-t (a token-mixing MLP, one grid size) or grid (3x3 neighbourhoods, any grid size)',
      value: '<name>',
    },
    'pos-encodings': {
      type: 'string',
      help: 'rope, learned (tied to the sequence length) or none (default: the task preset)',
      value: '<kind>',
    },
    hidden: { type: 'string', help: 'model width (default: the task preset; the official models: 512)', value: '<N>' },
    heads: { type: 'string', help: 'attention heads', value: '<N>' },
    'h-layers': { type: 'string', help: 'blocks of the H module', value: '<N>' },
    'l-layers': { type: 'string', help: 'blocks of the L module', value: '<N>' },
    'h-cycles': { type: 'string', help: 'H cycles per segment (N)', value: '<N>' },
    'l-cycles': { type: 'string', help: 'L updates per H cycle (T)', value: '<N>' },
    'halt-max-steps': { type: 'string', help: 'segments at most (ACT)', value: '<N>' },
    'puzzle-emb-dim': { type: 'string', help: 'width of the puzzle embedding (0: none)', value: '<N>' },
    expansion: { type: 'string', help: 'SwiGLU expansion', value: '<x>' },
    'eval-every': { type: 'string', help: 'evaluate every N steps (0: only at the end)', value: '<N>', default: '500' },
    'eval-size': {
      type: 'string',
      help: `unseen puzzles per evaluation, at most ${MAX_EVAL_SIZE}`,
      value: '<N>',
      default: '256',
    },
    'checkpoint-every': { type: 'string', help: 'save every N steps', value: '<N>', default: '500' },
    'log-every': {
      type: 'string',
      help: 'print metrics every N steps when not on a terminal',
      value: '<N>',
      default: '50',
    },
    data: {
      type: 'string',
      help: 'the folder of the data files of sudoku-hard, maze-hard and arc (default: $HRM_DATA)',
      value: '<folder>',
    },
    json: { type: 'boolean', help: 'print JSON lines (one record per line) instead of text' },
  },
  notes: [
    'Ctrl-C, SIGTERM or SIGHUP: save after the current step and exit 0; a second one within a second quits',
    'without saving (a copy relayed by npm within milliseconds does not count as a second).',
    '',
    fieldsHelp([
      'event',
      'task',
      'seed',
      'checkpoint',
      'model',
      'train',
      'step',
      'lr',
      'loss',
      'token',
      'exact',
      'haltSegment',
      'stepsPerSecond',
      'count',
      'segments',
      'perSegment',
      'segment',
      'halt',
      'path',
      'stopped',
    ]),
  ].join('\n'),
  run: async (args) => {
    const r = runOf(args);
    const evalEvery = args.number('eval-every', { integer: true, min: 0, max: MAX_STEPS }) ?? 500;
    const evalSize = args.number('eval-size', { integer: true, min: 1, max: MAX_EVAL_SIZE }) ?? 256;
    const checkpointEvery = args.number('checkpoint-every', { integer: true, min: 1, max: MAX_STEPS }) ?? 500;
    const mode = outputMode(args.flag('json'));
    const logEvery = mode === 'tty' ? 1 : (args.number('log-every', { integer: true, min: 1, max: MAX_STEPS }) ?? 50);
    const warn = (text: string) => console.error(`hrm train: ${text}`);

    checkOutFolder(r.out);
    const unlock = lockOut(r.out, warn);
    const progress = new Progress(r.steps ?? 0, mode);
    let interrupted = false;
    const stopListening = listenForStop((why) => {
      if (interrupted) return;
      interrupted = true;
      // A closed stdout has no reader to tell.
      if (why !== 'stdout closed')
        progress.note(`${why}: saving a checkpoint after this step (again within a second to quit without saving)`);
    });
    try {
      removeStaleTemps(r.out, warn);
      checkExistingOut(r.out, r);
      const deadline = r.minutes === undefined ? Number.POSITIVE_INFINITY : performance.now() + r.minutes * 60_000;
      const { preset, model, seed, out } = r;
      progress.note(`training ${model.arch} on ${preset.name} (${preset.summary}), seed ${seed}, checkpoint ${out}`, {
        event: 'start',
        task: preset.name,
        seed,
        checkpoint: out,
        model,
        train: r.train,
      });
      const evaluation = evalEvery > 0 || r.steps !== undefined ? evalBatches(preset, evalSize, model.seqLen) : [];
      const result = await run({
        model,
        train: r.train,
        key: key(seed),
        data: (_k, step) => preset.trainBatch(seed, step, r.train.batchSize),
        logEvery,
        log: (record) => {
          const step = Number(record.step);
          if (record.event === 'train') {
            const { lmLoss, accuracy, exactAccuracy, steps, lr } = record as Record<string, number>;
            progress.update(step, { loss: lmLoss, token: accuracy, exact: exactAccuracy, haltSegment: steps, lr });
          } else if (record.event === 'eval') {
            const e = evalRecord(step, record as unknown as EvalResult);
            const exact = (e.perSegment as { exact: number }[]).map((p) => p.exact.toFixed(3));
            progress.note(`eval at step ${step}: exact ${exact.join(' → ')} over ${exact.length} segments`, e);
          } else {
            if (record.event === 'resume') progress.resumedAt(step);
            progress.note(`${String(record.event)} at step ${step}: ${String(record.path ?? '')}`, record);
          }
        },
        ...(evaluation.length > 0
          ? { evaluation: { every: evalEvery > 0 ? evalEvery : Number.MAX_SAFE_INTEGER, batches: () => evaluation } }
          : {}),
        checkpoint: { path: out, every: checkpointEvery, resume: r.resume },
        // A spent time budget is a planned end: the final state is evaluated before the run stops.
        shouldStop: () => interrupted || (performance.now() > deadline && 'evaluate'),
        metadata: { task: preset.name },
        ...(r.init ? { from: { params: r.init.params, buffers: r.init.buffers } } : {}),
      });
      progress.finish();
      const { step } = result.state;
      progress.note(result.stopped ? `stopped at step ${step}; saved ${out}` : `done: ${step} steps; saved ${out}`, {
        event: 'end',
        step,
        stopped: result.stopped,
      });
      return 0;
    } catch (e) {
      progress.finish();
      throw userError(e, r.out);
    } finally {
      stopListening();
      unlock();
    }
  },
};
