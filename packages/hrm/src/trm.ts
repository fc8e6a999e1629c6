/**
 * The Tiny Recursive Model (Jolicoeur-Martineau, 2025), as a schedule of the same primitives as HRM.
 * One small network `net` updates both states: the latent reasoning z from the answer y and the
 * input x, then the answer y from z. T = H_cycles recursions of n = L_cycles z-updates and one
 * y-update; all but the last recursion run without gradients, and the last one is backpropagated
 * through entirely (gradWindow `last-cycle`): no fixed-point assumption.
 *
 *   for T-1 recursions, no grad:  repeat n: z = net(z, y + x);  y = net(y, z)
 *   last recursion, with grad:     repeat n: z = net(z, y + x);  y = net(y, z)
 *
 * The answer y lives in zH and the reasoning z in zL, so the ACT wrapper, the heads (on y) and the
 * losses are HRM's. Halting is `q_halt > 0` with no continue target, and training keeps an EMA of
 * the weights (train.ts); both come from the TRM defaults in config.ts.
 */
import { type AnyTensor, add } from '@hrm/core';
import type { RopeTables } from '@hrm/nn';
import type { ModelConfig } from './config.js';
import type { HrmParams } from './params.js';
import { type InnerCarry, reasoningModule, recordedEvaluations, runSchedule } from './reasoning.js';

export function trmReason(
  params: HrmParams,
  carry: InnerCarry,
  x: AnyTensor,
  cfg: ModelConfig,
  rope: RopeTables | undefined,
): InnerCarry {
  const net = params.L;
  const latent = ({ zH: y, zL: z }: InnerCarry): InnerCarry => ({
    zH: y,
    zL: reasoningModule(net, z, add(y, x), cfg, rope),
  });
  const answer = ({ zH: y, zL: z }: InnerCarry): InnerCarry => ({ zH: reasoningModule(net, y, z, cfg, rope), zL: z });
  const recursion = [...new Array<typeof latent>(cfg.lCycles).fill(latent), answer];
  const steps = new Array<typeof recursion>(cfg.hCycles).fill(recursion).flat();
  return runSchedule(steps, carry, recordedEvaluations(cfg));
}
