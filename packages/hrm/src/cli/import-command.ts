/**
 * `hrm import`: an official checkpoint (a state dict from sapientinc/HRM's or TinyRecursiveModels'
 * `pretrain.py`, saved by `torch.save` or as safetensors) and its `all_config.yaml` become a checkpoint that
 * `hrm eval`, `solve` and `demo` read. What the official files do not hold comes from the dataset's
 * `dataset.json` or from flags: the vocabulary and puzzle count (also readable from the weights) and the
 * sequence length (which a RoPE model's weights do not fix); the task is inferred from vocabulary and
 * sequence length, or given.
 */
import { basename, dirname, join } from 'node:path';
import { key } from '@hrm/core';
import type { DecodedTensor, Json } from '@hrm/nn';
import { saveCheckpoint } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { decodeModelConfig, type ModelConfig } from '../config.js';
import { importStateDict } from '../import.js';
import { PRESETS } from '../presets/index.js';
import { PRESET_NAMES } from '../presets/node.js';
import { readDatasetJson, readStateDictFile, readYamlFile } from '../torch/files.js';
import { modelFromOfficialConfig } from '../torch/official-config.js';
import { CliError, type Command, UsageError } from './args.js';

/** Tasks by (vocabulary, sequence length): the official data's tasks first, then the generated ones. */
const TASK_SHAPES: readonly { task: string; vocab: number; seqLen: number }[] = [
  { task: 'sudoku-hard', vocab: 11, seqLen: 81 },
  { task: 'maze-hard', vocab: 6, seqLen: 900 },
  { task: 'arc', vocab: 12, seqLen: 900 },
  ...PRESETS.map((p) => ({ task: p.name, vocab: p.model.vocabSize, seqLen: p.model.seqLen })),
];

/** The first tensor whose name ends with `suffix` (after the state dict's prefix). */
const tensorEnding = (tensors: Readonly<Record<string, DecodedTensor>>, suffix: string) =>
  Object.entries(tensors).find(([n]) => n.endsWith(suffix))?.[1];

/**
 * Sizes the weights fix: vocabulary (the token embedding), puzzle count (the puzzle table) and, for
 * learned positions or the token-mixing MLP, the sequence length (positions less the puzzle prefix).
 */
function sizesFromWeights(tensors: Readonly<Record<string, DecodedTensor>>, model: Record<string, unknown>) {
  const out: Record<string, number> = {};
  const embed = tensorEnding(tensors, 'inner.embed_tokens.embedding_weight');
  if (embed?.shape.length === 2) out.vocabSize = embed.shape[0];
  const table = tensorEnding(tensors, 'inner.puzzle_emb.weights');
  if (table?.shape.length === 2) out.numPuzzleIdentifiers = table.shape[0];
  const hidden = typeof model.hidden === 'number' ? model.hidden : 512;
  const dim = typeof model.puzzleEmbDim === 'number' ? model.puzzleEmbDim : hidden;
  const len = typeof model.puzzleEmbLen === 'number' ? model.puzzleEmbLen : model.arch === 'trm' ? 16 : 0;
  const prefix = dim === 0 ? 0 : len > 0 ? len : Math.ceil(dim / hidden);
  const positions = tensorEnding(tensors, 'inner.embed_pos.embedding_weight');
  const mixer = tensorEnding(tensors, '.layers.0.mlp_t.gate_up_proj.weight');
  if (positions?.shape.length === 2) out.seqLen = positions.shape[0] - prefix;
  else if (mixer?.shape.length === 2) out.seqLen = mixer.shape[1] - prefix;
  return out;
}

/** `step_26041` → 26041, as evaluate.py reads the step from the file name. */
function stepOf(path: string): number {
  const m = /^step_(\d+)/.exec(basename(path));
  return m ? Number(m[1]) : 0;
}

const countParams = (tensors: Readonly<Record<string, DecodedTensor>>) =>
  Object.entries(tensors)
    .filter(([n]) => !/puzzle_emb\.weights$|_init$/.test(n))
    .reduce((s, [, t]) => s + t.data.length, 0);

export const importCommand: Command = {
  name: 'import',
  summary: 'import a checkpoint trained with the official PyTorch code',
  usage: '<checkpoint> [--config all_config.yaml] [--dataset dataset.json] [--task <name>] --out <file>',
  options: {
    config: {
      type: 'string',
      help: 'the run config (default: all_config.yaml beside the checkpoint, as evaluate.py reads it)',
      value: '<file>',
    },
    dataset: {
      type: 'string',
      help: "the dataset's dataset.json, or its folder (vocabulary, sequence length, puzzle count)",
      value: '<file|dir>',
    },
    task: { type: 'string', help: `the task (default: inferred): ${PRESET_NAMES.join(', ')}`, value: '<name>' },
    'vocab-size': { type: 'string', help: 'the vocabulary, when no dataset.json says it', value: '<N>' },
    'seq-len': { type: 'string', help: 'tokens per puzzle, when no dataset.json says it', value: '<N>' },
    'num-puzzle-identifiers': {
      type: 'string',
      help: 'puzzle identifiers, when no dataset.json says it',
      value: '<N>',
    },
    out: {
      type: 'string',
      help: 'the checkpoint to write (atomically)',
      value: '<file>',
      default: 'imported.safetensors',
    },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
  run: (args) => {
    const [path, ...more] = args.positionals;
    if (!path) throw new UsageError('give the checkpoint to import');
    if (more.length > 0) throw new UsageError(`one checkpoint at a time (also got ${more.join(' ')})`);
    const out = args.string('out') ?? 'imported.safetensors';

    const tensors = readStateDictFile(path);
    if (E.isLeft(tensors)) throw new CliError(tensors.left.message.split('\n').join(' '));
    const configPath = args.string('config') ?? join(dirname(path), 'all_config.yaml');
    const doc = readYamlFile(configPath);
    if (E.isLeft(doc)) throw new CliError(`${doc.left} (the run config; give --config)`);
    const official = modelFromOfficialConfig(doc.right);
    if ('problems' in official) throw new CliError(`${configPath}: ${official.problems.join('; ')}`);
    const { model: fromYaml, dataPaths } = official.model;
    const notes = [...official.model.notes];

    const datasetPath = args.string('dataset');
    const dataset = datasetPath === undefined ? undefined : readDatasetJson(datasetPath);
    if (dataset && E.isLeft(dataset)) throw new CliError(dataset.left);
    const fromDataset = dataset?.right && {
      vocabSize: dataset.right.vocab_size,
      seqLen: dataset.right.seq_len,
      numPuzzleIdentifiers: dataset.right.num_puzzle_identifiers,
    };
    const fromFlags = Object.fromEntries(
      (
        [
          ['vocabSize', args.number('vocab-size', { integer: true, min: 1 })],
          ['seqLen', args.number('seq-len', { integer: true, min: 1 })],
          ['numPuzzleIdentifiers', args.number('num-puzzle-identifiers', { integer: true, min: 1 })],
        ] as const
      ).filter(([, v]) => v !== undefined),
    );
    // Flags win over dataset.json, which wins over the config and the weights' shapes.
    const merged = { ...sizesFromWeights(tensors.right, fromYaml), ...fromYaml, ...fromDataset, ...fromFlags };
    if (merged.seqLen === undefined)
      throw new CliError(
        `${path}: the sequence length is not in the checkpoint (its positions are RoPE); give --dataset ${dataPaths[0] ?? '<data_path>'}/train/dataset.json or --seq-len N`,
      );
    const decoded = decodeModelConfig(merged);
    if (E.isLeft(decoded)) throw new CliError(`${configPath}: bad model config: ${decoded.left.join('; ')}`);
    const cfg: ModelConfig = decoded.right;

    const task =
      args.string('task') ?? TASK_SHAPES.find((s) => s.vocab === cfg.vocabSize && s.seqLen === cfg.seqLen)?.task;
    if (!task)
      throw new UsageError(
        `no task has vocabulary ${cfg.vocabSize} and ${cfg.seqLen} tokens; give --task (${PRESET_NAMES.join(', ')})`,
      );
    if (!PRESET_NAMES.includes(task))
      throw new UsageError(`unknown task '${task}' (known: ${PRESET_NAMES.join(', ')})`);
    const preset = TASK_SHAPES.find((s) => s.task === task);
    if (preset && (preset.vocab !== cfg.vocabSize || preset.seqLen !== cfg.seqLen))
      throw new CliError(
        `task ${task} has vocabulary ${preset.vocab} and ${preset.seqLen} tokens, the model ${cfg.vocabSize} and ${cfg.seqLen}`,
      );
    if (task === 'arc')
      notes.push(
        'arc: puzzle ids here are not the official identifiers.json ids, so per-puzzle embeddings do not line up',
      );

    const imported = importStateDict(tensors.right, cfg, path);
    if (E.isLeft(imported)) throw new CliError(imported.left.message.split('\n').join(' '));
    const step = stepOf(path);
    const saved = saveCheckpoint(out, {
      params: imported.right,
      step,
      key: key(0),
      config: {
        task,
        model: cfg,
        imported: { from: path, config: configPath, ...(datasetPath ? { dataset: datasetPath } : {}) },
        official: doc.right as Json,
      },
    });
    if (E.isLeft(saved)) throw new CliError(saved.left.message.split('\n').join(' '));

    const params = countParams(tensors.right);
    if (args.flag('json'))
      console.log(JSON.stringify({ event: 'imported', from: path, out, task, step, params, model: cfg, notes }));
    else {
      console.log(
        `imported ${Object.keys(tensors.right).length} tensors (${cfg.arch.toUpperCase()}, ${(params / 1e6).toFixed(2)}M parameters, step ${step}) from ${path}`,
      );
      for (const n of notes) console.log(`  note: ${n}`);
      console.log(`wrote ${out} (task ${task}): hrm eval --checkpoint ${out}`);
    }
    return 0;
  },
};
