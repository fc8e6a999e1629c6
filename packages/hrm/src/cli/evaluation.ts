/** Evaluation helpers shared by `hrm eval`, `train` and `demo`: batches of a preset's unseen puzzles, and scoring. */
import * as E from 'fp-ts/lib/Either.js';
import type { ModelConfig } from '../config.js';
import type { States } from '../hierarchy.js';
import type { HrmStates } from '../hrm.js';
import type { HrmBuffers, HrmParams } from '../params.js';
import { haltingSegment, predictSegments } from '../predict.js';
import type { Predictor, TaskPreset } from '../presets/preset.js';
import type { Batch, Hidden, Reasoner, ReasonerBuffers } from '../reasoner.js';
import { type Example, toBatch } from '../tasks/index.js';

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

/** Runs `segments` segments on the examples and scores them with the preset's metrics. */
export function scoreExamples<P, B extends ReasonerBuffers, C extends States<C>, X>(
  m: LoadedModel<P, B, C, X>,
  preset: TaskPreset,
  examples: readonly Example[],
  segments = m.model.haltMaxSteps,
): ScoredRun {
  const perSegmentPredictions: (readonly number[])[][] = Array.from({ length: segments }, () => []);
  const atHalt: (readonly number[])[] = [];
  let haltSum = 0;
  let offset = 0;
  for (const batch of batchesOf(examples, m.model.seqLen)) {
    const trace = predictSegments(m.reasoner, m.params, m.buffers, batch, segments);
    trace.forEach((s, k) => {
      perSegmentPredictions[k].push(...s.tokens.map((t) => Array.from(t)));
    });
    const halts = haltingSegment(trace, m.model);
    halts.forEach((h, i) => {
      atHalt.push(Array.from(trace[h - 1].tokens[i]));
      haltSum += h;
    });
    offset += batch.inputs.shape[0];
  }
  return {
    perSegment: perSegmentPredictions.map((p) => preset.score(examples, p)),
    atHalt: preset.score(examples, atHalt),
    meanHaltSegment: haltSum / Math.max(offset, 1),
    count: offset,
  };
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
