import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { dataPath, hasDataDir } from '../data-dir.js';
import { createRng } from '../rng.js';
import { type ArcAugmentation, arcAugmentations, augmentGrid, IDENTITY_AUGMENTATION } from './augment.js';
import { allExamples, buildArcGroups } from './dataset.js';
import { encodeArcGrid } from './encoding.js';
import { loadArcTasks } from './files.js';
import { arcPuzzleName, PuzzleIdRegistry } from './ids.js';
import type { ArcGrid, ArcTask } from './types.js';
import { type ArcPrediction, type ArcVotes, collectVotes, rankCandidates, scoreArc } from './vote.js';

const A = [[1, 2]];
const B = [[2, 1]];
const C = [[3]];
const logit = (p: number) => Math.log(p / (1 - p));

/** What the model would output for `grid` (in the original frame) on the variant `aug`. */
function predict(taskId: string, testIndex: number, aug: ArcAugmentation, grid: ArcGrid, q: number): ArcPrediction {
  return {
    puzzleName: arcPuzzleName(taskId, aug),
    testIndex,
    tokens: encodeArcGrid(augmentGrid(aug, grid)),
    qHaltLogit: logit(q),
  };
}

const votesOf = (preds: ArcPrediction[]): ArcVotes => {
  const r = collectVotes(preds);
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};

describe('ARC voting', () => {
  it('ranks by votes, then by mean q_halt probability, then by first appearance', () => {
    const ranked = rankCandidates([
      { grid: B, q: 0.9 },
      { grid: A, q: 0.1 },
      { grid: A, q: 0.2 },
      { grid: C, q: 0.95 },
      { grid: A, q: 0.3 },
      { grid: B, q: 0.9 },
    ]);
    expect(ranked.map((c) => [c.grid, c.votes])).toEqual([
      [A, 3],
      [B, 2],
      [C, 1],
    ]);
    expect(ranked[0].meanQ).toBeCloseTo(0.2);
    const tie = rankCandidates([
      { grid: A, q: 0.3 },
      { grid: B, q: 0.8 },
      { grid: A, q: 0.3 },
      { grid: B, q: 0.8 },
      { grid: C, q: 0.5 },
      { grid: [[4]], q: 0.5 },
    ]);
    expect(tie.map((c) => c.grid)).toEqual([B, A, C, [[4]]]);
  });

  it('maps predictions back through their augmentation before voting', () => {
    const rng = createRng(6);
    const task: ArcTask = {
      id: 'x',
      train: [{ input: A, output: B }],
      test: [
        {
          input: A,
          output: [
            [1, 2],
            [3, 4],
          ],
        },
      ],
    };
    const augs = arcAugmentations(task, 7, rng);
    const right = [
      [1, 2],
      [3, 4],
    ];
    // Five variants say the right grid with low confidence, three say a wrong one confidently.
    const preds = augs.map((aug, i) => (i < 5 ? predict('x', 0, aug, right, 0.2) : predict('x', 0, aug, C, 0.99)));
    const ranked = votesOf(preds).get('x')?.get(0) ?? [];
    expect(ranked.map((c) => [c.grid, c.votes])).toEqual([
      [right, 5],
      [C, 3],
    ]);
    expect(ranked[0].meanQ).toBeCloseTo(0.2);
  });

  it('scores pass@K with HRM (all test inputs) and TRM (fraction) aggregation', () => {
    const two: ArcTask = {
      id: 'two',
      train: [{ input: A, output: A }],
      test: [
        { input: A, output: A },
        { input: B, output: B },
      ],
    };
    const one: ArcTask = { id: 'one', train: [{ input: A, output: A }], test: [{ input: C, output: C }] };
    const id = IDENTITY_AUGMENTATION;
    const flip: ArcAugmentation = { dihedral: 4, colours: [0, 3, 1, 2, 4, 5, 6, 7, 8, 9] };
    const votes = votesOf([
      // "two": test 0 right at pass@1; test 1 wrong first, right second (pass@2 only).
      predict('two', 0, id, A, 0.9),
      predict('two', 1, id, C, 0.9),
      predict('two', 1, flip, C, 0.9),
      predict('two', 1, flip, B, 0.5),
      // "one": right at pass@1.
      predict('one', 0, flip, C, 0.5),
    ]);
    const r = scoreArc([two, one], votes, [1, 2]);
    if (E.isLeft(r)) throw new Error(r.left);
    expect(r.right.allTestsSolved).toEqual([0.5, 1]);
    expect(r.right.meanTestFraction).toEqual([0.75, 1]);
    expect(r.right.perTask[0].correct).toEqual([
      [true, false],
      [true, true],
    ]);
  });

  it('counts a test input with no prediction as wrong, and needs outputs to score', () => {
    const task: ArcTask = { id: 'q', train: [{ input: A, output: A }], test: [{ input: A, output: A }] };
    expect(scoreArc([task], votesOf([]))).toMatchObject(E.right({ allTestsSolved: [0, 0], meanTestFraction: [0, 0] }));
    expect(scoreArc([{ ...task, test: [{ input: A }] }], votesOf([]))).toEqual(
      E.left('task q: test input 0 has no output to score against'),
    );
  });

  it('rejects predictions it cannot place', () => {
    const p = { puzzleName: 'nope', testIndex: 0, tokens: new Array<number>(900).fill(0), qHaltLogit: 0 };
    expect(collectVotes([p])).toEqual(E.left('prediction 0: puzzle name "nope" is not <task>|t<k>|<10 colour digits>'));
    expect(collectVotes([{ ...p, puzzleName: 'a|t0|0123456789', testIndex: -1 }])).toEqual(
      E.left('prediction 0: test index -1 is not a non-negative integer'),
    );
  });

  it.skipIf(!hasDataDir())('solves a real evaluation task when every augmented variant predicts its label', () => {
    const { items } = loadArcTasks(dataPath('arc-agi-1/evaluation'));
    const tasks = items.slice(0, 3);
    const registry = new PuzzleIdRegistry();
    const rng = createRng(1);
    const groups = buildArcGroups(
      tasks.map((task) => ({ task, augmentations: arcAugmentations(task, 4, rng) })),
      registry,
      rng,
      { pairs: 'test', translate: false },
    );
    if (E.isLeft(groups)) throw new Error(groups.left);
    // A perfect model outputs each example's label canvas; the puzzle name comes back from its id.
    const preds = allExamples(groups.right).map((e) => ({
      puzzleName: registry.nameOf(e.puzzleId) ?? '',
      testIndex: e.meta.index,
      tokens: e.labels,
      qHaltLogit: 1,
    }));
    const r = scoreArc(tasks, votesOf(preds), [1]);
    expect(r).toMatchObject(E.right({ tasks: 3, allTestsSolved: [1], meanTestFraction: [1] }));
  });
});
