/**
 * ARC examples for a set of tasks x augmentations, grouped as HRM's sampler expects: a group per
 * task, a puzzle per (task, augmentation) with its own id, the examples of each pair under it.
 *
 * HRM's split rule (`build_arc_dataset.py`, `hrmArcSplits` here): every task's demonstrations go to
 * *train*; a training task's test pairs go to train as well, while an evaluation task's test pairs
 * form the *test* split. So evaluation tasks' demonstrations and ids are trained on and only their
 * test outputs are held out. In the train split every example of a puzzle but one (chosen at random)
 * is placed at a random offset on the canvas; the test split stays at the top-left, where `crop`
 * reads predictions back.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Example } from '../batch.js';
import type { Rng } from '../rng.js';
import type { Group } from '../sampler.js';
import { type ArcAugmentation, arcAugmentations, augmentTask } from './augment.js';
import { encodeArcPair, type Offset, randomArcOffset } from './encoding.js';
import { arcPuzzleName, type PuzzleIdRegistry } from './ids.js';
import type { ArcTask } from './types.js';

/** Where an ARC example came from: its task, puzzle (task × augmentation), pair and canvas offset, for reading its prediction back. */
export interface ArcExampleMeta {
  readonly taskId: string;
  readonly puzzleName: string;
  readonly augmentation: ArcAugmentation;
  /** The task list the pair comes from, and its index there. */
  readonly from: 'train' | 'test';
  readonly index: number;
  readonly offset: Offset;
}

export interface ArcExample extends Example {
  readonly meta: ArcExampleMeta;
}

/** One (task, augmentation) variant: its puzzle name and id, and the examples of its pairs. */
export interface ArcPuzzle {
  readonly name: string;
  readonly puzzleId: number;
  readonly examples: readonly ArcExample[];
}

/** A task's puzzles, one per augmentation. */
export type ArcGroup = readonly ArcPuzzle[];

/** How `buildArcGroups` turns tasks into examples: which pairs, and whether to translate them on the canvas. */
export interface ArcBuildOptions {
  /** Which pairs become examples: the demonstrations, the test pairs, or both. */
  readonly pairs: 'train' | 'test' | 'both';
  /** Place every example of a puzzle but one at a random offset (HRM's train split). */
  readonly translate: boolean;
  /** Allow test pairs without an output (their labels are all PAD, so ignored). Default false. */
  readonly allowMissingOutputs?: boolean;
}

/** A task and the augmentations to build it under. */
export interface ArcTaskAugmentations {
  readonly task: ArcTask;
  /** Usually from `arcAugmentations`, the identity first. */
  readonly augmentations: readonly ArcAugmentation[];
}

/**
 * A group per task, a puzzle per augmentation (its id from `registry`), an example per chosen pair.
 * Left naming the task when a test pair lacks an output that `opts` needs.
 */
export function buildArcGroups(
  entries: readonly ArcTaskAugmentations[],
  registry: PuzzleIdRegistry,
  rng: Rng,
  opts: ArcBuildOptions,
): E.Either<string, ArcGroup[]> {
  const groups: ArcGroup[] = [];
  for (const { task, augmentations } of entries) {
    if (!opts.allowMissingOutputs && opts.pairs !== 'train') {
      const missing = task.test.findIndex((p) => p.output === undefined);
      if (missing >= 0) return E.left(`task ${task.id}: test pair ${missing} has no output`);
    }
    const group: ArcPuzzle[] = [];
    for (const aug of augmentations) {
      const name = arcPuzzleName(task.id, aug);
      const puzzleId = registry.idOf(name);
      const t = augmentTask(aug, task);
      const pairs = [
        ...(opts.pairs === 'test' ? [] : t.train.map((p, index) => ({ ...p, from: 'train' as const, index }))),
        ...(opts.pairs === 'train' ? [] : t.test.map((p, index) => ({ ...p, from: 'test' as const, index }))),
      ];
      const fixed = rng.int(Math.max(1, pairs.length));
      const examples = pairs.map((p, k): ArcExample => {
        const offset: Offset = opts.translate && k !== fixed ? randomArcOffset(rng, p.input, p.output) : [0, 0];
        const { inputs, labels } = encodeArcPair(p.input, p.output, offset);
        const meta = { taskId: task.id, puzzleName: name, augmentation: aug, from: p.from, index: p.index, offset };
        return { inputs, labels, puzzleId, meta };
      });
      group.push({ name, puzzleId, examples });
    }
    groups.push(group);
  }
  return E.right(groups);
}

/** The groups in the shape `trainBatches` takes. */
export function samplerGroups(groups: readonly ArcGroup[]): Group[] {
  return groups.map((g) => g.map((p) => p.examples));
}

/** Every example of the groups in order (for `testBatches`). */
export function allExamples(groups: readonly ArcGroup[]): ArcExample[] {
  return groups.flatMap((g) => g.flatMap((p) => p.examples));
}

/** HRM's ARC splits from `hrmArcSplits`: the train and test groups, and the augmentations each task got. */
export interface ArcSplits {
  readonly train: ArcGroup[];
  readonly test: ArcGroup[];
  /** The augmentations drawn per task id, the identity first. */
  readonly augmentations: ReadonlyMap<string, readonly ArcAugmentation[]>;
}

/** HRM's train and test splits for training and evaluation tasks, with `numAug` augmentations per task. */
export function hrmArcSplits(
  training: readonly ArcTask[],
  evaluation: readonly ArcTask[],
  numAug: number,
  rng: Rng,
  registry: PuzzleIdRegistry,
): E.Either<string, ArcSplits> {
  const augmentations = new Map<string, readonly ArcAugmentation[]>();
  for (const task of [...training, ...evaluation]) {
    if (augmentations.has(task.id)) return E.left(`task id ${task.id} appears twice`);
    augmentations.set(task.id, arcAugmentations(task, numAug, rng));
  }
  const entry = (task: ArcTask): ArcTaskAugmentations => ({ task, augmentations: augmentations.get(task.id) ?? [] });
  const trainTasks = buildArcGroups(training.map(entry), registry, rng, { pairs: 'both', translate: true });
  if (E.isLeft(trainTasks)) return trainTasks;
  const evalDemos = buildArcGroups(evaluation.map(entry), registry, rng, { pairs: 'train', translate: true });
  if (E.isLeft(evalDemos)) return evalDemos;
  const test = buildArcGroups(evaluation.map(entry), registry, rng, {
    pairs: 'test',
    translate: false,
    allowMissingOutputs: true,
  });
  if (E.isLeft(test)) return test;
  return E.right({ train: [...trainTasks.right, ...evalDemos.right], test: test.right, augmentations });
}
