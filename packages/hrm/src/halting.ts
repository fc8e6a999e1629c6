/**
 * Where ACT's answer is read, from the Q head's values after each segment: plain arithmetic with no
 * tensors, so that a page, a server or a CLI that kept the values can move the halting point (a
 * margin) without running the model again, and without loading the tensor library to do it.
 */
import type { ActConfig } from './reasoner.js';

/** The widest halting margin the CLI and the server accept: Q logits past ±100 are saturated sigmoids, so no margin beyond means more. */
export const MAX_HALT_MARGIN = 100;

/** Whether the Q head says halt after a segment, by `cfg`'s rule, by more than `margin`. */
export function saysHalt(qHalt: number, qContinue: number, cfg: Pick<ActConfig, 'haltRule'>, margin = 0): boolean {
  return qHalt - (cfg.haltRule === 'q-positive' ? 0 : qContinue) > margin;
}

/**
 * `haltingSegment` for one example, from its Q head's halt and continue values after each segment:
 * what a server that kept them can recompute for any margin without running the model again.
 */
export function haltSegmentOf(
  qHalt: readonly number[],
  qContinue: readonly number[],
  cfg: Pick<ActConfig, 'haltRule'>,
  margin = 0,
): number {
  const at = qHalt.findIndex((q, k) => saysHalt(q, qContinue[k] ?? 0, cfg, margin));
  return at < 0 ? qHalt.length : at + 1;
}
