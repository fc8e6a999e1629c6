import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { IGNORE_LABEL, toBatch } from './batch.js';

describe('toBatch', () => {
  it('builds int32 tensors, ignoring PAD labels', () => {
    const r = toBatch(
      [
        { inputs: [1, 2, 3], labels: [0, 4, 5], puzzleId: 7 },
        { inputs: [3, 2, 1], labels: [5, 4, 3], puzzleId: 0 },
      ],
      { seqLen: 3 },
    );
    if (E.isLeft(r)) throw r.left;
    expect(r.right.inputs.shape).toEqual([2, 3]);
    expect(r.right.inputs.dtype).toBe('int32');
    expect(r.right.labels.toArray()).toEqual([
      [IGNORE_LABEL, 4, 5],
      [5, 4, 3],
    ]);
    expect(r.right.puzzleIds.toArray()).toEqual([7, 0]);
  });

  it('pads the last batch with PAD inputs, ignored labels and the blank puzzle', () => {
    const r = toBatch([{ inputs: [2, 2], labels: [3, 3], puzzleId: 5 }], { seqLen: 2, padTo: 3 });
    if (E.isLeft(r)) throw r.left;
    expect(r.right.inputs.toArray()).toEqual([
      [2, 2],
      [0, 0],
      [0, 0],
    ]);
    expect(r.right.labels.toArray()).toEqual([
      [3, 3],
      [IGNORE_LABEL, IGNORE_LABEL],
      [IGNORE_LABEL, IGNORE_LABEL],
    ]);
    expect(r.right.puzzleIds.toArray()).toEqual([5, 0, 0]);
  });

  it('keeps every label when told there is no ignore id', () => {
    const r = toBatch([{ inputs: [1], labels: [0], puzzleId: 0 }], { seqLen: 1, ignoreLabelId: null });
    if (E.isLeft(r)) throw r.left;
    expect(r.right.labels.toArray()).toEqual([[0]]);
  });

  it('says what is wrong with bad examples', () => {
    const msg = (r: E.Either<Error, unknown>) => (E.isLeft(r) ? r.left.message : 'ok');
    expect(msg(toBatch([{ inputs: [1, 2], labels: [1], puzzleId: 0 }], { seqLen: 2 }))).toBe(
      'toBatch: example 0 has 2 input and 1 label tokens, expected 2',
    );
    expect(msg(toBatch([{ inputs: [1.5], labels: [1], puzzleId: 0 }], { seqLen: 1 }))).toBe(
      'toBatch: example 0 position 0: tokens must be non-negative integers',
    );
    expect(msg(toBatch([{ inputs: [1], labels: [1], puzzleId: -1 }], { seqLen: 1 }))).toBe(
      'toBatch: example 0 has puzzle id -1',
    );
    expect(msg(toBatch([], { seqLen: 1 }))).toBe('toBatch: no examples and no padTo');
  });
});
