/**
 * A task preset: everything `hrm train`, `eval`, `solve` and `demo` need to know about a task —
 * the model and training configs that suit it, where training batches come from, a fixed set of
 * unseen evaluation puzzles, how to read a puzzle a person types and how to show an answer, and
 * the task's own metrics.
 */
import type { ModelConfigInput } from '../config.js';
import type { Batch } from '../reasoner.js';
import type { Example } from '../tasks/index.js';
import type { TrainConfig } from '../train-config.js';

/**
 * Everything the CLI needs to know about one task: the configs that suit it (`train` overrides
 * `TRAIN_DEFAULTS`), its data, how to read and show a puzzle, and its metrics.
 */
export interface TaskPreset {
  readonly name: string;
  readonly summary: string;
  readonly model: ModelConfigInput;
  readonly train: Partial<TrainConfig>;
  /** The training batch of `step`: a pure function of (seed, step), never an evaluation puzzle. */
  readonly trainBatch: (seed: number, step: number, batchSize: number) => Batch;
  /** `n` evaluation puzzles, the same for a given seed, disjoint from what training draws. */
  readonly evalExamples: (n: number) => readonly Example[];
  /** A puzzle as typed by a person (a line of digits, a grid...), or why it is not one. */
  readonly parse: (text: string) => { readonly example: Example } | { readonly error: string };
  /** A predicted token sequence (or the input), for a terminal. */
  readonly format: (tokens: readonly number[]) => string;
  /**
   * Task metrics of predicted token sequences (argmax of the logits) against the examples, named from
   * the CLI's one vocabulary (`exact`, `token`, `blank`, `valid`: see cli/vocabulary.ts).
   */
  readonly score: (examples: readonly Example[], predictions: readonly (readonly number[])[]) => Record<string, number>;
  /**
   * An exact checker's verdict on an answer (tokens) to an example, for tasks that have one: the label
   * is only one solution of a puzzle that may have several, so it cannot judge an answer alone.
   */
  readonly check?: (example: Example, answer: readonly number[]) => Verdict;
  /** A one-line description of an example's difficulty (givens, path length), for the demo. */
  readonly difficulty?: (example: Example) => string;
  /**
   * The groups an example belongs to, by grouping (`{ generator: 'prim', placement: 'corners', path:
   * '9-16' }`): `hrm eval` scores each group of each grouping on its own, to show where a model fails.
   * An example may leave out a grouping (a typed puzzle has no generator).
   */
  readonly groups?: (example: Example) => Readonly<Record<string, string>>;
  /**
   * For tasks not scored example by example (ARC votes across augmentations): evaluates with a
   * predictor and returns metrics, a report for people, and files to write (the ARC submission).
   */
  readonly evaluate?: (predict: Predictor, segments: number) => TaskEvaluation;
}

/**
 * What an exact checker says about an answer: `valid` when it keeps the task's rules (a completion of
 * the givens that breaks no Sudoku rule; a shortest path from S to G), with the `reason` when it does
 * not; `ambiguous` when the puzzle has more than one solution; `correct` (the answer is the puzzle's one
 * solution) only when it has exactly one.
 */
export interface Verdict {
  readonly valid: boolean;
  readonly ambiguous: boolean;
  readonly correct?: boolean;
  readonly reason?: string;
}

/** The verdict for an answer judged by `problem` (undefined when valid) on a puzzle with one or more solutions. */
export function verdict(problem: string | undefined, ambiguous: boolean): Verdict {
  const valid = problem === undefined;
  return {
    valid,
    ambiguous,
    // With one solution, a valid answer is that solution.
    ...(ambiguous ? {} : { correct: valid }),
    ...(problem === undefined ? {} : { reason: problem }),
  };
}

/** Fraction of tokens equal to their label, over all examples. */
export function tokenAccuracy(examples: readonly Example[], predictions: readonly (readonly number[])[]): number {
  let right = 0;
  let all = 0;
  examples.forEach((e, i) => {
    e.labels.forEach((t, k) => {
      all++;
      if (predictions[i][k] === t) right++;
    });
  });
  return all === 0 ? 0 : right / all;
}

/**
 * A problem with a task's data files (missing, empty, a bad line or task): the message names the file
 * and the reason, and is meant for the user as it is.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
}

/** The model's answers (argmax tokens after the last segment) and halt logits for examples. */
export type Predictor = (
  examples: readonly Example[],
  segments: number,
) => { readonly tokens: number[][]; readonly qHalt: number[] };

/** What a preset's own `evaluate` returns: the metrics, a report for people, and files to write. */
export interface TaskEvaluation {
  readonly metrics: Record<string, number>;
  readonly report: string;
  /** JSON documents by suggested file name (e.g. `submission.json`). */
  readonly files?: Readonly<Record<string, unknown>>;
}

/** Small HRM shapes for a CPU: every mechanism kept (both modules, ACT, the one-step gradient), widths and depths cut down. */
export const SMALL_MODEL = {
  hidden: 64,
  heads: 4,
  hLayers: 1,
  lLayers: 1,
  expansion: 2,
  multipleOf: 16,
  numPuzzleIdentifiers: 1,
} as const;

/**
 * The training of the small models: AdamW at 3e-3 (the puzzle embedding too) after 100 warm-up steps,
 * a cosine schedule down to a tenth, weight decay 0.1; only the batch differs between tasks.
 */
export function smallTraining(batchSize: number) {
  return {
    batchSize,
    lr: 3e-3,
    lrWarmupSteps: 100,
    lrMinRatio: 0.1,
    puzzleEmbLr: 3e-3,
    weightDecay: 0.1,
    puzzleEmbWeightDecay: 0.1,
  } as const;
}
