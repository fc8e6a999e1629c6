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
  /** Task metrics of predicted token sequences (argmax of the logits) against the examples. */
  readonly score: (examples: readonly Example[], predictions: readonly (readonly number[])[]) => Record<string, number>;
  /** A one-line description of an example's difficulty (givens, path length), for the demo. */
  readonly difficulty?: (example: Example) => string;
  /**
   * For tasks not scored example by example (ARC votes across augmentations): evaluates with a
   * predictor and returns metrics, a report for people, and files to write (the ARC submission).
   */
  readonly evaluate?: (predict: Predictor, segments: number) => TaskEvaluation;
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
