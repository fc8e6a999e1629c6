import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { IGNORE_LABEL, toBatch } from '../batch.js';
import { createRng } from '../rng.js';
import { trainBatches } from '../sampler.js';
import { augmentTask } from './augment.js';
import { allExamples, buildArcGroups, hrmArcSplits, samplerGroups } from './dataset.js';
import { ARC_PAD, ARC_SEQ_LEN, cropArcTokens } from './encoding.js';
import { PuzzleIdRegistry } from './ids.js';
import type { ArcTask } from './types.js';

const training: ArcTask = {
  id: 'tr',
  train: [
    { input: [[1, 2]], output: [[2, 1]] },
    { input: [[3, 4]], output: [[4, 3]] },
  ],
  test: [{ input: [[5, 6]], output: [[6, 5]] }],
};
const evaluation: ArcTask = {
  id: 'ev',
  train: [{ input: [[1], [2]], output: [[2], [1]] }],
  test: [{ input: [[7], [8]], output: [[8], [7]] }, { input: [[9], [1]] }],
};

describe('ARC datasets', () => {
  const registry = new PuzzleIdRegistry();
  const r = hrmArcSplits([training], [evaluation], 3, createRng(5), registry);
  if (E.isLeft(r)) throw new Error(r.left);
  const { train, test, augmentations } = r.right;

  it("follows HRM's split rule", () => {
    // Train: the training task (demos + test pairs) and the evaluation task's demos; test: its test pairs.
    expect(train.map((g) => g[0].examples.map((e) => `${e.meta.taskId}:${e.meta.from}${e.meta.index}`))).toEqual([
      ['tr:train0', 'tr:train1', 'tr:test0'],
      ['ev:train0'],
    ]);
    expect(test.map((g) => g[0].examples.map((e) => `${e.meta.taskId}:${e.meta.from}${e.meta.index}`))).toEqual([
      ['ev:test0', 'ev:test1'],
    ]);
    expect(train[0]).toHaveLength(augmentations.get('tr')?.length ?? -1);
    expect(train[0]).toHaveLength(4);
  });

  it('gives each (task, augmentation) one id, shared by the train and test splits, 0 left blank', () => {
    const ids = train.flatMap((g) => g.map((p) => p.puzzleId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(0);
    expect(registry.size).toBe(ids.length + 1);
    expect(test[0].map((p) => p.puzzleId)).toEqual(train[1].map((p) => p.puzzleId));
    for (const p of train.flat()) for (const e of p.examples) expect(e.puzzleId).toBe(p.puzzleId);
  });

  it('translates all train examples of a puzzle but one, and no test example', () => {
    for (const puzzle of train[0]) {
      // The fixed example sits at the top-left; the others are at random offsets (which may be 0, 0 too).
      expect(puzzle.examples.some((e) => e.meta.offset[0] === 0 && e.meta.offset[1] === 0)).toBe(true);
      for (const e of puzzle.examples) {
        const t = augmentTask(e.meta.augmentation, training);
        const pair = e.meta.from === 'train' ? t.train[e.meta.index] : t.test[e.meta.index];
        expect(cropArcTokens(e.inputs, e.meta.offset)).toEqual(pair.input);
        expect(cropArcTokens(e.labels, e.meta.offset)).toEqual(pair.output);
      }
    }
    const offsets = train[0].flatMap((p) => p.examples.map((e) => e.meta.offset.join()));
    expect(new Set(offsets).size).toBeGreaterThan(1);
    for (const e of allExamples(test)) expect(e.meta.offset).toEqual([0, 0]);
  });

  it('leaves the labels of a test input without output all PAD, ignored in the batch', () => {
    const hidden = test[0][0].examples[1];
    expect(hidden.labels.every((x) => x === ARC_PAD)).toBe(true);
    const b = toBatch([hidden], { seqLen: ARC_SEQ_LEN });
    if (E.isLeft(b)) throw b.left;
    expect((b.right.labels.toArray() as number[][])[0].every((x) => x === IGNORE_LABEL)).toBe(true);
  });

  it('refuses to train on a test pair without output', () => {
    expect(
      buildArcGroups([{ task: evaluation, augmentations: [] }], new PuzzleIdRegistry(), createRng(1), {
        pairs: 'both',
        translate: true,
      }),
    ).toEqual(E.left('task ev: test pair 1 has no output'));
  });

  it('feeds the sampler and builds batches', () => {
    const batches = [...trainBatches(samplerGroups(train), 2, createRng(3), { epochs: 2 })];
    expect(batches.length).toBeGreaterThan(0);
    const b = toBatch(batches[0], { seqLen: ARC_SEQ_LEN });
    if (E.isLeft(b)) throw b.left;
    expect(b.right.inputs.shape).toEqual([2, 900]);
  });
});
