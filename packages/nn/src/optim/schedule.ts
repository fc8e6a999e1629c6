/**
 * Learning-rate schedules. `warmupCosine` is HRM's `cosine_schedule_with_warmup_lr_lambda`: linear
 * warm-up from 0, then a half cosine from the base rate down to `minRatio` of it (minRatio 1 keeps
 * the rate constant after warm-up, HRM's default).
 */
import type { Schedule } from './types.js';

export interface WarmupCosine {
  readonly baseLr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  readonly minRatio?: number;
}

export function warmupCosine({ baseLr, warmupSteps, totalSteps, minRatio = 0 }: WarmupCosine): Schedule {
  return (t) => {
    if (t < warmupSteps) return (baseLr * t) / Math.max(1, warmupSteps);
    const progress = (t - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return baseLr * (minRatio + Math.max(0, (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress))));
  };
}
