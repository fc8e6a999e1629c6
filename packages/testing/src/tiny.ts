/** Tiny configs and data for HRM tests: small enough that a step takes milliseconds. */
import { fromArrays, type Key, randint, splitKey } from '@hrm/core';
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
  const dims = { batch, tokens: cfg.seqLen };
  return {
    inputs: randint(ki, ['batch', 'tokens'], 1, cfg.vocabSize, { dims }),
    labels: randint(kl, ['batch', 'tokens'], 1, cfg.vocabSize, { dims }),
    puzzleIds: randint(kp, ['batch'], 0, cfg.numPuzzleIdentifiers, { dims }),
  };
}

/** A batch from plain arrays (row-major). */
export function batchOf(inputs: number[][], labels: number[][], puzzleIds: number[]): Batch {
  const made = fromArrays(
    {
      inputs: { data: inputs.flat(), shape: ['batch', 'tokens'] },
      labels: { data: labels.flat(), shape: ['batch', 'tokens'] },
      puzzleIds: { data: puzzleIds, shape: ['batch'] },
    },
    { dtype: 'int32', dims: { batch: puzzleIds.length } },
  );
  if (E.isLeft(made)) throw made.left;
  return made.right.tensors;
}
