/**
 * Presets on data files (in the data folder: `--data`, else `HRM_DATA`, see tasks/data-dir.ts): the hard
 * 9x9 Sudoku lists, which come without solutions and are labelled by the solver, and Maze-Hard 30x30.
 * Full-scale training on these needs a GPU; on a CPU the pipeline runs end to end (load, label, train a
 * little, evaluate) and reports honest numbers. The files are read on first use (solving a typed
 * puzzle needs none of them); a missing file, an empty one or a bad line is an error naming it.
 */
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Batch } from '../reasoner.js';
import {
  applySudokuAugmentation,
  createRng,
  MAZE_VOCAB_SIZE,
  mazeExample,
  randomSudokuAugmentation,
  SUDOKU_9,
  type SudokuGrid,
  sudokuExample,
  toBatch,
} from '../tasks/index.js';
import { dataDir, loadMazeCsv, loadSudokuFile } from '../tasks/node.js';
import { must, once, requireDataFiles } from './data-folder.js';
import { mazePreset } from './maze.js';
import { SMALL_MODEL, type TaskPreset } from './preset.js';
import { sudokuPreset } from './sudoku.js';

/** The Sudoku-hard lists, in the data folder. */
const SUDOKU_HARD = {
  train: 'sudoku/tdoku_puzzles2_17_clue.txt',
  test: 'sudoku/tdoku_puzzles3_magictour_top1465.txt',
} as const;
/** Maze-Hard's training and test mazes, in the data folder. */
const MAZE_HARD = { train: 'maze-30x30-hard-1k/train.csv', test: 'maze-30x30-hard-1k/test.csv' } as const;

/**
 * A training batch of 9x9 puzzles drawn from `items` at random, each under its own random augmentation
 * (digit, band, row, stack, column permutations and transpose): the same for every seed and step.
 */
export function augmentedSudokuBatch(
  items: readonly { readonly puzzle: SudokuGrid; readonly solution: SudokuGrid }[],
  seed: number,
  step: number,
  batchSize: number,
): Batch {
  const rng = createRng(seed * 1_000_003 + step);
  const examples = Array.from({ length: batchSize }, () => {
    const item = items[rng.int(items.length)] as (typeof items)[number];
    const aug = randomSudokuAugmentation(SUDOKU_9, rng);
    return sudokuExample(applySudokuAugmentation(aug, item.puzzle), applySudokuAugmentation(aug, item.solution));
  });
  const b = toBatch(examples, { seqLen: 81 });
  if (E.isLeft(b)) throw b.left;
  return b.right;
}

/**
 * Sudoku-hard: trained on the 17-clue list (easy by search, minimal in clues), each puzzle under a
 * random augmentation (digit, band, row, stack, column permutations and transpose) per use; evaluated
 * on the magictour top-1465 list (moderately hard), never trained on.
 */
export function sudokuHardPreset(dir: string = dataDir()): TaskPreset {
  const base = sudokuPreset({
    name: 'sudoku-hard',
    shape: SUDOKU_9,
    givens: [17, 17],
    model: {
      hidden: 128,
      heads: 4,
      hLayers: 2,
      lLayers: 2,
      expansion: 2,
      multipleOf: 32,
      numPuzzleIdentifiers: 1,
      haltMaxSteps: 8,
      posEncodings: 'learned',
    },
    train: {
      batchSize: 32,
      lr: 1e-3,
      lrWarmupSteps: 50,
      lrMinRatio: 1,
      puzzleEmbLr: 1e-3,
      weightDecay: 0.1,
      puzzleEmbWeightDecay: 0.1,
    },
  });
  const load = (file: string) =>
    once(() => {
      requireDataFiles('sudoku-hard', dir, Object.values(SUDOKU_HARD));
      return must(loadSudokuFile(join(dir, file)), join(dir, file));
    });
  const train = load(SUDOKU_HARD.train);
  const test = load(SUDOKU_HARD.test);
  return {
    ...base,
    summary: '9x9 Sudoku: trained on the 17-clue list (augmented), evaluated on magictour top-1465 (hard)',
    trainBatch: (seed, step, batchSize) => augmentedSudokuBatch(train(), seed, step, batchSize),
    evalExamples: (n) =>
      test()
        .slice(0, n)
        .map((item) => sudokuExample(item.puzzle, item.solution)),
  };
}

/** Maze-Hard 30x30 (HRM's set): trained on its 1,000 training mazes, evaluated on the test mazes. */
export function mazeHardPreset(dir: string = dataDir()): TaskPreset {
  const base = mazePreset(
    'maze-hard',
    30,
    {
      ...SMALL_MODEL,
      haltMaxSteps: 4,
      posEncodings: 'learned',
    },
    {
      batchSize: 8,
      lr: 1e-3,
      lrWarmupSteps: 20,
      lrMinRatio: 1,
      puzzleEmbLr: 1e-3,
      weightDecay: 1,
      puzzleEmbWeightDecay: 1,
    },
  );
  const load = (file: string) =>
    once(() => {
      requireDataFiles('maze-hard', dir, Object.values(MAZE_HARD));
      return must(loadMazeCsv(join(dir, file)), join(dir, file)).map((m) => mazeExample(m.question, m.answer));
    });
  const train = load(MAZE_HARD.train);
  const test = load(MAZE_HARD.test);
  return {
    ...base,
    summary: 'Maze-Hard 30x30 (HRM): 1,000 training mazes, evaluated on the test mazes',
    model: { ...base.model, vocabSize: MAZE_VOCAB_SIZE, seqLen: 900 },
    trainBatch: (seed, step, batchSize) => {
      const items = train();
      const rng = createRng(seed * 1_000_003 + step);
      const b = toBatch(
        Array.from({ length: batchSize }, () => items[rng.int(items.length)]),
        { seqLen: 900 },
      );
      if (E.isLeft(b)) throw b.left;
      return b.right;
    },
    evalExamples: (n) => test().slice(0, n),
  };
}
