/**
 * The Tiny Recursive Model (Jolicoeur-Martineau, 2025) on the hierarchy combinator. One small network
 * `net` updates both states: the latent reasoning z from the answer y and the input x, then the answer
 * y from z. T = `hCycles` recursions of n = `lCycles` z-updates and one y-update; all but the last
 * recursion run without gradients, and the last one is backpropagated through entirely (`last-cycle`):
 * no fixed-point assumption.
 *
 *   repeat T:  repeat n: z ← net(z, y + x);   y ← net(y, z)
 *
 * The answer y lives in zH and the reasoning z in zL (HRM's names, so the heads, the ACT wrapper and
 * checkpoints are shared). Halting is `q_halt > 0` with no continue target, and training keeps an EMA
 * of the weights; both come from the TRM defaults in config.ts.
 */
import type { ModelConfig } from './config.js';
import type { Hierarchy } from './hierarchy.js';
import { type HrmStates, hrmParts, twoLevelHierarchy } from './hrm.js';
import type { HrmBuffers, HrmParams } from './params.js';
import type { Hidden, Reasoner } from './reasoner.js';

/**
 * TRM's recursion: y (in zH) after every n updates of z (in zL), both by the one network `L`: HRM's
 * two-level schedule with the slow module the same network as the fast one.
 */
export function trmHierarchy(cfg: ModelConfig): Hierarchy<HrmParams, HrmStates, Hidden> {
  return twoLevelHierarchy(cfg, (p) => p.L);
}

/** TRM for a model config (`arch: 'trm'`): one network, the last recursion differentiated. */
export function trm(cfg: ModelConfig): Reasoner<HrmParams, HrmBuffers, HrmStates> {
  return { ...hrmParts(cfg), hierarchy: trmHierarchy(cfg), window: cfg.gradWindow };
}
