/**
 * Finite-difference checks of gradients, as tests and users need them: the analytic gradient of a
 * random projection `sum(f(xs) * r)` against central differences, computed in float64 on a backend
 * that holds float64 (the reference backend). `order: 2` checks the gradient of the gradient.
 */
import { type AnyTensor, add, cast, fromArray, keep, key, mul, normal, sum, withBackend } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { grad } from './grad.js';

/** Settings of `checkGradients`; the defaults (`eps` 1e-6, `atol` 1e-6, `rtol` 1e-5, order 1, seed 7, the reference backend) suit float64. */
export interface GradCheckOptions {
  /** Central-difference step, relative to max(1, |x|). */
  readonly eps?: number;
  readonly atol?: number;
  readonly rtol?: number;
  /** 1: check grad f; 2: check the gradient of (a random projection of) grad f. */
  readonly order?: 1 | 2;
  /** Seed of the random projections. */
  readonly seed?: number;
  /** Backend to run on; must hold float64. */
  readonly backend?: string;
  /** Which inputs to differentiate (default: every float input; the others are held constant). */
  readonly argnums?: readonly number[];
}

/** The outcome of `checkGradients`: whether every element passed, the one that came closest to failing, and how many were compared. */
export interface GradCheckResult {
  readonly ok: boolean;
  /** The element with the largest |analytic - numeric| - rtol |numeric| (`input` counts all inputs). */
  readonly worst: {
    readonly input: number;
    readonly index: number;
    readonly analytic: number;
    readonly numeric: number;
  };
  readonly checked: number;
}

type Fn = (...xs: AnyTensor[]) => AnyTensor;
type Loss = (xs: AnyTensor[]) => AnyTensor;

/** A copy of `values` shaped like `like`, on the current backend. */
function fromHost(values: ArrayLike<number>, like: AnyTensor, dtype = like.dtype): AnyTensor {
  const made = fromArray(values, like.view.shape as number[], { dtype, allowNonFinite: true });
  if (E.isLeft(made)) throw made.left;
  return made.right as AnyTensor;
}

/** A random float64 tensor of `shape`, made on first use (inside a gradient's scope, hence `keep`). */
function lazyWeights(seed: number): (shape: readonly number[]) => AnyTensor {
  let w: AnyTensor | undefined;
  return (shape) => {
    w ??= keep(normal(key(seed), shape as number[], { dtype: 'float64' }) as AnyTensor);
    return w;
  };
}

/** The scalar `sum(f(xs) * r)` for a fixed random r, so one gradient checks the whole Jacobian. */
function project(f: Fn, seed: number): Loss {
  const r = lazyWeights(seed);
  return (xs) => {
    const y = f(...xs);
    if (y.dtype !== 'float32' && y.dtype !== 'float64')
      throw new TypeError(`checkGradients: f returned ${y.describe()}, which has no gradient`);
    const y64 = cast(y, 'float64');
    return sum(mul(y64, r(y64.view.shape)));
  };
}

/** The scalar `sum_i sum(grad_i(first)(xs) * r_i)`: its gradient needs the gradient of a gradient. */
function projectGradients(first: Loss, seed: number): Loss {
  const rs: ((shape: readonly number[]) => AnyTensor)[] = [];
  return (xs) => {
    const gs = grad(first)(xs);
    const terms = gs.map((g, i) => {
      rs[i] ??= lazyWeights(seed + i);
      return sum(mul(g, rs[i](g.view.shape)));
    });
    return terms.reduce((a, b) => add(a, b));
  };
}

/**
 * Checks the gradient of `f` at `inputs` against central differences, in float64: each element of each
 * differentiated input passes when |analytic - numeric| <= `atol` + `rtol` |numeric|. Inputs are copied
 * to `opts.backend`, so they may live on any backend; `f` must return a float tensor.
 */
export function checkGradients(f: Fn, inputs: readonly AnyTensor[], opts: GradCheckOptions = {}): GradCheckResult {
  const { eps = 1e-6, atol = 1e-6, rtol = 1e-5, order = 1, seed = 7, backend = 'reference' } = opts;
  const isFloat = (x: AnyTensor) => x.dtype === 'float32' || x.dtype === 'float64';
  const wrt = opts.argnums ?? inputs.flatMap((x, i) => (isFloat(x) ? [i] : []));
  return withBackend(backend, () => {
    // Differentiated inputs move to float64; the others are constants with their own dtype.
    const constants = inputs.map((x) => fromHost(x.data(), x));
    const bind: Fn = (...zs) => f(...constants.map((c, i) => (wrt.includes(i) ? zs[wrt.indexOf(i)] : c)));
    const first = project(bind, seed);
    const loss = order === 1 ? first : projectGradients(first, seed + 1);
    const xs = wrt.map((i) => fromHost(inputs[i].data(), inputs[i], 'float64'));
    const analytic = grad(loss)(xs).map((g) => g.data());

    let worst = { input: -1, index: -1, analytic: 0, numeric: 0 };
    let worstExcess = Number.NEGATIVE_INFINITY;
    let checked = 0;
    xs.forEach((x, i) => {
      const base = Float64Array.from(x.data());
      for (let j = 0; j < base.length; j++) {
        const h = eps * Math.max(1, Math.abs(base[j]));
        const at = (delta: number): number => {
          const moved = base.slice();
          moved[j] += delta;
          return loss(xs.map((y, k) => (k === i ? fromHost(moved, x) : y))).item();
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        const excess = Math.abs(analytic[i][j] - numeric) - rtol * Math.abs(numeric);
        if (!(excess <= worstExcess)) {
          worstExcess = excess;
          worst = { input: wrt[i], index: j, analytic: analytic[i][j], numeric };
        }
        checked++;
      }
    });
    return { ok: checked === 0 || worstExcess <= atol, worst, checked };
  });
}
