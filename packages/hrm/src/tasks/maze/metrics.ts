/**
 * Maze scores over token sequences (HRM's encoding), each a fraction in [0, 1]:
 * - exact: the predicted grid equals the labelled answer (HRM's `exact_accuracy`). Maze-Hard mazes have
 *   many shortest paths and the label is one of them, so this undercounts correct solutions;
 * - validOptimal: the prediction is the question with open cells marked `o` that form a simple path
 *   from S to G as short as the BFS optimum, whichever shortest path it is.
 */
import * as E from 'fp-ts/lib/Either.js';
import { distancesFrom } from './bfs.js';
import { checkPath, checkQuestion } from './check.js';
import { decodeMaze } from './encoding.js';

/** One maze to score, all as tokens of the same length: the question, the labelled answer and the prediction. */
export interface MazeScored {
  readonly inputs: readonly number[];
  readonly labels: readonly number[];
  readonly prediction: readonly number[];
}

/**
 * Maze scores over `count` items, as fractions in [0, 1]: `exact` predictions equal the label, `validOptimal`
 * ones mark some shortest S–G path (Maze-Hard mazes have many, so `exact` undercounts correct answers).
 */
export interface MazeMetrics {
  readonly count: number;
  readonly exact: number;
  readonly validOptimal: number;
}

/** Whether a predicted grid marks a shortest S–G path on the question (both as tokens). */
export function isOptimalPath(
  inputs: readonly number[],
  prediction: readonly number[],
  height: number,
  width: number,
): boolean {
  const question = decodeMaze(inputs, height, width);
  const ends = checkQuestion(question);
  if (E.isLeft(ends)) return false;
  const steps = checkPath(question, decodeMaze(prediction, height, width), ends.right);
  return E.isRight(steps) && steps.right === distancesFrom(question, ends.right.start)[ends.right.goal];
}

/** Scores predictions for `height` x `width` mazes; throws when an item's token lengths do not match the size. */
export function mazeMetrics(items: readonly MazeScored[], height: number, width: number): MazeMetrics {
  let exact = 0;
  let valid = 0;
  for (const [k, { inputs, labels, prediction }] of items.entries()) {
    const n = height * width;
    if (inputs.length !== n || labels.length !== n || prediction.length !== n)
      throw new RangeError(`mazeMetrics: item ${k} does not have ${n} tokens in inputs, labels and prediction`);
    if (prediction.every((t, i) => t === labels[i])) exact++;
    if (isOptimalPath(inputs, prediction, height, width)) valid++;
  }
  const frac = (a: number) => (items.length === 0 ? 0 : a / items.length);
  return { count: items.length, exact: frac(exact), validOptimal: frac(valid) };
}
