/**
 * Adaptive computation time (`HierarchicalReasoningModel_ACTV1.forward`). The carry holds, per batch
 * slot, the inner states, the segments run so far, whether the slot has halted, and its example. Each
 * call first gives halted slots a fresh start (initial states, 0 steps, the new batch's example), runs
 * one segment, then decides who halts:
 * - always at `haltMaxSteps`; in training also when the Q rule says so (`q_halt > q_continue`, or
 *   `q_halt > 0` for TRM), except that with probability `haltExplorationProb` a slot must first run a
 *   random minimum of 2..haltMaxSteps segments;
 * - in training with `continueTarget`, the target for q_continue is bootstrapped from a second forward
 *   pass on the new carry (no grad): sigmoid(q_halt') on the last step, else sigmoid(max(q_halt', q_continue')).
 * In evaluation every slot runs exactly `haltMaxSteps` segments.
 */
import {
  type AnyTensor,
  add,
  bernoulli,
  ge,
  gt,
  type Key,
  logicalAnd,
  logicalOr,
  maximum,
  noGrad,
  ones,
  randint,
  reshape,
  sigmoid,
  splitKey,
  type Tensor,
  where,
  zeros,
} from '@hrm/core';
import type { RopeTables } from '@hrm/nn';
import { type ModelConfig, prefixLength } from './config.js';
import type { HrmBuffers, HrmParams } from './params.js';
import type { InnerCarry } from './reasoning.js';
import { type Batch, type SegmentOutput, segment } from './segment.js';

export interface Carry {
  readonly inner: InnerCarry;
  readonly steps: Tensor<['B'], 'int32'>;
  readonly halted: Tensor<['B'], 'bool'>;
  readonly data: Batch;
}

/** Every slot halted, so that the first call loads the whole batch (`initial_carry`). */
export function initialCarry(batchSize: number, cfg: ModelConfig): Carry {
  const dims = { B: batchSize, S: cfg.seqLen + prefixLength(cfg), D: cfg.hidden, L: cfg.seqLen };
  const state = zeros(['B', 'S', 'D'], { dims });
  return {
    inner: { zH: state, zL: state },
    steps: zeros(['B'], { dims, dtype: 'int32' }),
    halted: ones(['B'], { dims, dtype: 'bool' }),
    data: {
      inputs: zeros(['B', 'L'], { dims, dtype: 'int32' }),
      labels: zeros(['B', 'L'], { dims, dtype: 'int32' }),
      puzzleIds: zeros(['B'], { dims, dtype: 'int32' }),
    },
  };
}

/** `where(flag[b], a[b, ...], b[b, ...])` for a per-slot flag. */
function perSlot(flag: AnyTensor, a: AnyTensor, b: AnyTensor): AnyTensor {
  const shape = [flag.shape[0], ...new Array(Math.max(a.rank, b.rank) - 1).fill(1)];
  return where(reshape(flag, shape), a, b);
}

/** The carry with its halted slots restarted on the new batch's examples (no gradient involved). */
export function resetHalted(carry: Carry, batch: Batch, buffers: HrmBuffers): Carry {
  const { halted } = carry;
  return {
    inner: { zH: perSlot(halted, buffers.hInit, carry.inner.zH), zL: perSlot(halted, buffers.lInit, carry.inner.zL) },
    steps: where(halted, 0, carry.steps),
    halted,
    data: {
      inputs: perSlot(halted, batch.inputs, carry.data.inputs),
      labels: perSlot(halted, batch.labels, carry.data.labels),
      puzzleIds: where(halted, batch.puzzleIds, carry.data.puzzleIds),
    },
  };
}

export interface ActOutput extends Omit<SegmentOutput, 'carry'> {
  /** The bootstrapped target for q_continue (training with `continueTarget` only). */
  readonly targetQContinue?: AnyTensor;
}

export interface ActOptions {
  readonly training: boolean;
  /** Randomness for exploration (training only). */
  readonly key?: Key;
  readonly rope?: RopeTables | undefined;
}

/**
 * One ACT call on a carry already reset by `resetHalted`: a segment, then the halting decision.
 * `puzzleRows` are the puzzle-embedding rows of `carry.data.puzzleIds`.
 */
export function actStep(
  params: HrmParams,
  puzzleRows: AnyTensor | undefined,
  carry: Carry,
  cfg: ModelConfig,
  opts: ActOptions,
): { carry: Carry; outputs: ActOutput } {
  const out = segment(params, carry.inner, carry.data.inputs, puzzleRows, cfg, opts.rope);
  return noGrad(() => {
    const steps = add(carry.steps, 1);
    const isLast = ge(steps, cfg.haltMaxSteps);
    let halted: AnyTensor = isLast;
    let targetQContinue: AnyTensor | undefined;
    if (opts.training && cfg.haltMaxSteps > 1) {
      const wantsToHalt = cfg.haltRule === 'q-compare' ? gt(out.qHalt, out.qContinue) : gt(out.qHalt, 0);
      halted = logicalOr(halted, wantsToHalt);
      // Exploration: with probability eps a slot must run at least a random 2..haltMaxSteps segments.
      if (!opts.key) throw new Error('actStep: training needs a key for exploration');
      const [kExplore, kMin] = splitKey(opts.key, 2);
      const batch = steps.shape[0];
      const explore = bernoulli(kExplore, cfg.haltExplorationProb, [batch]);
      const minHalt = where(explore, randint(kMin, [batch], 2, cfg.haltMaxSteps + 1), 0);
      halted = logicalAnd(halted, ge(steps, minHalt));
      if (cfg.continueTarget) {
        const next = segment(params, out.carry, carry.data.inputs, puzzleRows, cfg, opts.rope);
        targetQContinue = sigmoid(where(isLast, next.qHalt, maximum(next.qHalt, next.qContinue)));
      }
    }
    return {
      carry: { inner: out.carry, steps, halted, data: carry.data } as Carry,
      outputs: {
        logits: out.logits,
        qHalt: out.qHalt,
        qContinue: out.qContinue,
        ...(targetQContinue ? { targetQContinue } : {}),
      },
    };
  });
}
