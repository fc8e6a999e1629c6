/** SGD with optional momentum (heavy ball or Nesterov) and L2 weight decay added to the gradient. */
import { treeMap } from '@hrm/autodiff';
import { add, mul, sub, zerosLike } from '@hrm/core';
import { type LearningRate, lrAt, type Optimizer } from './types.js';

/** Settings of `sgd`: `lr` is required; momentum 0, no Nesterov and no weight decay by default. */
export interface SgdConfig {
  readonly lr: LearningRate;
  readonly momentum?: number;
  readonly nesterov?: boolean;
  readonly weightDecay?: number;
}

/** SGD's momentum buffer, a tree shaped like the parameters (left at zero when momentum is 0). */
export interface SgdState {
  readonly velocity: unknown;
}

/**
 * Stochastic gradient descent, in PyTorch's convention: `v <- momentum·v + g`, then `p <- p - lr·v`
 * (`p - lr·(g + momentum·v)` with Nesterov); `weightDecay` adds wd·p to `g` first.
 */
export function sgd(cfg: SgdConfig): Optimizer<SgdState> {
  const mu = cfg.momentum ?? 0;
  const wd = cfg.weightDecay ?? 0;
  return {
    init: (params) => ({ count: 0, velocity: treeMap((p) => zerosLike(p), params) }),
    step: (params, grads, state) => {
      const t = state.count + 1;
      const lr = lrAt(cfg.lr, t);
      const g = wd === 0 ? grads : treeMap((gi, p) => add(gi, mul(p, wd)), grads, params);
      // PyTorch's convention: v <- mu·v + g; the step is v (or g + mu·v with Nesterov).
      const velocity = mu === 0 ? state.velocity : treeMap((v, gi) => add(mul(v, mu), gi), state.velocity, g);
      const direction = mu === 0 ? g : cfg.nesterov ? treeMap((gi, v) => add(gi, mul(v, mu)), g, velocity) : velocity;
      const next = treeMap((p, d) => sub(p, mul(d, lr)), params, direction);
      return [next, { count: t, velocity }];
    },
  } as Optimizer<SgdState>;
}
