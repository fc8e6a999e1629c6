/**
 * The ARC Prize submission format: for each task id, one entry per test input (in order) with two
 * attempts, `{ "<task id>": [ { "attempt_1": grid, "attempt_2": grid }, ... ] }`. The attempts are the
 * top two voted grids. With one candidate it fills both attempts (as TRM does); with none — the model
 * was never asked about that input — it writes `[[0]]`, so the file still has an entry for every test
 * input rather than a shifted list.
 */
import type { ArcGrid, ArcTask } from './types.js';
import type { ArcVotes } from './vote.js';

/** The two attempts submitted for one test input. */
export interface ArcAttempts {
  readonly attempt_1: ArcGrid;
  readonly attempt_2: ArcGrid;
}

/** A whole submission file: per task id, the attempts for each of its test inputs, in order. */
export type ArcSubmission = Readonly<Record<string, readonly ArcAttempts[]>>;

const NO_PREDICTION: ArcGrid = [[0]];

/**
 * The submission for `tasks` from the ranked votes: the top two usable grids per test input, the first
 * repeated when there is only one, `[[0]]` when there is none.
 */
export function arcSubmission(tasks: readonly Pick<ArcTask, 'id' | 'test'>[], votes: ArcVotes): ArcSubmission {
  const out: Record<string, ArcAttempts[]> = {};
  for (const task of tasks)
    out[task.id] = task.test.map((_, i) => {
      const ranked = votes.get(task.id)?.get(i) ?? [];
      // An empty crop (the model's first cell was not a colour) is no grid: submit [[0]] instead.
      const usable = ranked.map((c) => c.grid).filter((g) => g.length > 0 && g[0].length > 0);
      const first = usable[0] ?? NO_PREDICTION;
      return { attempt_1: first, attempt_2: usable[1] ?? first };
    });
  return out;
}
