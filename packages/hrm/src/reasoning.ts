/**
 * The recurrence of one segment, for HRM and TRM alike, as a schedule of module evaluations:
 *
 *   HRM: for each of H_cycles:  L_cycles × [zL <- L(zL, zH + x)],  then  zH <- H(zH, zL)
 *   TRM: for each of H_cycles:  L_cycles × [z  <- net(z, y + x)],  then  y  <- net(y, z)
 *
 * (the same shape; TRM's one network plays both parts, see trm.ts). A reasoning module adds its
 * injection to its state, then runs its blocks. The gradient window decides how many of the last
 * evaluations are recorded: the earlier ones run under `noGrad`, so their activations are never kept.
 */
import { type AnyTensor, add, dispose, noGrad, scope } from '@hrm/core';
import { type BlockParams, block, type RopeTables } from '@hrm/nn';
import type { ModelConfig } from './config.js';
import { blockConfig, type HrmParams } from './params.js';
import { trmReason } from './trm.js';

export interface InnerCarry {
  readonly zH: AnyTensor;
  readonly zL: AnyTensor;
}

/** `blocks(state + injection)` (`ReasoningModule.forward`). */
export function reasoningModule(
  blocks: readonly BlockParams[],
  state: AnyTensor,
  injection: AnyTensor,
  cfg: ModelConfig,
  rope: RopeTables | undefined,
): AnyTensor {
  const bc = { ...blockConfig(cfg), ...(rope ? { rope } : {}) };
  let h = add(state, injection);
  for (const b of blocks) h = block(b, h, bc);
  return h;
}

/** How many of the segment's module evaluations are recorded for the gradient. */
export function recordedEvaluations(cfg: ModelConfig): number {
  const total = cfg.hCycles * (cfg.lCycles + 1);
  switch (cfg.gradWindow) {
    case 'one-step':
      return 2; // the last L (z) update and the last H (y) update
    case 'last-cycle':
      return cfg.lCycles + 1;
    case 'bptt':
      return total;
  }
}

/**
 * Runs a segment's module evaluations in order; all but the last `recorded` run under `noGrad`.
 * Each evaluation runs in its own scope, so only the new states survive it (and, for recorded ones,
 * what the tape saved): memory does not grow with the number of unrecorded evaluations.
 */
export function runSchedule(
  steps: readonly ((s: InnerCarry) => InnerCarry)[],
  start: InnerCarry,
  recorded: number,
): InnerCarry {
  const free = steps.length - recorded;
  let state = start;
  steps.forEach((step, i) => {
    const prev = state;
    state = i < free ? noGrad(() => scope(() => step(prev))) : scope(() => step(prev));
    // An unrecorded evaluation's input, once replaced, is garbage (no tape saved it): free it now
    // rather than at the end of the caller's scope, so memory stays flat in N x T. The caller's
    // start state is the caller's; recorded evaluations' inputs stay (their tape saved them).
    if (i < free) {
      const replaced = [prev.zH, prev.zL].filter(
        (t) => t !== start.zH && t !== start.zL && t !== state.zH && t !== state.zL,
      );
      dispose(replaced);
    }
  });
  return state;
}

/**
 * HRM's segment (`_Inner.forward`): H_cycles times, L_cycles fast updates `zL <- L(zL, zH + x)`
 * then one slow update `zH <- H(zH, zL)`; the input reaches H only through zL.
 */
export function reason(
  params: HrmParams,
  carry: InnerCarry,
  x: AnyTensor,
  cfg: ModelConfig,
  rope: RopeTables | undefined,
): InnerCarry {
  if (cfg.arch === 'trm') return trmReason(params, carry, x, cfg, rope);
  const { H, L } = params;
  if (!H) throw new Error('reason: an HRM needs H-module parameters');
  const steps: ((s: InnerCarry) => InnerCarry)[] = [];
  for (let h = 0; h < cfg.hCycles; h++) {
    for (let l = 0; l < cfg.lCycles; l++)
      steps.push(({ zH, zL }) => ({ zH, zL: reasoningModule(L, zL, add(zH, x), cfg, rope) }));
    steps.push(({ zH, zL }) => ({ zH: reasoningModule(H, zH, zL, cfg, rope), zL }));
  }
  return runSchedule(steps, carry, recordedEvaluations(cfg));
}
