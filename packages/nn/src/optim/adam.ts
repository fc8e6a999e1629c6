/**
 * The Adam family, each a pure `init`/`step` pair over parameter trees.
 * - `adam`: Adam (Kingma & Ba) with bias correction and epsilon; `weightDecay` adds wd·p to the gradient.
 * - `adamw`: the same with decoupled weight decay, `p <- p·(1 - lr·wd)` before the Adam step (PyTorch's AdamW).
 * - `adamAtan2`: the AdamATan2 of HRM (imoneoi/adam-atan2), with no epsilon:
 *     p <- p·(1 - lr·wd);  m <- m + (1-b1)(g - m);  v <- v + (1-b2)(g² - v)
 *     p <- p - lr/(1 - b1^t) · atan2(m, sqrt(v) / sqrt(1 - b2^t))
 *   so each coordinate moves by at most lr/(1 - b1^t)·π/2, whatever the gradient's scale.
 * On backends with fused kernels each parameter's step is one kernel (`FusedKernels.adamStep`), one pass
 * over the parameter, gradient and moments instead of about ten ops; elsewhere, the ops written out.
 */
import { leaves, treeMap, unflatten } from '@hrm/autodiff';
import {
  type AdamStepConstants,
  type AnyTensor,
  add,
  apply,
  atan2,
  div,
  fusedFor,
  fusedOf,
  index,
  type KernelPrimitive,
  mul,
  scope,
  sqrt,
  square,
  sub,
  zerosLike,
} from '@hrm/core';
import { type LearningRate, lrAt, type Optimizer } from './types.js';

/**
 * Settings of the Adam family: `lr` is required; the defaults are beta1 0.9, beta2 0.999 (0.95 for
 * `adamAtan2`), eps 1e-8 and no weight decay.
 */
export interface AdamConfig {
  readonly lr: LearningRate;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
}

/** The Adam family's moments: `m` and `v` are trees of tensors shaped like the parameters. */
export interface AdamState {
  readonly m: unknown;
  readonly v: unknown;
}

const zeros = <P>(params: P): P => treeMap((p) => zerosLike(p), params);

/**
 * A parameter's whole step as one kernel, on backends with fused kernels: `[p', m', v']` in one
 * `[3, ...shape]` buffer, handed out as three views of it. Not differentiable (no rule): an update.
 */
const ADAM_STEP: KernelPrimitive<AdamStepConstants> = {
  name: 'adamStep',
  kernel: (backend, [p, g, m, v], c) => fusedOf(backend).adamStep(p, g, m, v, c),
};

/** m + (1 - beta)(g - m), the moment update all three share. */
const lerp = (m: AnyTensor, g: AnyTensor, beta: number) => add(m, mul(sub(g, m), 1 - beta));

function adamLike(cfg: AdamConfig, variant: 'adam' | 'adamw' | 'atan2'): Optimizer<AdamState> {
  const b1 = cfg.beta1 ?? 0.9;
  const b2 = cfg.beta2 ?? (variant === 'atan2' ? 0.95 : 0.999);
  const eps = cfg.eps ?? 1e-8;
  const wd = cfg.weightDecay ?? 0;
  return {
    init: (params) => ({ count: 0, m: zeros(params), v: zeros(params) }),
    step: (params, grads, state) => {
      const t = state.count + 1;
      const lr = lrAt(cfg.lr, t);
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      const constants: AdamStepConstants = {
        rate1: 1 - b1,
        rate2: 1 - b2,
        l2: variant === 'adam' ? wd : 0,
        decay: variant === 'adam' ? 1 : 1 - lr * wd,
        step: lr / c1,
        vScale: 1 / Math.sqrt(c2),
        atan2: variant === 'atan2',
        eps,
      };
      /** One parameter's update, in its own scope: only the new parameter and moments outlive it. */
      const update = (p: AnyTensor, gi: AnyTensor, mi: AnyTensor, vi: AnyTensor): [AnyTensor, AnyTensor, AnyTensor] =>
        scope(() => {
          if (fusedFor('adamStep', [p])) {
            const spec = { shape: [3, ...p.view.shape], dtype: p.dtype, names: [undefined, ...p.names] };
            const out = apply(ADAM_STEP, [p, gi, mi, vi], constants, spec);
            return [index(out, 0, 0), index(out, 0, 1), index(out, 0, 2)];
          }
          const g = variant === 'adam' && wd !== 0 ? add(gi, mul(p, wd)) : gi;
          const m = lerp(mi, g, b1);
          const v = lerp(vi, square(g), b2);
          const decayed = variant !== 'adam' && wd !== 0 ? mul(p, 1 - lr * wd) : p;
          const direction =
            variant === 'atan2' ? atan2(m, div(sqrt(v), Math.sqrt(c2))) : div(m, add(div(sqrt(v), Math.sqrt(c2)), eps));
          return [sub(decayed, mul(direction, lr / c1)), m, v];
        });
      const [ps, gs, ms, vs] = [params, grads, state.m, state.v].map((tree) => leaves(tree).map((l) => l.value));
      const updated = ps.map((p, i) => update(p, gs[i], ms[i], vs[i]));
      const next = unflatten(
        params,
        updated.map((u) => u[0]),
      );
      const m = unflatten(
        state.m,
        updated.map((u) => u[1]),
      );
      const v = unflatten(
        state.v,
        updated.map((u) => u[2]),
      );
      return [next, { count: t, m, v }];
    },
  } as Optimizer<AdamState>;
}

/** Adam with bias correction; `weightDecay` is L2, added to the gradient as wd·p before the moments. */
export const adam = (cfg: AdamConfig): Optimizer<AdamState> => adamLike(cfg, 'adam');
/** AdamW: Adam with decoupled weight decay, each parameter scaled by 1 - lr·wd before the Adam step. */
export const adamw = (cfg: AdamConfig): Optimizer<AdamState> => adamLike(cfg, 'adamw');
/** HRM's optimiser; defaults beta1 0.9, beta2 0.95, no epsilon. */
export const adamAtan2 = (cfg: Omit<AdamConfig, 'eps'>): Optimizer<AdamState> => adamLike(cfg, 'atan2');
