/**
 * A two-layer Transformer for sequence-to-sequence tasks of a fixed length, built from @hrm/nn:
 * token embedding with learned positions, post-norm blocks with attention and SwiGLU, and a
 * linear head per position. Parameters are a plain record; every function here is pure.
 */
import { type Key, mul, splitKey, type Tensor } from '@hrm/core';
import {
  addLearnedPositions,
  type BlockConfig,
  type BlockParams,
  block,
  type EmbeddingParams,
  embed,
  initBlock,
  initEmbedding,
  initLearnedPositions,
  initLinear,
  type LearnedPositions,
  type LinearParams,
  linear,
} from '@hrm/nn';

export interface ModelConfig {
  readonly vocab: number;
  readonly seqLen: number;
  readonly hidden: number;
  readonly heads: number;
  readonly layers: number;
  readonly expansion: number;
}

/** The parameters, their dims named: 'vocab', 'hidden', and 'L' for the positions of a sequence. */
export interface ModelParams {
  readonly embed: EmbeddingParams<'vocab', 'hidden'>;
  /** Learned positions: reversing needs absolute positions, which RoPE's relative ones do not give. */
  readonly positions: LearnedPositions<'L', 'hidden'>;
  readonly blocks: readonly BlockParams<'hidden', 'L'>[];
  readonly head: LinearParams<'hidden', 'vocab'>;
}

function blockConfig(cfg: ModelConfig): BlockConfig {
  return { hidden: cfg.hidden, heads: cfg.heads, expansion: cfg.expansion, multipleOf: 8 };
}

export function initModel(key: Key, cfg: ModelConfig): ModelParams {
  const [ke, kp, kh, ...kb] = splitKey(key, 3 + cfg.layers);
  const dims = { vocab: cfg.vocab, hidden: cfg.hidden, L: cfg.seqLen };
  return {
    embed: initEmbedding(ke, 'vocab', 'hidden', { dims }),
    positions: initLearnedPositions(kp, 'L', 'hidden', { dims }),
    blocks: kb.map((k) => initBlock(k, blockConfig(cfg), { hidden: 'hidden', seq: 'L' })),
    head: initLinear(kh, 'hidden', 'vocab', { dims }),
  };
}

/** Logits [B, L, vocab] for tokens [B, L]: HRM's input recipe, `sqrt(D)·(tokens + positions)/sqrt(2)`. */
export function forward(
  p: ModelParams,
  tokens: Tensor<['B', 'L'], 'int32'>,
  cfg: ModelConfig,
): Tensor<['B', 'L', 'vocab']> {
  let h: Tensor<['B', 'L', 'hidden']> = mul(
    addLearnedPositions(embed(p.embed, tokens), p.positions),
    Math.sqrt(cfg.hidden),
  );
  for (const b of p.blocks) h = block(b, h, blockConfig(cfg));
  return linear(p.head, h);
}
