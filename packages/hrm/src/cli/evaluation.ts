/** Evaluation helpers shared by `hrm eval`, `train` and `demo`: batches of a preset's unseen puzzles, and scoring. */
import * as E from 'fp-ts/lib/Either.js';
import type { ModelConfig } from '../config.js';
import { MAX_HALT_MARGIN } from '../halting.js';
import type { States } from '../hierarchy.js';
import type { HrmStates } from '../hrm.js';
import type { HrmBuffers, HrmParams } from '../params.js';
import { haltingSegment, predictSegments } from '../predict.js';
import type { Predictor, TaskPreset } from '../presets/preset.js';
import type { Batch, Hidden, Reasoner, ReasonerBuffers } from '../reasoner.js';
import { type Example, toBatch } from '../tasks/index.js';
import type { Parsed } from './args.js';

/**
 * Examples in batches of at most `chunk`. The default keeps each batch's attention scores
 * ([B, heads, S, S] floats) near 256 MiB, so a 900-token task evaluates in small batches and a
 * 17-token one in batches of 256.
 */
export function batchesOf(
  examples: readonly Example[],
  seqLen: number,
  chunk = Math.max(1, Math.min(256, Math.floor(2 ** 26 / (8 * (seqLen + 1) ** 2)))),
): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < examples.length; i += chunk) {
    const b = toBatch(examples.slice(i, i + chunk), { seqLen });
    if (E.isLeft(b)) throw b.left;
    out.push(b.right);
  }
  return out;
}

export function evalBatches(preset: TaskPreset, n: number, seqLen: number): Batch[] {
  return batchesOf(preset.evalExamples(n), seqLen);
}

/** A model ready to run: its config, its reasoner, and its weights (a `ModelFile` is one). */
export interface LoadedModel<
  P = HrmParams,
  B extends ReasonerBuffers = HrmBuffers,
  C extends States<C> = HrmStates,
  X = Hidden,
> {
  readonly model: ModelConfig;
  readonly reasoner: Reasoner<P, B, C, X>;
  readonly params: P;
  readonly buffers: B;
}

/** The task metrics of a model run for a fixed number of segments on a set of examples, from `scoreExamples`. */
export interface ScoredRun {
  /** The task's metrics after each segment. */
  readonly perSegment: readonly Record<string, number>[];
  /** The metrics of the answer at the segment where the Q head halts (ACT). */
  readonly atHalt: Record<string, number>;
  /** Mean segments ACT would use. */
  readonly meanHaltSegment: number;
  readonly count: number;
}

/** What a model did on each of a list of examples, from `runExamples`. */
export interface ExampleRuns {
  /** The answer (argmax tokens) after each segment: `answers[segment - 1][example]`. */
  readonly answers: readonly (readonly (readonly number[])[])[];
  /** The Q head's logits after each segment, indexed like `answers`. */
  readonly qHalt: readonly (readonly number[])[];
  readonly qContinue: readonly (readonly number[])[];
  /** The segment (from 1) where the Q head halts, per example. */
  readonly haltSegments: readonly number[];
}

/** The `--halt-margin` option of `hrm eval` and `hrm solve`. */
export const HALT_MARGIN_OPTION = {
  type: 'string',
  help: 'halt only where the Q head says so by this much (q_halt over 0 or over q_continue; default 0, the model’s rule)',
  value: '<m>',
} as const;

/** `--halt-margin`, range-checked; 0 when not given. */
export const haltMarginOf = (args: Parsed): number =>
  args.number('halt-margin', { min: -MAX_HALT_MARGIN, max: MAX_HALT_MARGIN }) ?? 0;

/**
 * Runs `segments` segments on the examples, in batches, keeping every answer and where ACT halts (with
 * `haltMargin`, see `haltingSegment`).
 */
export function runExamples<P, B extends ReasonerBuffers, C extends States<C>, X>(
  m: LoadedModel<P, B, C, X>,
  examples: readonly Example[],
  segments = m.model.haltMaxSteps,
  haltMargin = 0,
): ExampleRuns {
  const answers: (readonly number[])[][] = Array.from({ length: segments }, () => []);
  const qHalt: number[][] = Array.from({ length: segments }, () => []);
  const qContinue: number[][] = Array.from({ length: segments }, () => []);
  const haltSegments: number[] = [];
  for (const batch of batchesOf(examples, m.model.seqLen)) {
    const trace = predictSegments(m.reasoner, m.params, m.buffers, batch, segments);
    trace.forEach((s, k) => {
      answers[k].push(...s.tokens.map((t) => Array.from(t)));
      qHalt[k].push(...s.qHalt);
      qContinue[k].push(...s.qContinue);
    });
    haltSegments.push(...haltingSegment(trace, m.model, haltMargin));
  }
  return { answers, qHalt, qContinue, haltSegments };
}

/** Each example's answer at the segment where the Q head halts. */
export function answersAtHalt(runs: ExampleRuns): (readonly number[])[] {
  return runs.haltSegments.map((h, i) => runs.answers[h - 1][i]);
}

/** The preset's metrics of runs on examples: after each segment, where ACT halts, and the mean halting segment. */
export function scoreRuns(preset: TaskPreset, examples: readonly Example[], runs: ExampleRuns): ScoredRun {
  const count = runs.haltSegments.length;
  return {
    perSegment: runs.answers.map((answers) => preset.score(examples, answers)),
    atHalt: preset.score(examples, answersAtHalt(runs)),
    meanHaltSegment: runs.haltSegments.reduce((a, h) => a + h, 0) / Math.max(count, 1),
    count,
  };
}

/** Runs `segments` segments on the examples and scores them with the preset's metrics. */
export function scoreExamples<P, B extends ReasonerBuffers, C extends States<C>, X>(
  m: LoadedModel<P, B, C, X>,
  preset: TaskPreset,
  examples: readonly Example[],
  segments = m.model.haltMaxSteps,
): ScoredRun {
  return scoreRuns(preset, examples, runExamples(m, examples, segments));
}

/** A preset's `Predictor`: the answers after `segments` segments and their halt logits. */
export function predictor<P, B extends ReasonerBuffers, C extends States<C>, X>(m: LoadedModel<P, B, C, X>): Predictor {
  return (examples, segments) => {
    const tokens: number[][] = [];
    const qHalt: number[] = [];
    for (const batch of batchesOf(examples, m.model.seqLen)) {
      const trace = predictSegments(m.reasoner, m.params, m.buffers, batch, segments);
      const last = trace[trace.length - 1];
      tokens.push(...last.tokens.map((t) => Array.from(t)));
      qHalt.push(...last.qHalt);
    }
    return { tokens, qHalt };
  };
}

/** The scores of one group of a grouping (`generator` = `prim`), as `scoreRuns` gives them for the whole set. */
export interface GroupScore extends ScoredRun {
  readonly group: string;
  readonly value: string;
}

/** The runs of the examples at `indices`, in that order. */
function subsetRuns(runs: ExampleRuns, indices: readonly number[]): ExampleRuns {
  const rows = <T>(xs: readonly T[]) => indices.map((i) => xs[i]);
  return {
    answers: runs.answers.map(rows),
    qHalt: runs.qHalt.map(rows),
    qContinue: runs.qContinue.map(rows),
    haltSegments: rows(runs.haltSegments),
  };
}

/**
 * The preset's metrics of each group of each of its groupings (`preset.groups`), groupings in the order
 * the examples first name them and groups in natural order (`1-8` before `9-16`); none when the preset
 * does not group its examples.
 */
export function scoreGroups(preset: TaskPreset, examples: readonly Example[], runs: ExampleRuns): GroupScore[] {
  const groupsOf = preset.groups;
  if (!groupsOf) return [];
  const members = new Map<string, Map<string, number[]>>();
  examples.forEach((e, i) => {
    for (const [group, value] of Object.entries(groupsOf(e))) {
      const values = members.get(group) ?? new Map<string, number[]>();
      members.set(group, values);
      const list = values.get(value);
      if (list) list.push(i);
      else values.set(value, [i]);
    }
  });
  const natural = new Intl.Collator('en', { numeric: true });
  return [...members].flatMap(([group, values]) =>
    [...values.keys()].sort(natural.compare).map((value) => {
      const indices = values.get(value) ?? [];
      const scored = scoreRuns(
        preset,
        indices.map((i) => examples[i]),
        subsetRuns(runs, indices),
      );
      return { group, value, ...scored };
    }),
  );
}
