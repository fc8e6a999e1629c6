/**
 * Finite-difference checks of gradients, as tests and users need them: the analytic gradient of a
 * random projection `sum(f(xs) * r)` against central differences, computed in float64 on a backend
 * that holds float64 (the reference backend). `order: 2` checks the gradient of the gradient.
 */
import { type AnyTensor, add, cast, fromArray, keep, key, mul, normal, sum, withBackend } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { grad } from './grad.js';

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

export interface GradCheckResult {
  readonly ok: boolean;
  /** The largest |analytic - numeric| - rtol |numeric| over all elements (<= atol when ok). */
  readonly worst: {
    readonly input: number;
    readonly index: number;
    readonly analytic: number;
    readonly numeric: number;
  };
  readonly checked: number;
}

type Fn = (...xs: AnyTensor[]) => AnyTensor;

function f64(x: AnyTensor): AnyTensor {
  return cast(x, 'float64');
}

/** A copy of x on the current backend (x may live on another). */
function fromHostLike(x: AnyTensor): AnyTensor {
  const made = fromArray(x.data() as ArrayLike<number>, x.view.shape as number[], {
    dtype: x.dtype,
    allowNonFinite: true,
  });
  if (E.isLeft(made)) throw made.left;
  return made.right as AnyTensor;
}

function fromHost(data: Float64Array, like: AnyTensor): AnyTensor {
  const made = fromArray(data, like.view.shape as number[], { dtype: 'float64', allowNonFinite: true });
  if (E.isLeft(made)) throw made.left;
  return made.right as AnyTensor;
}

/** The scalar `sum(f(xs) * r)` for a fixed random r, so one gradient checks the whole Jacobian. */
function project(f: Fn, seed: number): (xs: AnyTensor[]) => AnyTensor {
  let r: AnyTensor | undefined;
  return (xs) => {
    const y = f64(f(...xs));
    if (y.dtype !== 'float64') throw new TypeError(`checkGradients: f returned ${y.describe()}, which has no gradient`);
    // Made on first use, inside a gradient's scope: keep it past that scope.
    r ??= keep(normal(key(seed), y.view.shape as number[], { dtype: 'float64' }) as AnyTensor);
    return sum(mul(y, r));
  };
}

/** The scalar `sum_i sum(grad_i(first)(xs) * r_i)`: its gradient needs the gradient of a gradient. */
function projectGradients(first: (xs: AnyTensor[]) => AnyTensor, seed: number): (xs: AnyTensor[]) => AnyTensor {
  let rs: AnyTensor[] | undefined;
  return (xs) => {
    const gs = grad((zs: AnyTensor[]) => first(zs))(xs);
    const weights = (rs ??= keep(
      gs.map((g, i) => normal(key(seed + i), g.view.shape as number[], { dtype: 'float64' }) as AnyTensor),
    ));
    return gs.map((g, i) => sum(mul(g, weights[i]))).reduce((a, b) => add(a, b));
  };
}

export function checkGradients(f: Fn, inputs: readonly AnyTensor[], opts: GradCheckOptions = {}): GradCheckResult {
  const { eps = 1e-6, atol = 1e-6, rtol = 1e-5, order = 1, seed = 7, backend = 'reference' } = opts;
  const isFloat = (x: AnyTensor) => x.dtype === 'float32' || x.dtype === 'float64';
  const wrt = opts.argnums ?? inputs.flatMap((x, i) => (isFloat(x) ? [i] : []));
  return withBackend(backend, () => {
    // Differentiated inputs move to float64; the others keep their dtype and values.
    const constants = inputs.map((x) => fromHostLike(x));
    const withInputs = (g: (...xs: AnyTensor[]) => AnyTensor) => (zs: AnyTensor[]) =>
      g(...constants.map((c, i) => (wrt.includes(i) ? zs[wrt.indexOf(i)] : c)));
    const xs = wrt.map((i) => fromHost(Float64Array.from(inputs[i].data() as ArrayLike<number>), inputs[i]));
    const first = project((...zs) => withInputs(f)(zs), seed);
    const loss = order === 1 ? first : projectGradients(first, seed + 1);
    const analytic = grad((zs: AnyTensor[]) => loss(zs))(xs).map((g) => g.data() as Float64Array);
    let worst = { input: -1, index: -1, analytic: 0, numeric: 0 };
    // `input` in the report is the position among all inputs.
    let worstExcess = Number.NEGATIVE_INFINITY;
    let checked = 0;
    xs.forEach((x, i) => {
      const base = Float64Array.from(x.data() as ArrayLike<number>);
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
