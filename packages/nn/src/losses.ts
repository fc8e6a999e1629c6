/**
 * Losses and metrics for sequence prediction, as HRM computes them (`models/losses.py`):
 * per-token cross-entropy (softmax, or stablemax accumulated in float64) with an ignore label,
 * normalised as a token mean within each sequence, then a mean over sequences; BCE with logits;
 * token accuracy and exact (whole-sequence) accuracy.
 */
import {
  abs,
  add,
  argmax,
  cast,
  type Dim,
  div,
  eq,
  exp,
  expandDims,
  type FloatDType,
  ge,
  log,
  log1p,
  logicalNot,
  logSoftmax,
  maximum,
  min,
  mul,
  ne,
  neg,
  reciprocal,
  type Shape,
  sub,
  sum,
  type Tensor,
  takeAlongAxis,
  where,
  zerosLike,
} from '@hrm/core';

/** The label of positions that count in no loss or metric (PyTorch's `ignore_index` default). */
export const IGNORE_LABEL = -100;

/** How logits become probabilities: `softmax`, or HRM's `stablemax`, which grows linearly instead of exponentially. */
export type LossKind = 'softmax' | 'stablemax';

/** Options of the token losses: softmax or stablemax, and the label that counts in no loss. */
export interface TokenLossOptions {
  readonly kind?: LossKind;
  readonly ignoreLabel?: number;
}

/** Float-typed tensor of the labels' shape: 1 where the label counts, 0 where it is ignored. */
export function validMask<S extends Shape>(labels: Tensor<S, 'int32'>, ignoreLabel = IGNORE_LABEL): Tensor<S> {
  return cast(ne(labels, ignoreLabel), 'float32');
}

/** Labels with the ignored ones replaced by 0, so that they index safely (their loss is masked out). */
function safeLabels<S extends Shape>(labels: Tensor<S, 'int32'>, ignoreLabel: number): Tensor<S, 'int32'> {
  return where(eq(labels, ignoreLabel), zerosLike(labels), labels);
}

/**
 * Stablemax's `s(x)`: `x + 1` for x >= 0 and `1 / (1 - x)` below, a softmax replacement that grows
 * linearly instead of exponentially. Each branch only sees inputs from its own side, so the branch
 * not taken never produces an infinity whose zero gradient would turn into NaN (and a NaN stays NaN).
 */
function stablemaxS<S extends Shape, D extends FloatDType>(x: Tensor<S, D>): Tensor<S, D> {
  const nonNegative = ge(x, 0);
  const below = where(logicalNot(nonNegative), x, 0);
  return where(nonNegative, add(where(nonNegative, x, 0), 1), reciprocal(sub(1, below)));
}

/** log stablemax over the last axis: `log s(x_i) - log sum_j s(x_j)`. */
export function logStablemax<S extends Shape, V extends Dim, D extends FloatDType>(
  logits: Tensor<[...S, V], D>,
): Tensor<[...S, V], D> {
  const s = stablemaxS(logits);
  return sub(log(s), log(sum(s, -1, { keepdims: true })));
}

/** `-log p[label]` per token in the logits' own dtype, 0 where the label is ignored. */
function pickedLoss<S extends Shape, V extends Dim, D extends FloatDType>(
  logits: Tensor<[...S, V], D>,
  labels: Tensor<S, 'int32'>,
  kind: LossKind,
  ignoreLabel: number,
): Tensor<S, D> {
  const at = expandDims(safeLabels(labels, ignoreLabel), -1);
  const picked = kind === 'softmax' ? takeAlongAxis(logSoftmax(logits), at, -1) : pickedLogStablemax(logits, at);
  return mul(neg(sum(picked, -1)), cast(validMask(labels, ignoreLabel), logits.dtype));
}

/**
 * `logStablemax` at one class per row (`at`: `[...S, 1]`), picking `s(x)` before the log: one log per
 * token instead of one per class.
 */
function pickedLogStablemax<S extends Shape, V extends Dim, D extends FloatDType>(
  logits: Tensor<[...S, V], D>,
  at: Tensor<[...S, 1], 'int32'>,
): Tensor<[...S, 1], D> {
  const s = stablemaxS(logits);
  return sub(log(takeAlongAxis(s, at, -1)), log(sum(s, -1, { keepdims: true })));
}

/**
 * Cross-entropy per token: `-log p[label]` over the last axis of `logits` (`[...S, V]`), 0 where the
 * label is `ignoreLabel`. Stablemax is computed in float64 when the backend holds it (as the
 * reference implementation does), and the result is returned in the logits' dtype.
 */
export function tokenCrossEntropy<S extends Shape, V extends Dim>(
  logits: Tensor<[...S, V]>,
  labels: Tensor<S, 'int32'>,
  opts: TokenLossOptions = {},
): Tensor<S> {
  const ignore = opts.ignoreLabel ?? IGNORE_LABEL;
  const kind = opts.kind ?? 'softmax';
  if (kind === 'stablemax' && logits.storage.backend.dtypes.includes('float64'))
    return cast(pickedLoss(cast(logits, 'float64'), labels, kind, ignore), logits.dtype);
  return pickedLoss(logits, labels, kind, ignore);
}

/**
 * HRM's LM loss over `[batch, len]` token losses: the mean over each sequence's valid tokens, then the
 * mean over the sequences (a sequence with no valid token contributes 0 but still counts).
 */
export function sequenceMeanLoss<B extends Dim, L extends Dim>(
  tokenLoss: Tensor<[B, L]>,
  labels: Tensor<[B, L], 'int32'>,
  ignoreLabel = IGNORE_LABEL,
): Tensor<[]> {
  const mask = cast(validMask(labels, ignoreLabel), tokenLoss.dtype);
  const count = maximum(sum(mask, -1), 1);
  const perSequence = div(sum(mul(tokenLoss, mask), -1), count);
  return div(sum(perSequence), perSequence.shape[0]);
}

/** `loss(logits, labels)` with HRM's normalisation, as one scalar. */
export function lmLoss<B extends Dim, L extends Dim, V extends Dim>(
  logits: Tensor<[B, L, V]>,
  labels: Tensor<[B, L], 'int32'>,
  opts: TokenLossOptions = {},
): Tensor<[]> {
  return sequenceMeanLoss(tokenCrossEntropy(logits, labels, opts), labels, opts.ignoreLabel);
}

/**
 * Binary cross-entropy on logits, elementwise, computed stably:
 * `max(x, 0) - x·t + log(1 + exp(-|x|))`.
 */
export function bceWithLogits<S extends Shape>(logits: Tensor<S>, targets: Tensor<S>): Tensor<S> {
  return add(sub(maximum(logits, 0), mul(logits, targets)), log1p(exp(neg(abs(logits)))));
}

/** Per sequence: the fraction of valid tokens predicted right, and whether all are right (bool). */
export function sequenceCorrectness<S extends Shape, L extends Dim, V extends Dim>(
  logits: Tensor<[...S, L, V]>,
  labels: Tensor<[...S, L], 'int32'>,
  ignoreLabel = IGNORE_LABEL,
): { tokenAccuracy: Tensor<S>; exact: Tensor<S, 'bool'> } {
  const mask = validMask(labels, ignoreLabel);
  const right = mul(cast(eq(argmax(logits, -1), labels), 'float32'), mask);
  const count = sum(mask, -1);
  const tokenAccuracy = div(sum(right, -1), maximum(count, 1));
  // Exact: every valid token right (a wrong valid token makes right < mask somewhere).
  const exact = eq(min(add(right, sub(1, mask)), -1), 1);
  return { tokenAccuracy, exact };
}

/** Mean token accuracy over sequences, and the fraction of sequences entirely right. */
export function accuracy<B extends Dim, L extends Dim, V extends Dim>(
  logits: Tensor<[B, L, V]>,
  labels: Tensor<[B, L], 'int32'>,
  ignoreLabel = IGNORE_LABEL,
): { token: number; exact: number } {
  const { tokenAccuracy, exact } = sequenceCorrectness(logits, labels, ignoreLabel);
  const n = tokenAccuracy.shape[0];
  return { token: sum(tokenAccuracy).item() / n, exact: sum(cast(exact, 'float32')).item() / n };
}
