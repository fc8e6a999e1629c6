/**
 * Running a trained model on examples and keeping what it thinks after every segment: the argmax
 * tokens, and the Q head's halt and continue values. What `hrm solve --trace` and the demo show,
 * and where ACT would have stopped (the first segment whose Q head says halt).
 */
import { argmax, scope, take } from '@hrm/core';
import { actStep, initialCarry, resetHalted } from './act.js';
import { haltSegmentOf } from './halting.js';
import type { States } from './hierarchy.js';
import type { ActConfig, Batch, PuzzleRows, Reasoner, ReasonerBuffers } from './reasoner.js';

/** What the model predicts after one segment, for every example of a batch. */
export interface SegmentPrediction {
  /** Per example: the predicted token sequence. */
  readonly tokens: readonly Int32Array[];
  readonly qHalt: Float32Array;
  readonly qContinue: Float32Array;
}

/**
 * The first segment (1-based) whose Q head says halt, per example; `segments` when none does. With a
 * `margin`, the Q head must say it by that much (`q_halt > margin`, or `q_halt > q_continue + margin`
 * by the `q-compare` rule): a positive margin trades segments for accuracy where a model halts too early.
 */
export function haltingSegment(
  trace: readonly SegmentPrediction[],
  cfg: Pick<ActConfig, 'haltRule'>,
  margin = 0,
): number[] {
  const n = trace[0]?.qHalt.length ?? 0;
  return Array.from({ length: n }, (_, i) =>
    haltSegmentOf(
      trace.map((s) => s.qHalt[i]),
      trace.map((s) => s.qContinue[i]),
      cfg,
      margin,
    ),
  );
}

/** What the model predicts after each of `segments` segments (default `haltMaxSteps`) on a batch. */
export function predictSegments<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  params: P,
  buffers: B,
  batch: Batch,
  segments = reasoner.act.haltMaxSteps,
): SegmentPrediction[] {
  return scope(() => {
    const n = batch.inputs.shape[0];
    let carry = resetHalted(reasoner, initialCarry(reasoner, buffers, n), batch, buffers);
    const rows: PuzzleRows | undefined = buffers.puzzleEmb
      ? take(buffers.puzzleEmb, carry.data.puzzleIds, 0)
      : undefined;
    const trace: SegmentPrediction[] = [];
    for (let s = 0; s < segments; s++) {
      const prev = carry;
      carry = scope(() => {
        const r = actStep(reasoner, params, rows, prev, { training: false });
        const flat = Int32Array.from(argmax(r.outputs.logits, -1).data());
        const len = flat.length / n;
        trace.push({
          tokens: Array.from({ length: n }, (_, i) => flat.slice(i * len, (i + 1) * len)),
          qHalt: Float32Array.from(r.outputs.qHalt.data()),
          qContinue: Float32Array.from(r.outputs.qContinue.data()),
        });
        return r.carry;
      });
    }
    return trace;
  });
}
