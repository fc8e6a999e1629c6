/**
 * Losses and metrics for sequence prediction, as HRM computes them (`models/losses.py`):
 * per-token cross-entropy (softmax, or stablemax accumulated in float64) with an ignore label,
 * normalised as a token mean within each sequence, then a mean over sequences; BCE with logits;
 * token accuracy and exact (whole-sequence) accuracy.
 */
import {
  type AnyTensor,
  abs,
  add,
  argmax,
  cast,
  div,
  eq,
  exp,
  expandDims,
  ge,
  log,
  log1p,
  logSoftmax,
  maximum,
  min,
  mul,
  ne,
  neg,
  reciprocal,
  sub,
  sum,
  type Tensor,
  takeAlongAxis,
  where,
} from '@hrm/core';

/** The label of positions that count in no loss or metric (PyTorch's `ignore_index` default). */
export const IGNORE_LABEL = -100;

/** How logits become probabilities: `softmax`, or HRM's `stablemax`, which grows linearly instead of exponentially. */
export type LossKind = 'softmax' | 'stablemax';

/** Float-typed tensor of the labels' shape: 1 where the label counts, 0 where it is ignored. */
export function validMask(labels: AnyTensor, ignoreLabel = IGNORE_LABEL): AnyTensor {
  return cast(ne(labels, ignoreLabel), 'float32');
}

/** Labels with the ignored ones replaced by 0, so that they index safely (their loss is masked out). */
function safeLabels(labels: AnyTensor, ignoreLabel: number): AnyTensor {
  return where(eq(labels, ignoreLabel), 0, labels);
}

/**
 * Stablemax's `s(x)`: `x + 1` for x >= 0 and `1 / (1 - x)` below, a softmax replacement that grows
 * linearly instead of exponentially. Each branch only sees inputs from its own side, so the branch
 * not taken never produces an infinity whose zero gradient would turn into NaN.
 */
function stablemaxS(x: AnyTensor): AnyTensor {
  const nonNegative = ge(x, 0);
  return where(nonNegative, add(where(nonNegative, x, 0), 1), reciprocal(sub(1, where(nonNegative, 0, x))));
}

/** log stablemax over the last axis: `log s(x_i) - log sum_j s(x_j)`. */
export function logStablemax(logits: AnyTensor): AnyTensor {
  const s = stablemaxS(logits);
  return sub(log(s), log(sum(s, -1, { keepdims: true })));
}

/**
 * Cross-entropy per token: `-log p[label]` over the last axis of `logits` ([..., V]), 0 where the
 * label is `ignoreLabel`. Stablemax is computed in float64 when the backend holds it (as the
 * reference implementation does), and the result is returned in the logits' dtype.
 */
export function tokenCrossEntropy<S extends readonly (number | string)[]>(
  logits: AnyTensor,
  labels: Tensor<S, 'int32'>,
  opts: { readonly kind?: LossKind; readonly ignoreLabel?: number } = {},
): AnyTensor {
  const ignore = opts.ignoreLabel ?? IGNORE_LABEL;
  const kind = opts.kind ?? 'softmax';
  const wide =
    kind === 'stablemax' && logits.storage.backend.dtypes.includes('float64') ? cast(logits, 'float64') : logits;
  const logp = kind === 'stablemax' ? logStablemax(wide) : logSoftmax(wide);
  const picked = neg(takeAlongAxis(logp, expandDims(safeLabels(labels as AnyTensor, ignore), -1), -1));
  const perToken = mul(sum(picked, -1), cast(validMask(labels as AnyTensor, ignore), picked.dtype));
  return cast(perToken, logits.dtype);
}

/**
 * HRM's LM loss over [B, L] token losses: the mean over each sequence's valid tokens, then the mean
 * over the B sequences (a sequence with no valid token contributes 0 but still counts in B).
 */
export function sequenceMeanLoss(tokenLoss: AnyTensor, labels: AnyTensor, ignoreLabel = IGNORE_LABEL): AnyTensor {
  const mask = validMask(labels, ignoreLabel);
  const count = maximum(sum(mask, -1), 1);
  const perSequence = div(sum(mul(tokenLoss, cast(mask, tokenLoss.dtype)), -1), cast(count, tokenLoss.dtype));
  return div(sum(perSequence), perSequence.shape[0]);
}

/** `loss(logits, labels)` with HRM's normalisation, as one scalar. */
export function lmLoss(
  logits: AnyTensor,
  labels: Tensor<readonly (number | string)[], 'int32'>,
  opts: { readonly kind?: LossKind; readonly ignoreLabel?: number } = {},
): AnyTensor {
  return sequenceMeanLoss(tokenCrossEntropy(logits, labels, opts), labels as AnyTensor, opts.ignoreLabel);
}

/**
 * Binary cross-entropy on logits, elementwise, computed stably:
 * `max(x, 0) - x·t + log(1 + exp(-|x|))`.
 */
export function bceWithLogits(logits: AnyTensor, targets: AnyTensor): AnyTensor {
  return add(sub(maximum(logits, 0), mul(logits, targets)), log1p(exp(neg(abs(logits)))));
}

/** Per sequence: the fraction of valid tokens predicted right ([B]), and whether all are right ([B] bool). */
export function sequenceCorrectness(
  logits: AnyTensor,
  labels: AnyTensor,
  ignoreLabel = IGNORE_LABEL,
): { tokenAccuracy: AnyTensor; exact: AnyTensor } {
  const mask = validMask(labels, ignoreLabel);
  const right = mul(cast(eq(argmax(logits, -1), labels), 'float32'), mask);
  const count = sum(mask, -1);
  const tokenAccuracy = div(sum(right, -1), maximum(count, 1));
  // Exact: every valid token right (a wrong valid token makes right < mask somewhere).
  const exact = eq(min(add(right, sub(1, mask)), -1), 1);
  return { tokenAccuracy, exact };
}

/** Mean token accuracy over sequences, and the fraction of sequences entirely right. */
export function accuracy(
  logits: AnyTensor,
  labels: AnyTensor,
  ignoreLabel = IGNORE_LABEL,
): { token: number; exact: number } {
  const { tokenAccuracy, exact } = sequenceCorrectness(logits, labels, ignoreLabel);
  const n = tokenAccuracy.shape[0];
  return { token: sum(tokenAccuracy).item() / n, exact: sum(cast(exact, 'float32')).item() / n };
}
