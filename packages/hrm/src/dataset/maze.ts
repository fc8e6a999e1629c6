/**
 * Maze datasets as the official `dataset/build_maze_dataset.py` builds them: each maze a group of its own,
 * with one puzzle, or with the 8 dihedral transforms of the maze as 8 puzzles when `aug` is on (training
 * only; off by default, as HRM trains Maze-Hard); an optional random subsample of the training mazes;
 * every identifier 0; tokens `"# SGo"` → 1..5, PAD 0; the sequence the H·W cells of a square grid.
 *
 * Rows come from a CSV in the official form (`source,question,answer,rating`, as Sapient's Hugging Face
 * set has them) or in the data folder's (`question,answer`); each is checked as `checkMazeRow` checks it.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Example } from '../tasks/batch.js';
import { DIHEDRAL_IDS } from '../tasks/dihedral.js';
import { dihedralMaze } from '../tasks/maze/augment.js';
import { MAZE_VOCAB_SIZE, mazeExample } from '../tasks/maze/encoding.js';
import type { Maze } from '../tasks/maze/grid.js';
import { checkMazeRow } from '../tasks/maze/load.js';
import { type Checked, numberedLines, type Problem, problem } from '../tasks/problems.js';
import { type Rng, shuffled } from '../tasks/rng.js';
import type { DatasetSource } from './layout.js';

export interface MazePair {
  readonly question: Maze;
  readonly answer: Maze;
}

/** The mazes of a CSV with either header; every maze must be square and of the first one's size. */
export function parseMazeCsvRows(text: string, source: string): Checked<MazePair> {
  const items: MazePair[] = [];
  const problems: Problem[] = [];
  let columns: readonly [number, number] | undefined;
  let side: number | undefined;
  for (const { line, text: row } of numberedLines(text)) {
    if (line === 1) {
      const header = row.trim();
      columns = header === 'source,question,answer,rating' ? [1, 2] : header === 'question,answer' ? [0, 1] : undefined;
      if (!columns) {
        problems.push(problem(source, 'the header is neither source,question,answer,rating nor question,answer', line));
        return { items, problems };
      }
      continue;
    }
    const fields = row.split(',');
    const q = fields[columns?.[0] ?? 0] ?? '';
    const a = fields[columns?.[1] ?? 1] ?? '';
    side ??= Math.round(Math.sqrt(q.length));
    if (side * side !== q.length) {
      problems.push(problem(source, `a maze of ${q.length} cells is not square`, line));
      continue;
    }
    const checked = checkMazeRow(`${q},${a}`, side, side, false);
    if (E.isLeft(checked)) problems.push(problem(source, checked.left, line));
    else items.push({ question: checked.right.question, answer: checked.right.answer });
  }
  return { items, problems };
}

export interface MazeDatasetOptions {
  /** The 8 dihedral transforms of each training maze as puzzles (`--aug`). */
  readonly aug: boolean;
  readonly subsample?: number | undefined;
  readonly rng: Rng;
}

/** The dataset of `train` and `test` mazes (all of one square size), as the official builder lays it out. */
export function mazeDataset(
  train: readonly MazePair[],
  test: readonly MazePair[],
  opts: MazeDatasetOptions,
): DatasetSource {
  const first = train[0] ?? test[0];
  const kept =
    opts.subsample !== undefined && opts.subsample < train.length
      ? shuffled(opts.rng, train).slice(0, opts.subsample)
      : train;
  return {
    vocabSize: MAZE_VOCAB_SIZE,
    seqLen: first ? first.question.height * first.question.width : 0,
    *groups(split) {
      for (const m of split === 'train' ? kept : test) {
        const transforms = split === 'train' && opts.aug ? DIHEDRAL_IDS : ([0] as const);
        yield transforms.map((k): Example[] => [mazeExample(dihedralMaze(m.question, k), dihedralMaze(m.answer, k))]);
      }
    },
    identifiers: () => ['<blank>'],
  };
}
