/**
 * Sudoku datasets as the official `dataset/build_sudoku_dataset.py` builds them: each training puzzle a
 * group of its own, holding the original and `numAug` augmentations (digits, transpose, bands and rows,
 * stacks and columns: `shuffle_sudoku`, here `randomSudokuAugmentation`), one example per puzzle; test
 * puzzles never augmented; an optional random subsample of the training puzzles; every puzzle identifier
 * 0 (`identifiers.json` is `["<blank>"]`); tokens PAD 0, blank 1, digit d → d + 1.
 *
 * The official source is Sudoku-Extreme's CSV (`source,question,answer,rating`, `.` for a blank), read row
 * by row by `sudokuExtremeRow`; the tdoku lists (puzzles only, solved here) work too.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Example } from '../tasks/batch.js';
import { type Checked, numberedLines, type Problem, problem } from '../tasks/problems.js';
import type { Rng } from '../tasks/rng.js';
import { applySudokuAugmentation, randomSudokuAugmentation } from '../tasks/sudoku/augment.js';
import { sudokuExample, sudokuSeqLen, sudokuVocabSize } from '../tasks/sudoku/encoding.js';
import { isSolutionOf, parseGrid } from '../tasks/sudoku/grid.js';
import type { SudokuGrid, SudokuShape } from '../tasks/sudoku/shape.js';
import type { DatasetSource } from './layout.js';

/** A puzzle and its solution. */
export interface LabelledSudoku {
  readonly puzzle: SudokuGrid;
  readonly solution: SudokuGrid;
}

/** Sudoku-Extreme's CSV header. */
export const SUDOKU_EXTREME_HEADER = 'source,question,answer,rating';

/**
 * One data row of a Sudoku-Extreme CSV (`source,question,answer,rating`, `.` for a blank): the puzzle,
 * undefined when rated below `minDifficulty`, or why the row is bad (wrong length, a bad character, an
 * answer that does not solve the question).
 */
export function sudokuExtremeRow(
  row: string,
  shape: SudokuShape,
  minDifficulty?: number,
): E.Either<string, LabelledSudoku | undefined> {
  const fields = row.split(',');
  if (fields.length !== 4) return E.left(`expected 4 fields, got ${fields.length}`);
  const [, q, a, rating] = fields;
  if (minDifficulty !== undefined && !(Number(rating) >= minDifficulty)) return E.right(undefined);
  const puzzle = parseGrid(q, shape);
  if (E.isLeft(puzzle)) return E.left(`question: ${puzzle.left}`);
  const solution = parseGrid(a, shape);
  if (E.isLeft(solution)) return E.left(`answer: ${solution.left}`);
  if (!isSolutionOf(puzzle.right, solution.right, shape)) return E.left('the answer does not solve the question');
  return E.right({ puzzle: puzzle.right, solution: solution.right });
}

/** The puzzles of a whole Sudoku-Extreme CSV's text (small files; the command streams large ones). */
export function parseSudokuExtremeCsv(
  text: string,
  source: string,
  shape: SudokuShape,
  minDifficulty?: number,
): Checked<LabelledSudoku> {
  const items: LabelledSudoku[] = [];
  const problems: Problem[] = [];
  for (const { line, text: row } of numberedLines(text)) {
    if (line === 1) {
      if (row.trim() !== SUDOKU_EXTREME_HEADER)
        problems.push(problem(source, `the header is not ${SUDOKU_EXTREME_HEADER}`, line));
      continue;
    }
    const r = sudokuExtremeRow(row, shape, minDifficulty);
    if (E.isLeft(r)) problems.push(problem(source, r.left, line));
    else if (r.right) items.push(r.right);
  }
  return { items, problems };
}

/** `k` distinct indices below `n`, uniformly (Floyd's algorithm: k draws, whatever n). */
export function sampleIndices(n: number, k: number, rng: Rng): Set<number> {
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return chosen;
}

export interface SudokuDatasetOptions {
  readonly shape: SudokuShape;
  /** Augmentations per training puzzle, besides the original (1000 for the 1k sets). */
  readonly numAug: number;
  /** Keep this many training puzzles, drawn at random (`--subsample-size`). */
  readonly subsample?: number | undefined;
  readonly rng: Rng;
}

/**
 * The dataset of the `train` and `test` puzzles, as the official builder lays it out. The puzzles are
 * iterated, not held (Sudoku-Extreme has 3.8 million): a subsample counts the training puzzles in a first
 * pass and keeps a random `subsample` of them in a second.
 */
export function sudokuDataset(
  train: () => Iterable<LabelledSudoku>,
  test: () => Iterable<LabelledSudoku>,
  opts: SudokuDatasetOptions,
): DatasetSource {
  const { shape, numAug, rng } = opts;
  function* kept(): Generator<LabelledSudoku> {
    if (opts.subsample === undefined) return yield* train();
    let n = 0;
    for (const _ of train()) n++;
    const chosen = sampleIndices(n, Math.min(n, opts.subsample), rng);
    let i = 0;
    for (const item of train()) if (chosen.has(i++)) yield item;
  }
  return {
    vocabSize: sudokuVocabSize(shape),
    seqLen: sudokuSeqLen(shape),
    *groups(split) {
      for (const item of split === 'train' ? kept() : test()) {
        const puzzles: Example[][] = [[sudokuExample(item.puzzle, item.solution)]];
        for (let k = 0; split === 'train' && k < numAug; k++) {
          const aug = randomSudokuAugmentation(shape, rng);
          puzzles.push([
            sudokuExample(applySudokuAugmentation(aug, item.puzzle), applySudokuAugmentation(aug, item.solution)),
          ]);
        }
        yield puzzles;
      }
    },
    identifiers: () => ['<blank>'],
  };
}
