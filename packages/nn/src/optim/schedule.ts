/**
 * Learning-rate schedules. `warmupCosine` is HRM's `cosine_schedule_with_warmup_lr_lambda`: linear
 * warm-up from 0, then a half cosine from the base rate down to `minRatio` of it (default 0; HRM's
 * configs use 1, which keeps the rate constant after warm-up).
 */
import type { Schedule } from './types.js';

/** Settings of `warmupCosine`: the peak rate, the warm-up and total update counts, and the floor as a fraction of the peak (default 0). */
export interface WarmupCosine {
  readonly baseLr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  readonly minRatio?: number;
}

/**
 * A schedule that rises linearly from 0 to `baseLr` over `warmupSteps`, then falls along a half cosine
 * to `minRatio·baseLr` at `totalSteps`. `t` counts updates from 1, as `lrAt` passes it.
 */
export function warmupCosine({ baseLr, warmupSteps, totalSteps, minRatio = 0 }: WarmupCosine): Schedule {
  return (t) => {
    if (t < warmupSteps) return (baseLr * t) / Math.max(1, warmupSteps);
    const progress = (t - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return baseLr * (minRatio + Math.max(0, (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress))));
  };
}
