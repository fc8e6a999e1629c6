/**
 * The parameters of HRM and TRM, and their initialisation (`_Inner.__init__` in the reference):
 * trained weights in `params` (what AdamATan2 updates), and the state that is not trained by the
 * main optimiser in `buffers`: the fixed initial states and the sparse puzzle-embedding table.
 * Every weight's dims are named (`hidden`, `vocab`, `seq`, ...; sizes from `modelDims`), so the
 * model code is checked against them.
 */
import { full, type Key, key, splitKey, type Tensor, withoutSampling, zeros } from '@hrm/core';
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
import type { PuzzleTable } from './reasoner.js';

/** The sizes of the named dims of a model of `cfg`. */
export function modelDims(cfg: ModelConfig) {
  return {
    hidden: cfg.hidden,
    vocab: cfg.vocabSize,
    tokens: cfg.seqLen,
    seq: cfg.seqLen + prefixLength(cfg),
    puzzles: cfg.numPuzzleIdentifiers,
    puzzleDim: cfg.puzzleEmbDim,
  };
}

/** A reasoning module: a stack of Transformer blocks over `[batch, seq, hidden]`. */
export type ReasoningBlocks = readonly BlockParams<'hidden', 'seq'>[];

/** What every model of this family shares around its recurrence: the input embedding and the two heads. */
export interface ReasonerIO {
  readonly embed: EmbeddingParams<'vocab', 'hidden'>;
  /** Learned positions (when `posEncodings` is `learned`). */
  readonly positions?: LearnedPositions<'seq', 'hidden'>;
  /** The answer head, from the states to token logits. */
  readonly lmHead: LinearParams<'hidden', 'vocab'>;
  /** The Q head: halt and continue logits from the first position. */
  readonly qHead: LinearParams<'hidden', 2>;
}

/** HRM's and TRM's parameters. */
export interface HrmParams extends ReasonerIO {
  /** HRM: the slow module. TRM has none (its one network is `L`). */
  readonly H?: ReasoningBlocks;
  /** HRM: the fast module. TRM: the shared network. */
  readonly L: ReasoningBlocks;
}

/** HRM's and TRM's untrained state. */
export interface HrmBuffers {
  /** The fixed (untrained) initial states, broadcast to every position on reset. */
  readonly hInit: Tensor<['hidden']>;
  readonly lInit: Tensor<['hidden']>;
  /** One row per puzzle identifier, zero-initialised, trained by sparse SignSGD (absent when puzzleEmbDim is 0). */
  readonly puzzleEmb?: PuzzleTable;
}

/** The Transformer block shape of `cfg`: post-norm, RoPE, the token-mixing MLP or the grid mixer, HRM's SwiGLU width. */
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
    ...(cfg.gridMixer ? { mixer: { grid: { prefix: prefixLength(cfg) } } } : {}),
    ...(cfg.posEncodings === 'rope' && !cfg.mlpT && !cfg.gridMixer ? { ropeTheta: cfg.ropeTheta } : {}),
  };
}

/** A reasoning module of `layers` blocks of `cfg`'s shape. */
export function initReasoningBlocks(key: Key, cfg: ModelConfig, layers: number): ReasoningBlocks {
  return splitKey(key, layers).map((k) => initBlock(k, blockConfig(cfg), { hidden: 'hidden', seq: 'seq' }));
}

/** The input embedding, learned positions (when chosen) and the two heads, from one key each. */
export function initIO(keys: { embed: Key; positions: Key; lmHead: Key }, cfg: ModelConfig): ReasonerIO {
  const dims = modelDims(cfg);
  return {
    // std 1/sqrt(hidden); the sqrt(hidden) scale is applied in the forward pass.
    embed: initEmbedding(keys.embed, 'vocab', 'hidden', { dims }),
    ...(cfg.posEncodings === 'learned'
      ? { positions: initLearnedPositions(keys.positions, 'seq', 'hidden', { dims }) }
      : {}),
    lmHead: initLinear(keys.lmHead, 'hidden', 'vocab', { dims }),
    // Zero weights and bias -5: Q starts near 0 (sigmoid(-5) = 0.0067), so bootstrapping learns faster.
    qHead: { w: zeros(['hidden', 2], { dims }), b: full([2], -5) },
  };
}

/** The puzzle-embedding table of `cfg` (zeros), or none when `puzzleEmbDim` is 0. */
export function initPuzzleTable(cfg: ModelConfig): { readonly puzzleEmb?: PuzzleTable } {
  return cfg.puzzleEmbDim > 0 ? { puzzleEmb: zeros(['puzzles', 'puzzleDim'], { dims: modelDims(cfg) }) } : {};
}

/**
 * A model of `cfg` whose tensors are zeros: what a checkpoint of that config is checked against (names,
 * shapes, dtypes), without the random initialisation (seconds for an official-size model).
 */
export function modelTemplate(cfg: ModelConfig): { params: HrmParams; buffers: HrmBuffers } {
  return withoutSampling(() => initHrm(key(0), cfg));
}

/** HRM's or TRM's (by `cfg.arch`) parameters and buffers, from one key (the split is fixed: checkpoints depend on it). */
export function initHrm(key: Key, cfg: ModelConfig): { params: HrmParams; buffers: HrmBuffers } {
  const [kEmbed, kPos, kLm, kH, kL, kHInit, kLInit] = splitKey(key, 7);
  const dims = modelDims(cfg);
  const { embed, positions, lmHead, qHead } = initIO({ embed: kEmbed, positions: kPos, lmHead: kLm }, cfg);
  // In the reference's order (a checkpoint lists its tensors in this order).
  const params: HrmParams = {
    embed,
    ...(positions ? { positions } : {}),
    ...(cfg.arch === 'hrm' ? { H: initReasoningBlocks(kH, cfg, cfg.hLayers) } : {}),
    L: initReasoningBlocks(kL, cfg, cfg.lLayers),
    lmHead,
    qHead,
  };
  const buffers: HrmBuffers = {
    hInit: initialState(kHInit, 'hidden', { dims }),
    lInit: initialState(kLInit, 'hidden', { dims }),
    ...initPuzzleTable(cfg),
  };
  return { params, buffers };
}
