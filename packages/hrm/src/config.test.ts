import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeModelConfig, modelConfig, prefixLength, sizeFree } from './config.js';
import { decodeTrainConfig } from './train-config.js';

const problems = (u: unknown) => {
  const r = decodeModelConfig(u);
  if (E.isRight(r)) throw new Error('expected problems');
  return r.left;
};

describe('model config', () => {
  it("fills in HRM's defaults", () => {
    const r = decodeModelConfig({ vocabSize: 11, seqLen: 81 });
    if (E.isLeft(r)) throw new Error(r.left.join('; '));
    expect(r.right).toMatchObject({
      arch: 'hrm',
      hidden: 512,
      heads: 8,
      hLayers: 4,
      lLayers: 4,
      hCycles: 2,
      lCycles: 2,
      haltMaxSteps: 16,
      haltExplorationProb: 0.1,
      posEncodings: 'rope',
      lossType: 'stablemax',
      puzzleEmbDim: 512,
      gradWindow: 'one-step',
      haltRule: 'q-compare',
      continueTarget: true,
    });
    expect(prefixLength(r.right)).toBe(1);
  });

  it("fills in TRM's defaults for arch trm", () => {
    const r = decodeModelConfig({ arch: 'trm', vocabSize: 11, seqLen: 81 });
    if (E.isLeft(r)) throw new Error(r.left.join('; '));
    expect(r.right).toMatchObject({
      lLayers: 2,
      hCycles: 3,
      lCycles: 6,
      puzzleEmbLen: 16,
      haltRule: 'q-positive',
      continueTarget: false,
      gradWindow: 'last-cycle',
    });
    expect(prefixLength(r.right)).toBe(16);
  });

  it('rejects bad fields with their paths, unknown fields, and inconsistent combinations', () => {
    expect(problems({ vocabSize: 11, seqLen: 81, hidden: -3, posEncodings: 'alibi' })).toEqual([
      'hidden: expected PositiveInt, got -3',
      'posEncodings: expected "rope" | "learned" | "none", got "alibi"',
    ]);
    expect(problems({ vocabSize: 11, seqLen: 81, hiden: 64 })).toEqual(['hiden: unknown field']);
    expect(problems({ vocabSize: 11, seqLen: 81, hidden: 512, heads: 7 })).toEqual([
      'heads: 512 hidden units do not split into 7 heads',
    ]);
    expect(problems({ seqLen: 81 })).toEqual(['vocabSize: expected PositiveInt, got undefined']);
    expect(problems([1])).toEqual(['(root): expected an object, got [1]']);
    expect(problems({ vocabSize: 11, seqLen: 81, haltExplorationProb: 1.5 })).toEqual([
      'haltExplorationProb: expected Probability, got 1.5',
    ]);
  });

  it('takes the grid mixer alone, without RoPE, over a square grid of tokens; size-free without learned positions', () => {
    const grid = { vocabSize: 6, seqLen: 81, gridMixer: true };
    expect(problems({ ...grid, seqLen: 80, mlpT: true, posEncodings: 'none' })).toEqual([
      'gridMixer: a model has one sequence mixer; gridMixer and mlpT are both on',
      'seqLen: the grid mixer needs a square grid of tokens, and 80 is not a square',
    ]);
    expect(problems(grid)).toEqual([
      'posEncodings: the grid mixer has no attention for RoPE; use none (or learned, tied to seqLen)',
    ]);
    expect(sizeFree(modelConfig({ ...grid, posEncodings: 'none' }))).toBe(true);
    expect(sizeFree(modelConfig({ ...grid, posEncodings: 'learned' }))).toBe(false);
    expect(sizeFree(modelConfig({ vocabSize: 6, seqLen: 81, mlpT: true, posEncodings: 'none' }))).toBe(false);
    // Configs written before the grid mixer existed read as without it.
    expect(modelConfig({ vocabSize: 6, seqLen: 80 }).gridMixer).toBe(false);
  });
});

describe('train config', () => {
  it('has HRM defaults and names bad fields', () => {
    const r = decodeTrainConfig({ totalSteps: 10 });
    expect(E.isRight(r) && r.right).toMatchObject({
      batchSize: 768,
      lr: 1e-4,
      lrWarmupSteps: 2000,
      lrMinRatio: 1,
      beta1: 0.9,
      beta2: 0.95,
      weightDecay: 0.1,
      puzzleEmbLr: 1e-2,
    });
    const bad = decodeTrainConfig({ totalSteps: 0, lr: 'fast' });
    expect(E.isLeft(bad) && bad.left).toEqual([
      'totalSteps: expected PositiveInt, got 0',
      'lr: expected PositiveNumber, got "fast"',
    ]);
  });
});
