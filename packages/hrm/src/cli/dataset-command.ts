/**
 * `hrm dataset build`: a dataset in the official layout (train/ and test/ with dataset.json and the
 * `all__*.npy` arrays, identifiers.json), which the official `pretrain.py` trains on as `data_path`, built
 * from this library's tasks with the official builders' encodings, vocabularies and augmentation counts.
 * Sources are read from the data folder (`hrm data download` fills it) or `--source`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { arcDataset } from '../dataset/arc.js';
import { GENERATED_TASKS, generatedDataset } from '../dataset/generated.js';
import type { DatasetSource } from '../dataset/layout.js';
import { writeDataset } from '../dataset/layout.js';
import { mazeDataset, parseMazeCsvRows } from '../dataset/maze.js';
import { type LabelledSudoku, SUDOKU_EXTREME_HEADER, sudokuDataset, sudokuExtremeRow } from '../dataset/sudoku.js';
import { presetNamed } from '../presets/index.js';
import { loadArcTasks } from '../tasks/arc/files.js';
import type { ArcTask } from '../tasks/arc/types.js';
import { dataDir } from '../tasks/data-dir.js';
import { type Checked, formatProblem } from '../tasks/problems.js';
import { readText } from '../tasks/read-text.js';
import { createRng, type Rng } from '../tasks/rng.js';
import { loadSudokuFile } from '../tasks/sudoku/files.js';
import { SUDOKU_9 } from '../tasks/sudoku/shape.js';
import { CliError, type Command, type Parsed, UsageError } from './args.js';

/** Each task's sources (folders and files in the data folder) and the official command it stands for. */
const TASKS: Readonly<Record<string, { readonly summary: string; readonly sources: readonly string[] }>> = {
  'sudoku-extreme': {
    summary: 'Sudoku-Extreme (HRM)',
    sources: ['sudoku-extreme/train.csv', 'sudoku-extreme/test.csv'],
  },
  'sudoku-hard': {
    summary: 'tdoku lists: 17-clue for training, magictour top-1465 for testing',
    sources: ['sudoku/tdoku_puzzles2_17_clue.txt', 'sudoku/tdoku_puzzles3_magictour_top1465.txt'],
  },
  'maze-hard': {
    summary: 'Maze-Hard 30x30 (HRM)',
    sources: ['maze-30x30-hard-1k/train.csv', 'maze-30x30-hard-1k/test.csv'],
  },
  arc1: {
    summary: 'ARC-AGI-1 training and evaluation with ConceptARC (HRM)',
    sources: ['arc-agi-1/training', 'arc-agi-1/evaluation', 'conceptarc/corpus'],
  },
  arc2: { summary: 'ARC-AGI-2 training and evaluation (HRM)', sources: ['arc-agi-2/training', 'arc-agi-2/evaluation'] },
};

const TASK_NAMES = [...Object.keys(TASKS), ...GENERATED_TASKS];

/** Items, or a CliError with the first problems (a dataset from half a file would mislead). */
function all<T>(checked: Checked<T>): readonly T[] {
  if (checked.problems.length === 0) return checked.items;
  const shown = checked.problems.slice(0, 3).map(formatProblem).join('; ');
  throw new CliError(`${checked.problems.length} bad items: ${shown}${checked.problems.length > 3 ? '; ...' : ''}`);
}

function text(path: string): string {
  const t = readText(path);
  if (E.isLeft(t)) throw new CliError(formatProblem(t.left));
  return t.right;
}

/** The lines of a file, one at a time: Sudoku-Extreme's training CSV is larger than a string may be. */
function* fileLines(path: string): Generator<{ line: number; text: string }> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CliError(`${path}: cannot read: ${(e as Error).message}`);
  }
  const decoder = new TextDecoder();
  for (let start = 0, line = 1; start < bytes.length; line++) {
    const end = bytes.indexOf(10, start);
    const stop = end < 0 ? bytes.length : end;
    yield {
      line,
      text: decoder.decode(bytes.subarray(start, stop > start && bytes[stop - 1] === 13 ? stop - 1 : stop)),
    };
    start = stop + 1;
  }
}

function* sudokuExtremeRows(path: string, minDifficulty?: number): Generator<LabelledSudoku> {
  for (const { line, text: row } of fileLines(path)) {
    if (line === 1) {
      if (row.trim() !== SUDOKU_EXTREME_HEADER)
        throw new CliError(`${path}:1: the header is not ${SUDOKU_EXTREME_HEADER}`);
      continue;
    }
    const r = sudokuExtremeRow(row, SUDOKU_9, minDifficulty);
    if (E.isLeft(r)) throw new CliError(`${path}:${line}: ${r.left}`);
    if (r.right) yield r.right;
  }
}

function arcTasks(...paths: string[]): ArcTask[] {
  return paths.flatMap((p) => [...all(loadArcTasks(p))]);
}

function sourceFor(task: string, args: Parsed, rng: Rng): DatasetSource {
  const subsample = args.number('subsample', { integer: true, min: 1 });
  const numAug = args.number('num-aug', { integer: true, min: 0 });
  const base = args.string('source') ?? args.string('data') ?? dataDir();
  // With --source, the task's files are looked for in that folder under their own names.
  const [first, second, third] = (TASKS[task]?.sources ?? []).map((s) =>
    args.string('source') ? join(base, s.slice(s.lastIndexOf('/') + 1)) : join(base, s),
  );
  switch (task) {
    case 'sudoku-extreme': {
      const min = args.number('min-difficulty', { integer: true });
      return sudokuDataset(
        () => sudokuExtremeRows(first, min),
        () => sudokuExtremeRows(second),
        { shape: SUDOKU_9, numAug: numAug ?? 0, subsample, rng },
      );
    }
    case 'sudoku-hard': {
      const [train, test] = [all(loadSudokuFile(first)), all(loadSudokuFile(second))];
      return sudokuDataset(
        () => train,
        () => test,
        { shape: SUDOKU_9, numAug: numAug ?? 0, subsample, rng },
      );
    }
    case 'maze-hard':
      return mazeDataset(all(parseMazeCsvRows(text(first), first)), all(parseMazeCsvRows(text(second), second)), {
        aug: args.flag('aug'),
        subsample,
        rng,
      });
    case 'arc1':
    case 'arc2': {
      const made = arcDataset(arcTasks(first, ...(third ? [third] : [])), arcTasks(second), {
        numAug: numAug ?? 1000,
        rng,
      });
      if (E.isLeft(made)) throw new CliError(made.left);
      return made.right;
    }
    default: {
      const preset = presetNamed(task);
      const made =
        preset &&
        generatedDataset(preset, {
          trainSize: args.number('train-size', { integer: true, min: 1 }) ?? 1000,
          testSize: args.number('test-size', { integer: true, min: 1 }) ?? 1000,
          seed: args.number('seed', { integer: true, min: 0 }) ?? 0,
          numAug: args.flag('aug') ? 1 : (numAug ?? 0),
          rng,
        });
      if (!made) throw new UsageError(`unknown task '${task}' (known: ${TASK_NAMES.join(', ')})`);
      return made;
    }
  }
}

export const datasetCommand: Command = {
  name: 'dataset',
  summary: 'build a dataset in the official layout, for the official PyTorch trainer',
  usage: 'build --task <name> --out <dir> [--num-aug N] [--subsample N] [--aug] [--seed N]',
  options: {
    task: { type: 'string', help: `the task: ${TASK_NAMES.join(', ')}`, value: '<name>' },
    out: { type: 'string', help: 'the dataset folder to write (the trainer’s data_path)', value: '<dir>' },
    data: { type: 'string', help: 'the data folder (default: HRM_DATA, else ~/.cache/hrm-ts/data)', value: '<dir>' },
    source: {
      type: 'string',
      help: 'read the task’s source files from this folder (default: the data folder)',
      value: '<dir>',
    },
    'num-aug': { type: 'string', help: 'augmentations per training puzzle (Sudoku; ARC default 1000)', value: '<N>' },
    subsample: { type: 'string', help: 'keep this many training puzzles, drawn at random', value: '<N>' },
    'min-difficulty': { type: 'string', help: 'sudoku-extreme: only puzzles rated at least this', value: '<N>' },
    aug: { type: 'boolean', help: 'mazes: add the 8 dihedral transforms of each training maze' },
    'train-size': { type: 'string', help: 'generated tasks: training puzzles', value: '<N>', default: '1000' },
    'test-size': {
      type: 'string',
      help: 'generated tasks: test puzzles (hrm eval’s set)',
      value: '<N>',
      default: '1000',
    },
    seed: { type: 'string', help: 'the seed of every random choice (ARC: 42, as the official builder)', value: '<N>' },
    force: { type: 'boolean', help: 'replace an existing dataset folder' },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
  run: (args) => {
    const [sub, ...rest] = args.positionals;
    if (sub !== 'build')
      throw new UsageError(`expected 'hrm dataset build', got ${sub === undefined ? 'nothing' : `'${sub}'`}`);
    if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(' ')}`);
    const task = args.string('task');
    const out = args.string('out');
    if (!task) throw new UsageError(`--task is required (${TASK_NAMES.join(', ')})`);
    if (!TASK_NAMES.includes(task)) throw new UsageError(`unknown task '${task}' (known: ${TASK_NAMES.join(', ')})`);
    if (!out) throw new UsageError('--out is required (a folder)');
    const seed = args.number('seed', { integer: true, min: 0 }) ?? (task.startsWith('arc') ? 42 : 0);
    const source = sourceFor(task, args, createRng(seed));
    const written = writeDataset(out, source, { force: args.flag('force') });
    if (E.isLeft(written)) throw new CliError(`${out}: ${written.left}`);
    const { train, test } = written.right;
    if (args.flag('json')) console.log(JSON.stringify({ event: 'dataset', task, out, train, test }));
    else {
      for (const [name, m] of [
        ['train', train],
        ['test', test],
      ] as const)
        console.log(
          `${name}: ${Math.round(m.total_puzzles * m.mean_puzzle_examples)} examples in ${m.total_puzzles} puzzles, ${m.total_groups} groups`,
        );
      console.log(
        `wrote ${out}: vocabulary ${train.vocab_size}, ${train.seq_len} tokens, ${train.num_puzzle_identifiers} puzzle identifiers`,
      );
      console.log(`train with the official code: torchrun --nproc-per-node <GPUs> pretrain.py data_path=${out}`);
    }
    return 0;
  },
};
