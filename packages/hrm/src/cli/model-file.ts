/**
 * Reading a model for `eval`, `solve` and `demo`: a checkpoint written by `hrm train` holds the
 * weights, the configs and the task name. A file is not trusted: its config is checked against the
 * bounds of a model, the task's sequences and the shapes its header lists before anything is built for
 * it (a forged `hidden` of 4096 once built a 1.2 GB model before failing), then every weight against a
 * model of that config, finite, before anything runs.
 */

import { existsSync } from 'node:fs';
import { type CheckpointError, swigluWidth } from '@hrm/nn';
import { loadCheckpoint } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { reasonerFor } from '../arch.js';
import { decodeModelConfig, type ModelConfig, prefixLength } from '../config.js';
import type { HrmStates } from '../hrm.js';
import { type HrmBuffers, type HrmParams, modelTemplate } from '../params.js';
import { presetNamed } from '../presets/node.js';
import type { TaskPreset } from '../presets/preset.js';
import type { Reasoner } from '../reasoner.js';
import { CliError } from './args.js';
import { readCheckpointHeader } from './checkpoint-header.js';

/** The most segments `eval` and `solve` run (and a checkpoint's `haltMaxSteps` may ask for). */
export const MAX_SEGMENTS = 1024;

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

/** A checkpoint error as one line: its first problem, and how many more there are. */
export function oneLine(e: CheckpointError): string {
  const [first, ...more] = e.problems;
  return `${e.source}: ${first ?? 'bad checkpoint'}${more.length > 0 ? ` (and ${more.length} more problems)` : ''}`;
}

/** A tensor's expected dims, each named by the config field it comes from; undefined: the tensor must be absent. */
type Expected = readonly (readonly [field: string, size: number])[] | undefined;

/**
 * The tensors whose shapes follow from the config's sizes: between them they fix every size a model is
 * built with (hidden, vocabulary, sequence, puzzle table, MLP widths), so a config that matches them
 * builds a model no larger than the file. The template check after them covers the other tensors.
 */
function expectedShapes(model: ModelConfig): [string, Expected][] {
  const { hidden, vocabSize } = model;
  const seq = model.seqLen + prefixLength(model);
  const mlp = swigluWidth(hidden, model.expansion, model.multipleOf);
  const mixer = swigluWidth(seq, model.expansion, model.multipleOf);
  return [
    [
      'params.params.embed.table',
      [
        ['vocabSize', vocabSize],
        ['hidden', hidden],
      ],
    ],
    [
      'params.params.lmHead.w',
      [
        ['hidden', hidden],
        ['vocabSize', vocabSize],
      ],
    ],
    ['params.buffers.hInit', [['hidden', hidden]]],
    [
      'params.params.positions.table',
      model.posEncodings === 'learned'
        ? [
            ['seqLen + prefix', seq],
            ['hidden', hidden],
          ]
        : undefined,
    ],
    [
      'params.buffers.puzzleEmb',
      model.puzzleEmbDim > 0
        ? [
            ['numPuzzleIdentifiers', model.numPuzzleIdentifiers],
            ['puzzleEmbDim', model.puzzleEmbDim],
          ]
        : undefined,
    ],
    [
      'params.params.L.0.mlp.down',
      [
        ['an MLP width (expansion, multipleOf) of', mlp],
        ['hidden', hidden],
      ],
    ],
    [
      'params.params.L.0.gridMixer.cells',
      model.gridMixer
        ? [
            ['nine neighbours of hidden', 9 * hidden],
            ['hidden', hidden],
          ]
        : undefined,
    ],
    [
      'params.params.L.0.tokenMixer.down',
      model.mlpT
        ? [
            ['a token-mixer width of', mixer],
            ['seqLen + prefix', seq],
          ]
        : undefined,
    ],
  ];
}

/** What is wrong with tensor `name` of shape `shape` (undefined: not in the file) where `expected`, if anything. */
function shapeProblem(name: string, expected: Expected, shape: readonly number[] | undefined): string | undefined {
  if (expected === undefined) return shape ? `tensor '${name}' is not in a model of this config` : undefined;
  if (!shape) return `the config needs a tensor '${name}', which the file does not have`;
  const differing = expected.filter(([, size], i) => shape[i] !== size).map(([field, size]) => `${field} ${size}`);
  if (differing.length === 0 && shape.length === expected.length) return undefined;
  const claim = differing.join(' and ') || `[${expected.map(([, d]) => d).join(', ')}]`;
  return `the config says ${claim}, but tensor '${name}' is [${shape.join(', ')}]`;
}

/** How the number of H and L blocks the config asks for differs from the blocks the file holds. */
function blockProblems(model: ModelConfig, names: readonly string[]): string[] {
  const blocks = (module: string) =>
    new Set(names.map((n) => new RegExp(`^params\\.params\\.${module}\\.(\\d+)\\.`).exec(n)?.[1]).filter(Boolean)).size;
  return (
    [
      ['H', 'hLayers', model.arch === 'hrm' ? model.hLayers : 0],
      ['L', 'lLayers', model.lLayers],
    ] as const
  ).flatMap(([module, field, layers]) =>
    blocks(module) === layers
      ? []
      : [`the config says ${field} ${layers}, but the file has ${blocks(module)} ${module} blocks`],
  );
}

/**
 * How the sizes a checkpoint's config claims differ from its task's sequences, the segment bound, and
 * the shapes of the tensors its header lists: all checked before anything is allocated for them.
 */
function sizeProblems(
  model: ModelConfig,
  preset: TaskPreset,
  shapes: ReadonlyMap<string, readonly number[]>,
): string[] {
  const { vocabSize, seqLen } = preset.model;
  const task =
    vocabSize === model.vocabSize && seqLen === model.seqLen
      ? []
      : [
          `a ${preset.name} model has vocabSize ${vocabSize} and seqLen ${seqLen}, this one ${model.vocabSize} and ${model.seqLen}`,
        ];
  const segments =
    model.haltMaxSteps > MAX_SEGMENTS
      ? [`haltMaxSteps ${model.haltMaxSteps} is over the limit of ${MAX_SEGMENTS} segments`]
      : [];
  const tensors = expectedShapes(model).flatMap(
    ([name, expected]) => shapeProblem(name, expected, shapes.get(name)) ?? [],
  );
  return [...task, ...segments, ...tensors, ...blockProblems(model, [...shapes.keys()])];
}

/**
 * Reads the checkpoint at `path` written by `hrm train`, checks its config and sizes against its
 * header, then its weights against a model of its config, and returns them (the EMA weights when the
 * run kept them). The task's data files (for `evalExamples`) are read from `opts.dataDir` (default:
 * `HRM_DATA`, else the user cache). Throws a `CliError` that names the file and says what is wrong.
 */
export function readModelFile(path: string, opts: { readonly dataDir?: string } = {}): ModelFile {
  if (!existsSync(path)) throw new CliError(`no checkpoint at ${path}`);
  const header = readCheckpointHeader(path);
  if (E.isLeft(header)) {
    // The full reader says best what is wrong with a file that is not a safetensors checkpoint.
    const full = loadCheckpoint(path);
    throw new CliError(E.isLeft(full) ? oneLine(full.left) : header.left);
  }
  const config = header.right.config;
  if (!isRecord(config) || !isRecord(config.model) || typeof config.task !== 'string')
    throw new CliError(`${path}: not a checkpoint written by hrm train (no task and model config in its metadata)`);
  const model = decodeModelConfig(config.model);
  if (E.isLeft(model)) throw new CliError(`${path}: bad model config: ${model.left.join('; ')}`);
  const preset = presetNamed(config.task, opts);
  if (!preset) throw new CliError(`${path}: unknown task '${config.task}'`);
  const [problem, ...more] = sizeProblems(model.right, preset, header.right.shapes);
  if (problem !== undefined)
    throw new CliError(`${path}: ${problem}${more.length > 0 ? ` (and ${more.length} more problems)` : ''}`);
  // Check the weights against a model of the stored config, tensor by tensor (now known to be the file's size).
  const template = { params: modelTemplate(model.right) };
  const checked = loadCheckpoint(path, template);
  if (E.isLeft(checked)) throw new CliError(oneLine(checked.left));
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
