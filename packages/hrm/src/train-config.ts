/**
 * Training hyperparameters as an io-ts codec, with HRM's defaults (`config/cfg_pretrain.yaml`) except
 * the length of the run, which a user always chooses.
 */
import { describeValue, formatValidationErrors } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { NonNegativeInt, overLimits, PositiveInt, PositiveNumber, Probability } from './config.js';

const NonNegativeNumber = t.brand(
  t.number,
  (n): n is t.Branded<number, { readonly NonNegativeNumber: symbol }> => Number.isFinite(n) && n >= 0,
  'NonNegativeNumber',
);

/** The codec that checks a training config: every field present and in range, and nothing else kept. */
export const TrainConfigCodec = t.exact(
  t.type({
    batchSize: PositiveInt,
    totalSteps: PositiveInt,
    lr: PositiveNumber,
    lrWarmupSteps: NonNegativeInt,
    /** 1 keeps the rate constant after warm-up (HRM's default); below 1, a cosine decays to lr·lrMinRatio. */
    lrMinRatio: Probability,
    beta1: Probability,
    beta2: Probability,
    weightDecay: NonNegativeNumber,
    puzzleEmbLr: PositiveNumber,
    puzzleEmbWeightDecay: NonNegativeNumber,
    /** EMA of the weights for evaluation and checkpoints (TRM: 0.999); 0 for none (HRM). */
    emaRate: t.union([t.literal(0), Probability]),
    /** Global-norm gradient clipping; 0 for none (the reference clips nothing). */
    gradClip: NonNegativeNumber,
    /** Micro-batches per step (gradient accumulation): the batch is processed `accumulate` slots-slices at a time, in the memory of one. */
    accumulate: PositiveInt,
    seed: NonNegativeInt,
  }),
  'TrainConfig',
);

/** A checked training config: batch size, run length, learning rates and their schedule, Adam's betas, weight decays, EMA, clipping and seed. */
export type TrainConfig = { readonly [K in keyof t.TypeOf<typeof TrainConfigCodec>]: number };

/** Upper bounds of the size fields (a batch of a million examples, a billion steps), refused before anything runs. */
export const TRAIN_LIMITS = {
  batchSize: 1_000_000,
  totalSteps: 1_000_000_000,
  lrWarmupSteps: 1_000_000_000,
  accumulate: 65_536,
} as const;

/** HRM's training defaults: every field but `totalSteps`, which each run must choose. */
export const TRAIN_DEFAULTS = {
  batchSize: 768,
  lr: 1e-4,
  lrWarmupSteps: 2000,
  lrMinRatio: 1,
  beta1: 0.9,
  beta2: 0.95,
  weightDecay: 0.1,
  puzzleEmbLr: 1e-2,
  puzzleEmbWeightDecay: 0.1,
  emaRate: 0,
  gradClip: 0,
  accumulate: 1,
  seed: 0,
} as const;

/**
 * A training config from untrusted input (JSON, a preset, flags) with `TRAIN_DEFAULTS` filled in, or a Left
 * listing every problem, unknown fields included.
 */
export function decodeTrainConfig(input: unknown): E.Either<string[], TrainConfig> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return E.left([`(root): expected an object, got ${describeValue(input)}`]);
  const problems = Object.keys(input)
    .filter((k) => !Object.hasOwn(TrainConfigCodec.type.props, k))
    .map((k) => `${k}: unknown field`);
  const decoded = TrainConfigCodec.decode({ ...TRAIN_DEFAULTS, ...input });
  if (E.isLeft(decoded)) return E.left([...problems, ...formatValidationErrors(decoded.left)]);
  problems.push(...overLimits(decoded.right, TRAIN_LIMITS));
  if (decoded.right.batchSize % decoded.right.accumulate !== 0)
    problems.push(
      `accumulate: ${decoded.right.accumulate} micro-batches do not split a batch of ${decoded.right.batchSize} slots`,
    );
  return problems.length > 0 ? E.left(problems) : decoded;
}

/** A training config from `TRAIN_DEFAULTS` and the fields given, for code; throws listing the problems when invalid. */
export function trainConfig(
  input: Partial<{ [K in keyof TrainConfig]: number }> & { readonly totalSteps: number },
): TrainConfig {
  const r = decodeTrainConfig(input);
  if (E.isLeft(r)) throw new Error(`invalid train config:\n  ${r.left.join('\n  ')}`);
  return r.right;
}
