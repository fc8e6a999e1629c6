/**
 * RMSNorm without a weight, over the last axis: one fused kernel on backends that have one (see
 * fused.ts), the composite of primitives elsewhere. Layers add their learned weight on top.
 */
import type { FloatDType } from '@hrm/kernels';
import { apply, type KernelPrimitive } from '../engine.js';
import { ShapeError } from '../errors.js';
import type { Shape } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { add, mul, sub } from './binary.js';
import { fusedFor, fusedOf, fusedVjp } from './fused.js';
import { transpose } from './permute.js';
import { mean } from './reduce.js';
import { rsqrt, square } from './unary.js';
import { requireFloat, spec } from './util.js';

/** 1 / sqrt(mean(x²) + eps) along the last axis, kept as size 1. */
const inverseRms = (x: AnyTensor, eps: number): AnyTensor => rsqrt(add(mean(square(x), -1, { keepdims: true }), eps));

/** The VJP from the input: `r·g - r³·x·mean(g·x)`, with `r` the inverse RMS of the row. */
const RMS_NORM_VJP: KernelPrimitive<number> = {
  name: 'rmsNormVjp',
  kernel: (backend, [x, g], eps) => fusedOf(backend).rmsNormVjp(x, g, eps),
};

/** RMSNorm's VJP at input `x` for the cotangent `ct`. */
const rmsNormVjp = (x: AnyTensor, ct: AnyTensor, eps: number): AnyTensor =>
  fusedVjp(RMS_NORM_VJP, [x, ct], eps, () => {
    const r = inverseRms(x, eps);
    const dot = mean(mul(ct, x), -1, { keepdims: true });
    return sub(mul(ct, r), mul(x, mul(dot, mul(r, square(r)))));
  });

const RMS_NORM: KernelPrimitive<number> = {
  name: 'rmsNorm',
  kernel: (backend, [x], eps) => fusedOf(backend).rmsNorm(x, eps),
  vjp: (ct, { inputs: [x], params: eps }) => [rmsNormVjp(x, ct, eps)],
};

/** RMSNorm of a sum; its VJP sums again (one add) rather than keep the sum alive from the forward pass. */
const ADD_RMS_NORM: KernelPrimitive<number> = {
  name: 'addRmsNorm',
  kernel: (backend, [x, y], eps) => fusedOf(backend).addRmsNorm(x, y, eps),
  vjp: (ct, { inputs: [x, y], params: eps }) => {
    const d = rmsNormVjp(add(x, y), ct, eps);
    return [d, d];
  },
};

/**
 * `addRmsNorm` along the axis before the last: a backend's `addRmsNormColumns` (where it has one) writes the
 * result in the inputs' layout, where the composite would normalise transposed views and hand on a transpose.
 */
const ADD_RMS_NORM_COLUMNS: KernelPrimitive<number> = {
  name: 'addRmsNormColumns',
  kernel: (backend, [x, y], eps) => {
    const f = fusedOf(backend);
    if (!f.addRmsNormColumns) throw new Error(`backend ${backend.name} has no addRmsNormColumns kernel`);
    return f.addRmsNormColumns(x, y, eps);
  },
  vjp: (ct, { inputs: [x, y], params: eps }) => {
    const d = transpose(rmsNormVjp(transpose(add(x, y)), transpose(ct), eps));
    return [d, d];
  },
};

function checkNorm(op: string, x: AnyTensor, eps: number): void {
  requireFloat(op, x);
  if (x.rank === 0) throw new ShapeError(op, 'needs at least one axis (it normalises over the last)');
  if (!(eps >= 0)) throw new ShapeError(op, `eps must be a number >= 0, got ${eps}`);
}

/** `x / sqrt(mean(x²) + eps)` over the last axis (eps default 1e-5, as HRM's), for any leading dims. */
export function rmsNorm<S extends Shape, D extends FloatDType>(x: Tensor<S, D>, eps = 1e-5): Tensor<S, D> {
  checkNorm('rmsNorm', x, eps);
  if (fusedFor('rmsNorm', [x])) return apply(RMS_NORM, [x], eps, spec(x.view.shape, x.dtype, x.names)) as Tensor<S, D>;
  return mul(x, inverseRms(x, eps)) as Tensor<S, D>;
}

/**
 * `rmsNorm(add(x, y), eps)`: the post-norm residual `norm(x + f(x))` of HRM's blocks. Where the backend
 * has fused kernels and `x`, `y` have one shape and dtype, one kernel reads both and writes the result,
 * without the sum going through memory; otherwise the two ops (with `add`'s broadcasting). With `axis`
 * -2 it normalises along the axis before the last (TRM's token mixer, over the sequence of a
 * [batch, seq, hidden] state), the result in that same layout.
 */
export function addRmsNorm<S extends Shape, D extends FloatDType>(
  x: Tensor<S, D>,
  y: Tensor<S, D>,
  eps = 1e-5,
  axis: -1 | -2 = -1,
): Tensor<S, D> {
  checkNorm('addRmsNorm', x, eps);
  requireFloat('addRmsNorm', y);
  const sameShape = x.rank === y.rank && x.shape.every((d, i) => d === y.shape[i]);
  if (axis === -2) {
    if (x.rank < 2 || y.rank < 2)
      throw new ShapeError('addRmsNorm', 'along axis -2 needs at least two axes in each input');
    if (sameShape && x.dtype === y.dtype && fusedFor('addRmsNorm', [x, y])?.addRmsNormColumns)
      return apply(ADD_RMS_NORM_COLUMNS, [x, y], eps, spec(x.view.shape, x.dtype, x.names)) as Tensor<S, D>;
    const t = (v: Tensor<S, D>) =>
      transpose(v as AnyTensor as Tensor<[number, number], D>) as AnyTensor as Tensor<S, D>;
    return t(addRmsNorm(t(x), t(y), eps));
  }
  if (sameShape && x.dtype === y.dtype && fusedFor('addRmsNorm', [x, y]))
    return apply(ADD_RMS_NORM, [x, y], eps, spec(x.view.shape, x.dtype, x.names)) as Tensor<S, D>;
  return rmsNorm(add(x, y), eps);
}
