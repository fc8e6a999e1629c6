import { describe, expect, it } from 'vitest';
import { dataPath, hasDataDir } from '../data-dir.js';
import { DIHEDRAL_IDS } from '../dihedral.js';
import { createRng } from '../rng.js';
import { arcAugmentations, augmentGrid, augmentTask, IDENTITY_AUGMENTATION, unaugmentGrid } from './augment.js';
import { randomColourPerm } from './colours.js';
import { loadArcTasks } from './files.js';
import { type ArcTask, gridProblem } from './types.js';

const TASK: ArcTask = {
  id: 't',
  train: [
    {
      input: [
        [0, 1, 2],
        [3, 4, 5],
      ],
      output: [[6, 7, 8, 9]],
    },
  ],
  test: [{ input: [[1], [2]] }],
};

describe('ARC augmentations', () => {
  it('are undone by their inverse for every transform and random colours', () => {
    const rng = createRng(4);
    const grid = TASK.train[0].input;
    for (const k of DIHEDRAL_IDS) {
      const aug = { dihedral: k, colours: randomColourPerm(rng) };
      const out = augmentGrid(aug, grid);
      expect(out.flat().filter((v) => v === 0)).toHaveLength(1);
      expect(unaugmentGrid(aug, out)).toEqual(grid);
    }
  });

  it('augment every grid of a task, keeping missing outputs missing', () => {
    const aug = { dihedral: 6 as const, colours: [0, 2, 1, 3, 4, 5, 6, 7, 8, 9] };
    const t = augmentTask(aug, TASK);
    expect(t.train[0].input).toEqual([
      [0, 3],
      [2, 4],
      [1, 5],
    ]);
    expect(t.test[0]).toEqual({ input: [[2, 1]] });
  });

  it('start with the identity and add distinct variants, as many as asked', () => {
    const augs = arcAugmentations(TASK, 20, createRng(1));
    expect(augs[0]).toEqual(IDENTITY_AUGMENTATION);
    expect(augs).toHaveLength(21);
    const tasks = augs.map((a) => JSON.stringify(augmentTask(a, TASK)));
    expect(new Set(tasks).size).toBe(21);
  });

  it('stop short for a task that looks the same under every augmentation', () => {
    // All-black square grids: colours fix 0 and every symmetry of the square maps them to themselves.
    const flat: ArcTask = {
      id: 'flat',
      train: [
        {
          input: [
            [0, 0],
            [0, 0],
          ],
          output: [[0]],
        },
      ],
      test: [{ input: [[0]] }],
    };
    expect(arcAugmentations(flat, 10, createRng(1))).toEqual([IDENTITY_AUGMENTATION]);
  });

  it.skipIf(!hasDataDir())('keep a real task valid and restorable', () => {
    const { items } = loadArcTasks(dataPath('arc-agi-1/training/007bbfb7.json'));
    const task = items[0];
    for (const aug of arcAugmentations(task, 8, createRng(2))) {
      const t = augmentTask(aug, task);
      const pairs = [...task.train, ...task.test];
      [...t.train, ...t.test].forEach((p, i) => {
        expect(gridProblem(p.input)).toBeUndefined();
        expect(unaugmentGrid(aug, p.input)).toEqual(pairs[i].input);
        if (p.output) expect(unaugmentGrid(aug, p.output)).toEqual(pairs[i].output);
      });
    }
  });
});
