/**
 * Datasets in the official layout: the builders here against what the official builders wrote for the same
 * puzzles (fixtures/official, made by scripts/make-torch-fixtures.sh from the unmodified official code),
 * and every built dataset read back to the examples that went in.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from '../cli/args.js';
import { datasetCommand } from '../cli/dataset-command.js';
import { MAZE9 } from '../presets/maze.js';
import { SUDOKU4 } from '../presets/sudoku.js';
import { loadArcTasks } from '../tasks/arc/files.js';
import { createRng } from '../tasks/rng.js';
import type { Group } from '../tasks/sampler.js';
import { isSolutionOf } from '../tasks/sudoku/grid.js';
import { SUDOKU_4, SUDOKU_9 } from '../tasks/sudoku/shape.js';
import { arcDataset } from './arc.js';
import { generatedDataset } from './generated.js';
import { type DatasetSource, readDatasetSplit, SPLITS, writeDataset } from './layout.js';
import { mazeDataset, parseMazeCsvRows } from './maze.js';
import { parseSudokuExtremeCsv, sampleIndices, sudokuDataset } from './sudoku.js';

const official = new URL('./fixtures/official/', import.meta.url).pathname;
const sources = join(official, 'sources');
const dir = mkdtempSync(join(tmpdir(), 'hrm-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The source, recording every group it yields, so the test knows exactly what was written. */
function recorded(source: DatasetSource): { source: DatasetSource; groups: Record<string, Group[]> } {
  const groups: Record<string, Group[]> = { train: [], test: [] };
  return {
    groups,
    source: {
      ...source,
      *groups(split) {
        for (const g of source.groups(split)) {
          // Only what the files hold (ARC examples also carry where they came from).
          groups[split].push(g.map((p) => p.map(({ inputs, labels, puzzleId }) => ({ inputs, labels, puzzleId }))));
          yield g;
        }
      },
    },
  };
}

function build(name: string, source: DatasetSource) {
  const out = join(dir, name);
  const rec = recorded(source);
  const written = writeDataset(out, rec.source);
  if (E.isLeft(written)) throw new Error(written.left);
  return { out, groups: rec.groups, metadata: written.right };
}

/** Every file under `task` of the official fixtures equals ours byte for byte, dataset.json up to TRM's extra field. */
function expectSameFiles(ours: string, task: string): void {
  for (const split of SPLITS)
    for (const file of readdirSync(join(official, task, split))) {
      const a = readFileSync(join(ours, split, file));
      const b = readFileSync(join(official, task, split, file));
      if (file === 'dataset.json') {
        const { total_puzzles, ...rest } = JSON.parse(a.toString()) as Record<string, unknown>;
        expect(rest, `${split}/${file}`).toEqual(JSON.parse(b.toString()));
        expect(total_puzzles).toBe((rest as { total_groups: number }).total_groups);
      } else expect(a.equals(b), `${split}/${file}`).toBe(true);
    }
  expect(readFileSync(join(ours, 'identifiers.json'), 'utf8')).toBe(
    readFileSync(join(official, task, 'identifiers.json'), 'utf8'),
  );
}

const lines = (path: string) => readFileSync(path, 'utf8');

describe('the same files as the official builders', () => {
  it('Sudoku-Extreme (sudoku): every array, dataset.json and identifiers.json', () => {
    const read = (split: string) => {
      const path = join(sources, 'sudoku-extreme', `${split}.csv`);
      const items = parseSudokuExtremeCsv(lines(path), path, SUDOKU_9);
      expect(items.problems).toEqual([]);
      return items.items;
    };
    const train = read('train');
    const test = read('test');
    const { out } = build(
      'sudoku',
      sudokuDataset(
        () => train,
        () => test,
        { shape: SUDOKU_9, numAug: 0, rng: createRng(0) },
      ),
    );
    expectSameFiles(out, 'sudoku');
  });

  it('Maze-Hard (maze): every array, dataset.json and identifiers.json', () => {
    const read = (split: string) => {
      const path = join(sources, 'maze-hard', `${split}.csv`);
      const items = parseMazeCsvRows(lines(path), path);
      expect(items.problems).toEqual([]);
      return items.items;
    };
    const { out } = build('maze', mazeDataset(read('train'), read('test'), { aug: false, rng: createRng(0) }));
    expectSameFiles(out, 'maze');
  });

  it('ARC: the same examples under the same puzzle names (the official order and offsets are random)', () => {
    const tasks = (sub: string) => loadArcTasks(join(sources, 'arc', sub)).items;
    const made = arcDataset(tasks('training'), tasks('evaluation'), { numAug: 0, rng: createRng(42) });
    if (E.isLeft(made)) throw new Error(made.left);
    const { out } = build('arc', made.right);
    const names = (root: string) => JSON.parse(readFileSync(join(root, 'identifiers.json'), 'utf8')) as string[];
    expect(new Set(names(out))).toEqual(new Set(names(join(official, 'arc'))));
    /** Each example as its puzzle's name and the grids it holds, wherever they were placed (EOS markers fall off the canvas at its edges, so only colour cells count). */
    const examples = (root: string, split: string) => {
      const r = readDatasetSplit(join(root, split));
      if (E.isLeft(r)) throw new Error(r.left);
      const ids = names(root);
      const box = (tokens: readonly number[]) => {
        const cells = tokens.flatMap((t, i) => (t < 2 ? [] : [[Math.floor(i / 30), i % 30] as const]));
        const r0 = Math.min(...cells.map(([r]) => r));
        const c0 = Math.min(...cells.map(([, c]) => c));
        return cells.map(([r, c]) => `${r - r0},${c - c0}:${tokens[r * 30 + c]}`).join(' ');
      };
      const { total_puzzles: _, ...metadata } = r.right.metadata;
      const rows = r.right.groups.flat(2).map((e) => `${ids[e.puzzleId]} ${box(e.inputs)} | ${box(e.labels)}`);
      return { rows: rows.sort(), metadata };
    };
    for (const split of SPLITS) {
      const ours = examples(out, split);
      const theirs = examples(join(official, 'arc'), split);
      expect(ours.rows, split).toEqual(theirs.rows);
      expect(ours.metadata, split).toEqual(theirs.metadata);
    }
    // The test split is not translated: its files are the official ones, byte for byte.
    for (const file of ['all__inputs.npy', 'all__labels.npy'])
      expect(readFileSync(join(out, 'test', file)).equals(readFileSync(join(official, 'arc', 'test', file)))).toBe(
        true,
      );
  });
});

describe('built datasets read back to what went in', () => {
  it('generated 4x4 Sudoku with 3 augmentations per puzzle: valid puzzles, test set = hrm eval’s', () => {
    const source = generatedDataset(SUDOKU4, { trainSize: 20, testSize: 10, seed: 1, numAug: 3, rng: createRng(5) });
    if (!source) throw new Error('sudoku4 is generated');
    const { out, groups, metadata } = build('sudoku4', source);
    for (const split of SPLITS) {
      const back = readDatasetSplit(join(out, split));
      if (E.isLeft(back)) throw new Error(back.left);
      expect(back.right.groups, split).toEqual(groups[split]);
    }
    expect(groups.train.map((g) => g.length)).toEqual(new Array(20).fill(4));
    expect(groups.test.flat(2)).toEqual(SUDOKU4.evalExamples(10));
    for (const ex of groups.train.flat(2)) {
      const grid = (t: readonly number[]) => t.map((x) => x - 1);
      expect(isSolutionOf(grid(ex.inputs), grid(ex.labels), SUDOKU_4)).toBe(true);
    }
    expect(metadata.train).toMatchObject({ vocab_size: 6, seq_len: 16, num_puzzle_identifiers: 1, total_groups: 20 });
    expect(metadata.train).toMatchObject({ total_puzzles: 80, mean_puzzle_examples: 1 });
  });

  it('generated 9x9 mazes with the 8 dihedral transforms', () => {
    const source = generatedDataset(MAZE9, { trainSize: 3, testSize: 2, seed: 0, numAug: 1, rng: createRng(0) });
    if (!source) throw new Error('maze9 is generated');
    const { out, groups } = build('maze9', source);
    expect(groups.train.map((g) => g.length)).toEqual([8, 8, 8]);
    const back = readDatasetSplit(join(out, 'train'));
    expect(E.isRight(back) && back.right.groups).toEqual(groups.train);
  });

  it('ARC with augmentations: distinct identifiers per augmentation, shared by an evaluation task’s splits', () => {
    const tasks = (sub: string) => loadArcTasks(join(sources, 'arc', sub)).items;
    const made = arcDataset(tasks('training'), tasks('evaluation'), { numAug: 5, rng: createRng(42) });
    if (E.isLeft(made)) throw new Error(made.left);
    const { out, groups, metadata } = build('arc-aug', made.right);
    const names = JSON.parse(readFileSync(join(out, 'identifiers.json'), 'utf8')) as string[];
    expect(names[0]).toBe('<blank>');
    expect(names.length).toBe(metadata.train.num_puzzle_identifiers);
    expect(names.filter((n) => /^[0-9a-f]{8}_t[0-7]_0\d{9}$/.test(n)).length).toBe(names.length - 3);
    expect(groups.train.map((g) => g.length)).toEqual([6, 6]);
    const testIds = new Set(groups.test.flat(2).map((e) => e.puzzleId));
    const evalTrainIds = new Set(groups.train[1].flat().map((e) => e.puzzleId));
    expect(testIds).toEqual(evalTrainIds);
    for (const split of SPLITS) {
      const back = readDatasetSplit(join(out, split));
      expect(E.isRight(back) && back.right.groups).toEqual(groups[split]);
    }
  });

  it('subsamples without replacement', () => {
    const s = sampleIndices(1000, 10, createRng(3));
    expect(s.size).toBe(10);
    expect([...s].every((i) => i >= 0 && i < 1000)).toBe(true);
    expect(sampleIndices(5, 5, createRng(1))).toEqual(new Set([0, 1, 2, 3, 4]));
  });
});

describe('hrm dataset build', () => {
  it('builds from a source folder and refuses to overwrite', async () => {
    const out = join(dir, 'cli-sudoku');
    const argv = ['build', '--task', 'sudoku-extreme', '--source', join(sources, 'sudoku-extreme'), '--out', out];
    const log = console.log;
    console.log = () => {};
    try {
      expect(await datasetCommand.run(parse(datasetCommand, argv))).toBe(0);
      expectSameFiles(out, 'sudoku');
      await expect(Promise.resolve().then(() => datasetCommand.run(parse(datasetCommand, argv)))).rejects.toThrow(
        /exists \(remove it, or pass --force\)/,
      );
    } finally {
      console.log = log;
    }
  });
});
