/** Tiny configs and data for HRM tests: small enough that a step takes milliseconds. */
import { fromArrays, type Key, randint, splitKey, type Tensor } from '@hrm/core';
import type { Batch } from '@hrm/hrm';
import { type ModelConfig, type ModelConfigInput, modelConfig } from '@hrm/hrm';
import * as E from 'fp-ts/lib/Either.js';

export function tinyConfig(overrides: Partial<ModelConfigInput> = {}): ModelConfig {
  return modelConfig({
    vocabSize: 6,
    seqLen: 5,
    hidden: 8,
    heads: 2,
    hLayers: 1,
    lLayers: 1,
    expansion: 2,
    multipleOf: 4,
    haltMaxSteps: 3,
    numPuzzleIdentifiers: 3,
    ...overrides,
  });
}

/** Random inputs and labels (tokens 1..vocab-1) and puzzle ids, all a function of the key. */
export function randomBatch(key: Key, batch: number, cfg: ModelConfig): Batch {
  const [ki, kl, kp] = splitKey(key, 3);
  const dims = { B: batch, L: cfg.seqLen };
  return {
    inputs: randint(ki, ['B', 'L'], 1, cfg.vocabSize, { dims }),
    labels: randint(kl, ['B', 'L'], 1, cfg.vocabSize, { dims }),
    puzzleIds: randint(kp, ['B'], 0, cfg.numPuzzleIdentifiers, { dims }),
  };
}

/** A batch from plain arrays (row-major). */
export function batchOf(inputs: number[][], labels: number[][], puzzleIds: number[]): Batch {
  const made = fromArrays(
    {
      inputs: { data: inputs.flat(), shape: ['B', 'L'] },
      labels: { data: labels.flat(), shape: ['B', 'L'] },
      puzzleIds: { data: puzzleIds, shape: ['B'] },
    },
    { dtype: 'int32', dims: { B: puzzleIds.length } },
  );
  if (E.isLeft(made)) throw made.left;
  const { tensors } = made.right;
  return {
    inputs: tensors.inputs as Tensor<['B', 'L'], 'int32'>,
    labels: tensors.labels as Tensor<['B', 'L'], 'int32'>,
    puzzleIds: tensors.puzzleIds as Tensor<['B'], 'int32'>,
  };
}
