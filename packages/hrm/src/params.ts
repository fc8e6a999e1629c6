/**
 * The parameters of HRM and TRM, and their initialisation (`_Inner.__init__` in the reference):
 * trained weights in `params` (what AdamATan2 updates), and the state that is not trained by the
 * main optimiser in `buffers`: the fixed initial states and the sparse puzzle-embedding table.
 */
import { full, type Key, splitKey, type Tensor, zeros } from '@hrm/core';
import {
  type BlockConfig,
  type BlockParams,
  type EmbeddingParams,
  initBlock,
  initEmbedding,
  initialState,
  initLearnedPositions,
  initLinear,
  type LearnedPositions,
  type LinearParams,
} from '@hrm/nn';
import { type ModelConfig, prefixLength } from './config.js';

export interface HrmParams {
  readonly embed: EmbeddingParams;
  readonly positions?: LearnedPositions;
  /** HRM: the slow module. TRM has none (its one network is `L`). */
  readonly H?: readonly BlockParams[];
  /** HRM: the fast module. TRM: the shared network. */
  readonly L: readonly BlockParams[];
  readonly lmHead: LinearParams;
  readonly qHead: LinearParams;
}

export interface HrmBuffers {
  /** The fixed (untrained) initial states, broadcast to every position on reset. */
  readonly hInit: Tensor<[number]>;
  readonly lInit: Tensor<[number]>;
  /** One row per puzzle identifier, zero-initialised, trained by sparse SignSGD (absent when puzzleEmbDim is 0). */
  readonly puzzleEmb?: Tensor<[number, number]>;
}

export function blockConfig(cfg: ModelConfig): BlockConfig {
  const tokens = cfg.seqLen + prefixLength(cfg);
  return {
    hidden: cfg.hidden,
    heads: cfg.heads,
    expansion: cfg.expansion,
    multipleOf: cfg.multipleOf,
    eps: cfg.rmsNormEps,
    norm: 'post',
    ...(cfg.mlpT ? { mixer: { tokens } } : {}),
  };
}

export function initHrm(key: Key, cfg: ModelConfig): { params: HrmParams; buffers: HrmBuffers } {
  const [kEmbed, kPos, kLm, kH, kL, kHInit, kLInit] = splitKey(key, 7);
  const layers = (k: Key, n: number) => splitKey(k, n).map((ki) => initBlock(ki, blockConfig(cfg)));
  const tokens = cfg.seqLen + prefixLength(cfg);
  const params: HrmParams = {
    // std 1/sqrt(hidden); the sqrt(hidden) scale is applied in the forward pass.
    embed: initEmbedding(kEmbed, cfg.vocabSize, cfg.hidden),
    ...(cfg.posEncodings === 'learned' ? { positions: initLearnedPositions(kPos, tokens, cfg.hidden) } : {}),
    ...(cfg.arch === 'hrm' ? { H: layers(kH, cfg.hLayers) } : {}),
    L: layers(kL, cfg.lLayers),
    lmHead: initLinear(kLm, cfg.hidden, cfg.vocabSize),
    // Zero weights and bias -5: Q starts near 0 (sigmoid(-5) = 0.0067), so bootstrapping learns faster.
    qHead: { w: zeros([cfg.hidden, 2]), b: full([2], -5) },
  };
  const buffers: HrmBuffers = {
    hInit: initialState(kHInit, cfg.hidden),
    lInit: initialState(kLInit, cfg.hidden),
    ...(cfg.puzzleEmbDim > 0 ? { puzzleEmb: zeros([cfg.numPuzzleIdentifiers, cfg.puzzleEmbDim]) } : {}),
  };
  return { params, buffers };
}
