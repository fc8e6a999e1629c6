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

export interface ModelParams {
  readonly embed: EmbeddingParams;
  /** Learned positions: reversing needs absolute positions, which RoPE's relative ones do not give. */
  readonly positions: LearnedPositions;
  readonly blocks: readonly BlockParams[];
  readonly head: LinearParams;
}

function blockConfig(cfg: ModelConfig): BlockConfig {
  return { hidden: cfg.hidden, heads: cfg.heads, expansion: cfg.expansion, multipleOf: 8 };
}

export function initModel(key: Key, cfg: ModelConfig): ModelParams {
  const [ke, kp, kh, ...kb] = splitKey(key, 3 + cfg.layers);
  return {
    embed: initEmbedding(ke, cfg.vocab, cfg.hidden),
    positions: initLearnedPositions(kp, cfg.seqLen, cfg.hidden),
    blocks: kb.map((k) => initBlock(k, blockConfig(cfg))),
    head: initLinear(kh, cfg.hidden, cfg.vocab),
  };
}

/** Logits [B, L, vocab] for tokens [B, L]: HRM's input recipe, `sqrt(D)·(tokens + positions)/sqrt(2)`. */
export function forward(
  p: ModelParams,
  tokens: Tensor<['B', 'L'], 'int32'>,
  cfg: ModelConfig,
): Tensor<['B', 'L', number]> {
  let h: Tensor<['B', 'L', number]> = mul(
    addLearnedPositions(embed(p.embed, tokens), p.positions),
    Math.sqrt(cfg.hidden),
  );
  for (const b of p.blocks) h = block(b, h, blockConfig(cfg));
  return linear(p.head, h);
}
