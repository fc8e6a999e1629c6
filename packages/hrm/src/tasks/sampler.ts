/**
 * The order in which HRM feeds examples (`puzzle_dataset.py`), on plain arrays of examples.
 *
 * Data are grouped three levels deep: a *group* is an original puzzle with all its augmented versions;
 * a *puzzle* is one version (one puzzle id); a puzzle has one or more *examples* (ARC has several
 * demonstration pairs, Sudoku and Maze one). Training (`_iter_train`) shuffles the groups, and for
 * each group in turn picks one of its puzzles at random and as many of that puzzle's examples (random
 * order, no replacement) as still fit in the batch; the final partial batch is dropped. So an epoch
 * visits each original puzzle once, in one random augmentation. Evaluation (`_iter_test`) walks all
 * examples in order; pad its last batch with `toBatch(..., { padTo })`.
 */
import type { Example } from './batch.js';
import { type Rng, randomPermutation, shuffled } from './rng.js';

/** One puzzle version's examples. */
export type PuzzleExamples = readonly Example[];
/** An original puzzle's versions (the original and its augmentations). */
export type Group = readonly PuzzleExamples[];

/** Options of `trainBatches`: how many shuffled epochs to lay end to end before cutting them into batches. */
export interface TrainOrderOptions {
  /** Epochs to concatenate before batching (`epochs_per_iter`); batches may span an epoch boundary. */
  readonly epochs?: number;
}

/** Full training batches in HRM's order, deterministic for the state of `rng`. */
export function* trainBatches(
  groups: readonly Group[],
  batchSize: number,
  rng: Rng,
  opts: TrainOrderOptions = {},
): Generator<Example[]> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`trainBatches: batchSize must be a positive integer, got ${batchSize}`);
  groups.forEach((g, i) => {
    if (g.length === 0 || g.some((p) => p.length === 0))
      throw new RangeError(`trainBatches: group ${i} has no puzzles or an empty puzzle`);
  });
  const order: number[] = [];
  for (let e = 0; e < (opts.epochs ?? 1); e++) order.push(...randomPermutation(rng, groups.length));
  let next = 0;
  while (next < order.length) {
    const batch: Example[] = [];
    while (next < order.length && batch.length < batchSize) {
      const group = groups[order[next++]];
      const puzzle = group[rng.int(group.length)];
      const take = Math.min(puzzle.length, batchSize - batch.length);
      batch.push(...shuffled(rng, puzzle).slice(0, take));
    }
    // A short batch would change the effective batch size of one step, so HRM drops it.
    if (batch.length < batchSize) return;
    yield batch;
  }
}

/** Every example in order, `batchSize` at a time; the last chunk may be short. */
export function* testBatches(examples: readonly Example[], batchSize: number): Generator<Example[]> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`testBatches: batchSize must be a positive integer, got ${batchSize}`);
  for (let i = 0; i < examples.length; i += batchSize) yield examples.slice(i, i + batchSize);
}
