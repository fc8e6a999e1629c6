/**
 * Encoded examples to the model's `Batch`: int32 `inputs` [B, L], `labels` [B, L] and `puzzleIds` [B],
 * built with `fromArrays` so that a wrong length or a bad token is a Left, not a corrupt tensor.
 *
 * Label tokens equal to `ignoreLabelId` (PAD = 0 in every HRM builder) become -100, the ignore label
 * of the loss, as `puzzle_dataset.py: _collate_batch` does. For Sudoku and Maze no label is 0, so the
 * loss covers every cell; for ARC the PAD cells outside the grid and its EOS border are ignored.
 */
import { fromArrays } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import type { Batch } from '../reasoner.js';

/** One encoded example: token sequences of the task's seq length and its puzzle identifier. */
export interface Example {
  readonly inputs: readonly number[];
  readonly labels: readonly number[];
  readonly puzzleId: number;
}

/** The label that ignored positions get in a batch: the loss's ignore label. */
export const IGNORE_LABEL = -100;

/** How `toBatch` lays out a batch: the sequence length, padding rows, and which label token to ignore. */
export interface BatchOptions {
  /** Every sequence must have this length. */
  readonly seqLen: number;
  /** Pad to this many rows with PAD inputs, ignored labels and puzzle id 0 (`_iter_test`'s last batch). */
  readonly padTo?: number;
  /** Label token to ignore in the loss (default 0, the PAD id). `null` keeps every label. */
  readonly ignoreLabelId?: number | null;
  /** Input PAD token and blank puzzle id, used when padding (both 0 in HRM). */
  readonly padId?: number;
  readonly blankPuzzleId?: number;
}

/**
 * The examples as a `Batch` of int32 tensors (`[B, L]` inputs and labels, `[B]` puzzle ids), labels equal to
 * `ignoreLabelId` replaced by `IGNORE_LABEL`; a Left on a wrong length, a bad token or puzzle id, or no rows.
 */
export function toBatch(examples: readonly Example[], opts: BatchOptions): E.Either<Error, Batch> {
  const { seqLen } = opts;
  const rows = Math.max(examples.length, opts.padTo ?? 0);
  if (rows === 0) return E.left(new RangeError('toBatch: no examples and no padTo'));
  const ignore = opts.ignoreLabelId === undefined ? 0 : opts.ignoreLabelId;
  const inputs = new Int32Array(rows * seqLen).fill(opts.padId ?? 0);
  const labels = new Int32Array(rows * seqLen).fill(IGNORE_LABEL);
  const ids = new Int32Array(rows).fill(opts.blankPuzzleId ?? 0);
  for (let b = 0; b < examples.length; b++) {
    const ex = examples[b];
    if (ex.inputs.length !== seqLen || ex.labels.length !== seqLen)
      return E.left(
        new RangeError(
          `toBatch: example ${b} has ${ex.inputs.length} input and ${ex.labels.length} label tokens, expected ${seqLen}`,
        ),
      );
    // Checked here because an Int32Array would silently truncate a fractional or huge value.
    for (let i = 0; i < seqLen; i++) {
      const x = ex.inputs[i];
      const y = ex.labels[i];
      if (!Number.isInteger(x) || x < 0 || !Number.isInteger(y) || y < 0)
        return E.left(new RangeError(`toBatch: example ${b} position ${i}: tokens must be non-negative integers`));
      inputs[b * seqLen + i] = x;
      labels[b * seqLen + i] = y === ignore ? IGNORE_LABEL : y;
    }
    if (!Number.isInteger(ex.puzzleId) || ex.puzzleId < 0)
      return E.left(new RangeError(`toBatch: example ${b} has puzzle id ${ex.puzzleId}`));
    ids[b] = ex.puzzleId;
  }
  const made = fromArrays(
    {
      inputs: { data: inputs, shape: ['batch', 'tokens'] },
      labels: { data: labels, shape: ['batch', 'tokens'] },
      puzzleIds: { data: ids, shape: ['batch'] },
    },
    { dtype: 'int32', dims: { batch: rows, tokens: seqLen } },
  );
  return E.map(({ tensors }: { tensors: Batch }) => tensors)(made);
}
