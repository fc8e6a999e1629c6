/**
 * ARC datasets as the official `dataset/build_arc_dataset.py` builds them: each task a group, holding the
 * original and up to `numAug` distinct augmentations (a dihedral transform with a permutation of colours
 * 1–9; up to 5 × numAug tries; `arcAugmentations`), each augmentation a puzzle with its own identifier.
 * A training task's pairs (demonstrations and tests) all go to the train split; an evaluation task's
 * demonstrations go to train and its test pairs to test. In the train split every example of a puzzle but
 * one is placed at a random offset on the 30x30 canvas. Tokens PAD 0, EOS 1, colour c → c + 2.
 *
 * Identifiers are assigned as puzzles are first met, 0 being the blank; `identifiers.json` names them as
 * the official builder does: the task id for the original, `<task>_t<k>_<10 colour digits>` for an
 * augmentation. Tasks are built one at a time, so memory does not grow with the augmentation count.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type ArcAugmentation, arcAugmentations } from '../tasks/arc/augment.js';
import { type ArcBuildOptions, buildArcGroups, samplerGroups } from '../tasks/arc/dataset.js';
import { ARC_SEQ_LEN, ARC_VOCAB_SIZE } from '../tasks/arc/encoding.js';
import { BLANK_PUZZLE_NAME, PuzzleIdRegistry, parseArcPuzzleName } from '../tasks/arc/ids.js';
import type { ArcTask } from '../tasks/arc/types.js';
import type { Rng } from '../tasks/rng.js';
import type { Group } from '../tasks/sampler.js';
import type { DatasetSource } from './layout.js';

/** A puzzle name of this library (`<task>|t<k>|<colours>`) as the official builder writes it. */
export function officialArcName(name: string): string {
  if (name === BLANK_PUZZLE_NAME) return name;
  const parsed = parseArcPuzzleName(name);
  if (E.isLeft(parsed)) throw new Error(parsed.left);
  const { taskId, aug } = parsed.right;
  const identity = aug.dihedral === 0 && aug.colours.every((c, i) => c === i);
  return identity ? taskId : `${taskId}_t${aug.dihedral}_${aug.colours.join('')}`;
}

export interface ArcDatasetOptions {
  /** Augmentations per task besides the original (1000 in HRM). */
  readonly numAug: number;
  readonly rng: Rng;
}

/**
 * The dataset of `training` tasks (every pair trained on) and `evaluation` tasks (demonstrations trained on,
 * test pairs held out), or why it cannot be built (a task id twice).
 */
export function arcDataset(
  training: readonly ArcTask[],
  evaluation: readonly ArcTask[],
  opts: ArcDatasetOptions,
): E.Either<string, DatasetSource> {
  const seen = new Set<string>();
  for (const t of [...training, ...evaluation]) {
    if (seen.has(t.id)) return E.left(`task id ${t.id} appears twice`);
    seen.add(t.id);
  }
  const registry = new PuzzleIdRegistry();
  // An evaluation task's demonstrations and tests must share its augmentations (and so its identifiers).
  const augmentations = new Map<string, readonly ArcAugmentation[]>();
  const augmentationsOf = (task: ArcTask) => {
    let augs = augmentations.get(task.id);
    if (!augs) {
      augs = arcAugmentations(task, opts.numAug, opts.rng);
      augmentations.set(task.id, augs);
    }
    return augs;
  };
  function* build(tasks: readonly ArcTask[], how: ArcBuildOptions): Generator<Group> {
    for (const task of tasks) {
      const made = buildArcGroups([{ task, augmentations: augmentationsOf(task) }], registry, opts.rng, how);
      if (E.isLeft(made)) throw new Error(made.left);
      yield* samplerGroups(made.right);
    }
  }
  return E.right({
    vocabSize: ARC_VOCAB_SIZE,
    seqLen: ARC_SEQ_LEN,
    *groups(split) {
      if (split === 'train') {
        yield* build(training, { pairs: 'both', translate: true });
        yield* build(evaluation, { pairs: 'train', translate: true });
      } else yield* build(evaluation, { pairs: 'test', translate: false, allowMissingOutputs: true });
    },
    identifiers: () => registry.toNames().map(officialArcName),
  });
}
