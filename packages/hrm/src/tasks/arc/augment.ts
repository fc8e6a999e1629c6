/**
 * ARC augmentations as HRM builds them (`convert_single_arc_puzzle`): one dihedral transform with one
 * colour permutation, applied to every grid of a task (colours first, then the transform; the two
 * commute). The inverse maps a prediction back: inverse transform, then inverse colours.
 *
 * A task's augmentation list starts with the identity and adds random ones whose augmented task
 * differs from every one kept so far (symmetric tasks produce the same task under different
 * transforms), trying up to 5 times the asked count as the reference does; a task may end up with
 * fewer than asked, and the caller can see how many from the list's length.
 */
import { type DihedralId, dihedral, inverseDihedral } from '../dihedral.js';
import type { Rng } from '../rng.js';
import { applyColours, type ColourPerm, IDENTITY_COLOURS, invertColourPerm, randomColourPerm } from './colours.js';
import type { ArcGrid, ArcTask } from './types.js';

/** One ARC augmentation: a dihedral transform and a colour permutation, applied colours first. */
export interface ArcAugmentation {
  readonly dihedral: DihedralId;
  readonly colours: ColourPerm;
}

/** The augmentation that changes nothing: every task's first, so the original task is always trained on and voted with. */
export const IDENTITY_AUGMENTATION: ArcAugmentation = { dihedral: 0, colours: IDENTITY_COLOURS };

/** A grid under `aug`: its colours permuted, then transformed. */
export function augmentGrid(aug: ArcAugmentation, grid: ArcGrid): number[][] {
  return dihedral(applyColours(aug.colours, grid), aug.dihedral);
}

/** The inverse of `augmentGrid`: maps a grid predicted for an augmented task back to the original task's frame and colours. */
export function unaugmentGrid(aug: ArcAugmentation, grid: ArcGrid): number[][] {
  return applyColours(invertColourPerm(aug.colours), inverseDihedral(grid, aug.dihedral));
}

/** Every grid of `task` (train and test, inputs and the outputs it has) under `aug`; the id is kept. */
export function augmentTask(aug: ArcAugmentation, task: ArcTask): ArcTask {
  return {
    id: task.id,
    train: task.train.map((p) => ({ input: augmentGrid(aug, p.input), output: augmentGrid(aug, p.output) })),
    test: task.test.map((p) =>
      p.output === undefined
        ? { input: augmentGrid(aug, p.input) }
        : { input: augmentGrid(aug, p.input), output: augmentGrid(aug, p.output) },
    ),
  };
}

/** Equal for tasks with the same multiset of pairs (as the reference's `puzzle_hash`, which sorts them). */
function taskKey(task: ArcTask): string {
  return [...task.train, ...task.test]
    .map((p) => `${JSON.stringify(p.input)}|${JSON.stringify(p.output ?? null)}`)
    .sort()
    .join('\n');
}

export const AUGMENT_RETRIES_FACTOR = 5;

/** The identity followed by up to `count` random augmentations giving distinct tasks. */
export function arcAugmentations(task: ArcTask, count: number, rng: Rng): ArcAugmentation[] {
  const out: ArcAugmentation[] = [IDENTITY_AUGMENTATION];
  const seen = new Set([taskKey(task)]);
  for (let trial = 0; trial < AUGMENT_RETRIES_FACTOR * count && out.length < count + 1; trial++) {
    const aug: ArcAugmentation = { dihedral: rng.int(8) as DihedralId, colours: randomColourPerm(rng) };
    const key = taskKey(augmentTask(aug, task));
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(aug);
  }
  return out;
}
