/**
 * The Hierarchical Reasoning Model (Wang et al., 2025) on the hierarchy combinator: two levels, a slow
 * H module and a fast L module, each a stack of Transformer blocks applied to its state plus its
 * injection (`ReasoningModule.forward`). Per segment, N = `hCycles` times: T = `lCycles` fast updates
 * `zL ← L(zL, zH + x)`, then one slow update `zH ← H(zH, zL)`; the input reaches H only through zL.
 * The one-step gradient records the last update of each level (the fixed-point approximation).
 */
import { add, type Key, type Tensor, zeros } from '@hrm/core';
import { type BlockConfig, block } from '@hrm/nn';
import { type ModelConfig, prefixLength } from './config.js';
import { inputEmbeddings } from './embedding.js';
import { lmOutput, qOutput } from './heads.js';
import type { Hierarchy } from './hierarchy.js';
import {
  blockConfig,
  type HrmBuffers,
  type HrmParams,
  initHrm,
  modelDims,
  type ReasonerIO,
  type ReasoningBlocks,
} from './params.js';
import type { ActConfig, Hidden, Logits, PuzzleRows, QValues, Reasoner, Tokens } from './reasoner.js';

/** HRM's carry: the slow state zH (which holds the answer) and the fast state zL. */
export interface HrmStates {
  readonly zH: Hidden;
  readonly zL: Hidden;
}

/** `blocks(state + injection)`: a reasoning module (`ReasoningModule.forward`). */
export function reasoningModule(blocks: ReasoningBlocks, state: Hidden, injection: Hidden, cfg: BlockConfig): Hidden {
  return blocks.reduce((h, b) => block(b, h, cfg), add(state, injection));
}

/** The H module's blocks (a TRM checkpoint has none). */
function slowModule(params: HrmParams): ReasoningBlocks {
  if (!params.H) throw new Error('hrm: these parameters have no H module (TRM parameters?)');
  return params.H;
}

/**
 * The two-level recurrence of HRM and TRM: N = `hCycles` times, T = `lCycles` updates
 * `zL ← fast(zL, zH + x)`, then `zH ← slow(zH, zL)`. HRM's slow module is H; TRM's is the same network as
 * its fast one.
 */
export function twoLevelHierarchy(
  cfg: ModelConfig,
  slow: (params: HrmParams) => ReasoningBlocks,
): Hierarchy<HrmParams, HrmStates, Hidden> {
  const blocks = blockConfig(cfg);
  return {
    cycles: cfg.hCycles,
    levels: [
      {
        state: 'zH',
        period: cfg.lCycles,
        inject: (s) => s.zL,
        module: (p, zH, injection) => reasoningModule(slow(p), zH, injection, blocks),
      },
      {
        state: 'zL',
        inject: (s, x) => add(s.zH, x),
        module: (p, zL, injection) => reasoningModule(p.L, zL, injection, blocks),
      },
    ],
  };
}

/** HRM's recurrence: N cycles of T updates of L, each followed by one update of H. */
export function hrmHierarchy(cfg: ModelConfig): Hierarchy<HrmParams, HrmStates, Hidden> {
  return twoLevelHierarchy(cfg, slowModule);
}

/** The halting and loss settings of a model config. */
export function actConfig(cfg: ModelConfig): ActConfig {
  const { haltMaxSteps, haltExplorationProb, haltRule, continueTarget, lossType } = cfg;
  return { haltMaxSteps, haltExplorationProb, haltRule, continueTarget, lossType };
}

/**
 * The parts of an HRM-family reasoner that do not depend on its hierarchy. TRM reuses them; so can a new
 * hierarchy whose parameters include `ReasonerIO` and whose states include `zH` (which holds the answer)
 * and `zL`.
 */
export interface HrmParts {
  readonly act: ActConfig;
  readonly tokens: number;
  /** HRM's or TRM's parameters and buffers (by `cfg.arch`). */
  readonly init: (key: Key) => { params: HrmParams; buffers: HrmBuffers };
  /** The input injection: token (and puzzle-prefix) embeddings, scaled by sqrt(hidden). */
  readonly embed: (params: ReasonerIO, inputs: Tokens, puzzleRows: PuzzleRows | undefined) => Hidden;
  /** zH and zL restart from the buffers' fixed vectors. */
  readonly initial: (buffers: HrmBuffers) => { readonly zH: Tensor<['hidden']>; readonly zL: Tensor<['hidden']> };
  /** Zero placeholders for zH and zL, in the buffers' dtype. */
  readonly blank: (buffers: HrmBuffers, batch: number) => HrmStates;
  /** The LM head on zH. */
  readonly output: (params: ReasonerIO, states: { readonly zH: Hidden }) => Logits;
  /** The Q head on zH's first position. */
  readonly q: (params: ReasonerIO, states: { readonly zH: Hidden }) => QValues;
}

/** HRM's parts for a model config (see `HrmParts`). */
export function hrmParts(cfg: ModelConfig): HrmParts {
  const prefix = prefixLength(cfg);
  const dims = modelDims(cfg);
  return {
    act: actConfig(cfg),
    tokens: cfg.seqLen,
    init: (key) => initHrm(key, cfg),
    embed: (p, inputs, rows) => inputEmbeddings(p, inputs, rows, cfg),
    initial: (b) => ({ zH: b.hInit, zL: b.lInit }),
    blank: (b, batch) => {
      const state: Hidden = zeros(['batch', 'seq', 'hidden'], { dims: { ...dims, batch }, dtype: b.hInit.dtype });
      return { zH: state, zL: state };
    },
    output: (p, s) => lmOutput(p, s.zH, prefix),
    q: (p, s) => qOutput(p, s.zH),
  };
}

/** HRM for a model config: two levels, the one-step gradient (or the window `cfg.gradWindow` names). */
export function hrm(cfg: ModelConfig): Reasoner<HrmParams, HrmBuffers, HrmStates> {
  return { ...hrmParts(cfg), hierarchy: hrmHierarchy(cfg), window: cfg.gradWindow };
}
