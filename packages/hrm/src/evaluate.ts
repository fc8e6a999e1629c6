/**
 * Evaluation: every sequence runs the same number of segments (`haltMaxSteps` by default, or more
 * to let the model think longer), with accuracy reported after every segment and the Q-head's halt
 * decision recorded, so that one pass shows both the final accuracy and how it grew.
 */
import { cast, scope, sum, take } from '@hrm/core';
import { sequenceCorrectness } from '@hrm/nn';
import { actStep, initialCarry, resetHalted, wantsToHalt } from './act.js';
import type { States } from './hierarchy.js';
import type { Batch, PuzzleRows, Reasoner, ReasonerBuffers } from './reasoner.js';

/** Accuracy of the answers after one segment, over every evaluated sequence. */
export interface SegmentAccuracy {
  readonly segment: number;
  readonly tokenAccuracy: number;
  readonly exactAccuracy: number;
  /** Fraction of sequences whose Q head says halt (q_halt > 0 or > q_continue, by the model's rule). */
  readonly wouldHalt: number;
}

/** What `evaluate` returns: the number of sequences, the final accuracy, and the accuracy after each segment. */
export interface EvalResult {
  readonly count: number;
  /** After the last segment. */
  readonly tokenAccuracy: number;
  readonly exactAccuracy: number;
  readonly perSegment: readonly SegmentAccuracy[];
}

/** Runs `segments` segments (default `haltMaxSteps`) on each batch and accumulates accuracy per segment. */
export function evaluate<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  params: P,
  buffers: B,
  batches: Iterable<Batch>,
  opts: { readonly segments?: number } = {},
): EvalResult {
  const segments = opts.segments ?? reasoner.act.haltMaxSteps;
  const sums = Array.from({ length: segments }, () => ({ token: 0, exact: 0, halt: 0 }));
  let count = 0;
  for (const batch of batches) {
    const n = batch.inputs.shape[0];
    scope(() => {
      let carry = resetHalted(reasoner, initialCarry(reasoner, buffers, n), batch, buffers);
      const rows: PuzzleRows | undefined = buffers.puzzleEmb
        ? take(buffers.puzzleEmb, carry.data.puzzleIds, 0)
        : undefined;
      for (let s = 0; s < segments; s++) {
        const prev = carry;
        // Only the next carry leaves each segment's scope.
        carry = scope(() => {
          const r = actStep(reasoner, params, rows, prev, { training: false });
          const { tokenAccuracy, exact } = sequenceCorrectness(r.outputs.logits, prev.data.labels);
          const halts = wantsToHalt(reasoner.act, r.outputs.qHalt, r.outputs.qContinue);
          sums[s].token += sum(tokenAccuracy).item();
          sums[s].exact += sum(cast(exact, 'float32')).item();
          sums[s].halt += sum(cast(halts, 'float32')).item();
          return r.carry;
        });
      }
      return undefined;
    });
    count += n;
  }
  const perSegment = sums.map((s, i) => ({
    segment: i + 1,
    tokenAccuracy: s.token / Math.max(count, 1),
    exactAccuracy: s.exact / Math.max(count, 1),
    wouldHalt: s.halt / Math.max(count, 1),
  }));
  const last = perSegment[perSegment.length - 1];
  return { count, tokenAccuracy: last?.tokenAccuracy ?? 0, exactAccuracy: last?.exactAccuracy ?? 0, perSegment };
}
