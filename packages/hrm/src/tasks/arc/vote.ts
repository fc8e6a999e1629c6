/**
 * ARC evaluation by voting across augmentations (`arc_eval.ipynb: test`, TRM's `evaluators/arc.py`).
 * Every augmented variant of a test input gives a prediction; each is cropped from its canvas and
 * mapped back to the original frame (inverse transform, inverse colours). Identical grids are pooled,
 * and the pools are ranked by vote count, then by mean sigmoid(q_halt) — the model's own confidence
 * that it had finished — and finally by first appearance (Python's stable sort, as the reference).
 *
 * Scores at pass@K (the right grid among the top K; ARC allows 2 attempts):
 * - HRM: a task counts only when *all* its test inputs are right; score = tasks solved / tasks;
 * - TRM: a task scores the *fraction* of its test inputs that are right, averaged over tasks.
 */
import * as E from 'fp-ts/lib/Either.js';
import { unaugmentGrid } from './augment.js';
import { cropArcTokens } from './encoding.js';
import { parseArcPuzzleName } from './ids.js';
import type { ArcGrid, ArcTask } from './types.js';

/** One model answer to vote with: an augmented test example's predicted canvas and halt logit. */
export interface ArcPrediction {
  /** The puzzle name of the example's id (`PuzzleIdRegistry.nameOf`). */
  readonly puzzleName: string;
  /** Which test input of the task this example is (`ArcExampleMeta.index`). */
  readonly testIndex: number;
  /** The predicted canvas, e.g. the argmax of the logits (900 tokens). */
  readonly tokens: readonly number[];
  /** The Q head's halt logit for this example. */
  readonly qHaltLogit: number;
}

/** A distinct grid predicted for one test input, with the predictions that agreed on it. */
export interface Candidate {
  readonly grid: ArcGrid;
  readonly votes: number;
  /** Mean of sigmoid(q_halt) over the votes. */
  readonly meanQ: number;
}

/** Per task id, per test index, the candidates best first. */
export type ArcVotes = ReadonlyMap<string, ReadonlyMap<number, readonly Candidate[]>>;

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

const gridKey = (g: ArcGrid) => JSON.stringify(g);

/** Pools identical grids and ranks them by (votes, mean q) descending, ties by first appearance. */
export function rankCandidates(votes: readonly { readonly grid: ArcGrid; readonly q: number }[]): Candidate[] {
  const pools = new Map<string, { grid: ArcGrid; votes: number; qSum: number }>();
  for (const { grid, q } of votes) {
    const key = gridKey(grid);
    const pool = pools.get(key);
    if (pool) {
      pool.votes++;
      pool.qSum += q;
    } else pools.set(key, { grid, votes: 1, qSum: q });
  }
  return [...pools.values()]
    .map((p) => ({ grid: p.grid, votes: p.votes, meanQ: p.qSum / p.votes }))
    .sort((a, b) => b.votes - a.votes || b.meanQ - a.meanQ);
}

/** Crops, un-augments and ranks all predictions. Left on a name that is not an ARC puzzle name. */
export function collectVotes(predictions: readonly ArcPrediction[]): E.Either<string, ArcVotes> {
  const raw = new Map<string, Map<number, { grid: ArcGrid; q: number }[]>>();
  for (const [k, p] of predictions.entries()) {
    const parsed = parseArcPuzzleName(p.puzzleName);
    if (E.isLeft(parsed)) return E.left(`prediction ${k}: ${parsed.left}`);
    if (!Number.isInteger(p.testIndex) || p.testIndex < 0)
      return E.left(`prediction ${k}: test index ${p.testIndex} is not a non-negative integer`);
    const { taskId, aug } = parsed.right;
    const grid = unaugmentGrid(aug, cropArcTokens(p.tokens));
    const byTest = raw.get(taskId) ?? new Map<number, { grid: ArcGrid; q: number }[]>();
    raw.set(taskId, byTest);
    const list = byTest.get(p.testIndex) ?? [];
    byTest.set(p.testIndex, list);
    list.push({ grid, q: sigmoid(p.qHaltLogit) });
  }
  return E.right(
    new Map([...raw].map(([task, byTest]) => [task, new Map([...byTest].map(([i, v]) => [i, rankCandidates(v)]))])),
  );
}

/** One task's results in `scoreArc`: which test inputs were right, per K. */
export interface ArcTaskResult {
  readonly taskId: string;
  /** `correct[j][i]`: test input i right at pass@ks[j]. */
  readonly correct: readonly (readonly boolean[])[];
}

/** ARC accuracy at pass@K for each K in `ks` (default 1 and 2), by HRM's and TRM's measures, with the per-task detail. */
export interface ArcScores {
  readonly tasks: number;
  readonly ks: readonly number[];
  /** HRM: fraction of tasks with every test input right, per K. */
  readonly allTestsSolved: readonly number[];
  /** TRM: mean over tasks of the fraction of test inputs right, per K. */
  readonly meanTestFraction: readonly number[];
  readonly perTask: readonly ArcTaskResult[];
}

/** Scores votes against tasks with known test outputs. A test input with no prediction counts as wrong. */
export function scoreArc(
  tasks: readonly ArcTask[],
  votes: ArcVotes,
  ks: readonly number[] = [1, 2],
): E.Either<string, ArcScores> {
  const perTask: ArcTaskResult[] = [];
  for (const task of tasks) {
    const correct = ks.map(() => [] as boolean[]);
    for (const [i, pair] of task.test.entries()) {
      if (pair.output === undefined) return E.left(`task ${task.id}: test input ${i} has no output to score against`);
      const want = gridKey(pair.output);
      const ranked = votes.get(task.id)?.get(i) ?? [];
      ks.forEach((k, j) => {
        correct[j].push(ranked.slice(0, k).some((c) => gridKey(c.grid) === want));
      });
    }
    perTask.push({ taskId: task.id, correct });
  }
  const n = perTask.length;
  const mean = (f: (r: ArcTaskResult) => number) => (n === 0 ? 0 : perTask.reduce((s, r) => s + f(r), 0) / n);
  return E.right({
    tasks: n,
    ks,
    allTestsSolved: ks.map((_, j) => mean((r) => (r.correct[j].every(Boolean) ? 1 : 0))),
    meanTestFraction: ks.map((_, j) => mean((r) => r.correct[j].filter(Boolean).length / r.correct[j].length)),
    perTask,
  });
}
