/**
 * One segment of the inner model (`_Inner.forward`): embed the inputs, run the recurrence, and read
 * the heads. The new carry is detached, so no gradient ever crosses from one segment to the next.
 */
import { type AnyTensor, index, slice, stopGradient, type Tensor } from '@hrm/core';
import { linear, type RopeTables, ropeTables } from '@hrm/nn';
import { type ModelConfig, prefixLength } from './config.js';
import { inputEmbeddings } from './embedding.js';
import type { HrmParams } from './params.js';
import { type InnerCarry, reason } from './reasoning.js';

export interface Batch {
  readonly inputs: Tensor<['B', 'L'], 'int32'>;
  readonly labels: Tensor<['B', 'L'], 'int32'>;
  readonly puzzleIds: Tensor<['B'], 'int32'>;
}

export interface SegmentOutput {
  /** Detached: the next segment starts from here. */
  readonly carry: InnerCarry;
  /** `[B, L, vocab]`: the LM head on zH, prefix positions dropped. */
  readonly logits: AnyTensor;
  /** `[B]` each: the Q head on zH at position 0. */
  readonly qHalt: AnyTensor;
  readonly qContinue: AnyTensor;
}

/** RoPE tables for a config (undefined when it does not use RoPE). Build once and reuse. */
export function ropeFor(cfg: ModelConfig): RopeTables | undefined {
  return cfg.posEncodings === 'rope' && !cfg.mlpT
    ? ropeTables(cfg.seqLen + prefixLength(cfg), cfg.hidden / cfg.heads, cfg.ropeTheta)
    : undefined;
}

export function segment(
  params: HrmParams,
  carry: InnerCarry,
  inputs: Tensor<['B', 'L'], 'int32'>,
  puzzleRows: AnyTensor | undefined,
  cfg: ModelConfig,
  rope: RopeTables | undefined = ropeFor(cfg),
): SegmentOutput {
  const x = inputEmbeddings(params, inputs, puzzleRows, cfg);
  const { zH, zL } = reason(params, carry, x, cfg, rope);
  const prefix = prefixLength(cfg);
  const logits = linear(params.lmHead, slice(zH as Tensor<['B', 'S', number]>, 1, prefix));
  const q: AnyTensor = linear(params.qHead, index(zH as Tensor<['B', 'S', number]>, 1, 0));
  return {
    carry: { zH: stopGradient(zH), zL: stopGradient(zL) },
    logits,
    qHalt: index(q, -1, 0),
    qContinue: index(q, -1, 1),
  };
}
