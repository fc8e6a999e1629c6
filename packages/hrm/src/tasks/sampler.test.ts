import { describe, expect, it } from 'vitest';
import type { Example } from './batch.js';
import { createRng } from './rng.js';
import { type Group, testBatches, trainBatches } from './sampler.js';

const ex = (group: number, puzzle: number, k: number): Example => ({
  inputs: [group, puzzle, k],
  labels: [0, 0, 0],
  puzzleId: group * 10 + puzzle,
});

// 5 groups of 3 puzzles (augmentations), each puzzle with group+1 examples.
const groups: Group[] = Array.from({ length: 5 }, (_, g) =>
  Array.from({ length: 3 }, (_, p) => Array.from({ length: g + 1 }, (_, k) => ex(g, p, k))),
);

describe('HRM sampler', () => {
  it('fills batches group by group, one puzzle per group visit, and drops the short last batch', () => {
    const batches = [...trainBatches(groups, 4, createRng(1))];
    // 1+2+3+4+5 = 15 examples at most per epoch; every batch is full.
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) expect(b).toHaveLength(4);
    const seen = batches.flat();
    // No example twice within one epoch, and each group's examples come from one puzzle.
    expect(new Set(seen.map((e) => e.inputs.join())).size).toBe(seen.length);
    for (let g = 0; g < 5; g++)
      expect(new Set(seen.filter((e) => e.inputs[0] === g).map((e) => e.puzzleId)).size).toBeLessThanOrEqual(1);
  });

  it('is deterministic for a seed and covers more epochs when asked', () => {
    const a = [...trainBatches(groups, 3, createRng(2), { epochs: 3 })];
    const b = [...trainBatches(groups, 3, createRng(2), { epochs: 3 })];
    expect(a).toEqual(b);
    expect(a.flat().length).toBeGreaterThan(15);
  });

  it('walks test examples in order with a short last batch', () => {
    const all = groups.flat(2);
    const batches = [...testBatches(all, 4)];
    // 5 groups x 3 puzzles x (1..5) examples = 45 = 11 x 4 + 1.
    expect(batches.map((b) => b.length)).toEqual([...new Array<number>(11).fill(4), 1]);
    expect(batches.flat()).toEqual(all);
  });

  it('rejects a bad batch size and empty groups', () => {
    expect(() => [...trainBatches(groups, 0, createRng(1))]).toThrow(/batchSize/);
    expect(() => [...trainBatches([[]], 2, createRng(1))]).toThrow(/group 0/);
    expect(() => [...testBatches([], 0)]).toThrow(/batchSize/);
  });
});
