/**
 * The training loss and metrics of one ACT call (`ACTLossHead.forward`), per batch slot and summed:
 * - lm: each sequence's mean token loss (softmax or stablemax CE, ignoring label -100);
 * - q_halt: BCE(q_halt, sequence entirely right);
 * - q_continue: BCE(q_continue, bootstrapped target), when there is one;
 * total = lm + 0.5·(q_halt + q_continue), divided by the batch size (as `train_batch` does).
 * Metrics count only the slots that halted on this call (and have labels), as the reference does.
 * It reads only the outputs and the carry's labels and flags, so it serves every reasoner.
 */
import { add, cast, div, eq, ge, gt, logicalAnd, noGrad, sum, type Tensor, where } from '@hrm/core';
import { bceWithLogits, sequenceCorrectness, tokenCrossEntropy, validMask } from '@hrm/nn';
import type { ActOutput, Carry } from './act.js';
import type { ActConfig } from './reasoner.js';

/** Sums over the batch for this call; divide by `count` (or by the batch size, for losses) to report. */
export interface ActMetrics {
  readonly count: number;
  readonly accuracy: number;
  readonly exactAccuracy: number;
  readonly qHaltAccuracy: number;
  readonly steps: number;
  readonly lmLoss: number;
  readonly qHaltLoss: number;
  readonly qContinueLoss: number;
}

/** The loss to differentiate and the call's metrics. */
export interface ActLoss {
  /** The scalar to differentiate: the total divided by the batch size. */
  readonly loss: Tensor<[]>;
  readonly metrics: ActMetrics;
}

/** The loss and metrics of an ACT call's outputs against the labels in its carry. */
export function actLoss<C>(outputs: ActOutput, carry: Carry<C>, act: ActConfig): ActLoss {
  const labels = carry.data.labels;
  const batch = labels.shape[0];
  const { logits } = outputs;
  const tokenLoss = tokenCrossEntropy(logits, labels, { kind: act.lossType });
  const mask = validMask(labels);
  const counts = sum(mask, -1);
  // Per sequence: mean token loss over its valid tokens (0 for a sequence with none).
  const lmPerSeq = div(sum(tokenLoss, -1), cast(where(gt(counts, 0), counts, 1), tokenLoss.dtype));
  const lm = sum(lmPerSeq);
  const { tokenAccuracy, exact } = noGrad(() => sequenceCorrectness(logits, labels));
  const qHaltLoss = sum(bceWithLogits(outputs.qHalt, cast(exact, outputs.qHalt.dtype)));
  const qContinueLoss = outputs.targetQContinue
    ? sum(bceWithLogits(outputs.qContinue, outputs.targetQContinue))
    : undefined;
  const q = qContinueLoss ? add(qHaltLoss, qContinueLoss) : qHaltLoss;
  const total = div(add(cast(lm, q.dtype), cast(div(q, 2), q.dtype)), batch);

  const metrics = noGrad(() => {
    const valid = logicalAnd(carry.halted, gt(counts, 0));
    const f = (x: Tensor<['batch'], 'bool'>) => sum(cast(x, 'float32')).item();
    return {
      count: f(valid),
      accuracy: sum(where(valid, tokenAccuracy, 0)).item(),
      exactAccuracy: f(logicalAnd(valid, exact)),
      qHaltAccuracy: f(logicalAnd(valid, eq(ge(outputs.qHalt, 0), exact))),
      steps: sum(where(valid, cast(carry.steps, 'float32'), 0)).item(),
      lmLoss: lm.item(),
      qHaltLoss: qHaltLoss.item(),
      qContinueLoss: qContinueLoss ? qContinueLoss.item() : 0,
    };
  });
  return { loss: total, metrics };
}
