/**
 * SwiGLU's activation: the last axis split in halves, `silu(gate) * up`. One fused kernel on backends
 * that have one (see fused.ts), the composite of primitives elsewhere. Taking the halves of one tensor
 * (rather than two tensors) is what lets the fused VJP write both halves' gradients into one buffer: the
 * gradient of the single gate-and-up matmul that produced it.
 */
import type { FloatDType } from '@hrm/kernels';
import { apply, type KernelPrimitive } from '../engine.js';
import { formatShape, ShapeError } from '../errors.js';
import type { Dim, Shape } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { add, mul, sub } from './binary.js';
import { concat } from './concat.js';
import { fusedFor, fusedOf, fusedVjp } from './fused.js';
import { slice } from './slice.js';
import { sigmoid, silu } from './unary.js';
import { requireFloat, spec } from './util.js';

const halves = (x: AnyTensor): [AnyTensor, AnyTensor] => {
  const f = x.shape[x.rank - 1] / 2;
  return [slice(x, -1, 0, f), slice(x, -1, f)];
};

/** The VJP, `[..., 2F]`: `g·up·s·(1 + gate·(1 - s))` for the gate half and `g·silu(gate)` for the up half. */
const GATED_SILU_VJP: KernelPrimitive = {
  name: 'gatedSiluVjp',
  kernel: (backend, [x, g]) => fusedOf(backend).gatedSiluVjp(x, g),
};

const GATED_SILU: KernelPrimitive = {
  name: 'gatedSilu',
  kernel: (backend, [x]) => fusedOf(backend).gatedSilu(x),
  vjp: (ct, { inputs: [x] }) => [
    fusedVjp(GATED_SILU_VJP, [x, ct], undefined, () => {
      const [gate, up] = halves(x);
      const s = sigmoid(gate);
      const dGate = mul(mul(ct, up), mul(s, add(mul(gate, sub(1, s)), 1)));
      return concat([dGate, mul(ct, silu(gate))], -1);
    }),
  ],
};

/**
 * SwiGLU's activation over the last axis, whose size must be even: `[..., 2F] -> [..., F]`,
 * `silu(x[..., :F]) * x[..., F:]`.
 */
export function gatedSilu<S extends Shape, N extends Dim, D extends FloatDType>(
  x: Tensor<readonly [...S, N], D>,
): Tensor<[...S, number], D>;
/** The same for a tensor whose rank the type does not know. */
export function gatedSilu<D extends FloatDType>(x: Tensor<Shape, D>): Tensor<Shape, D>;
export function gatedSilu(x: AnyTensor): AnyTensor {
  requireFloat('gatedSilu', x);
  const n = x.rank === 0 ? Number.NaN : x.shape[x.rank - 1];
  if (!(n % 2 === 0))
    throw new ShapeError(
      'gatedSilu',
      `the last axis must have an even size (gate, then up); got ${formatShape(x.shape, x.names)}`,
    );
  if (fusedFor('gatedSilu', [x])) {
    const names = [...x.names.slice(0, -1), undefined];
    return apply(GATED_SILU, [x], undefined, spec([...x.shape.slice(0, -1), n / 2], x.dtype, names));
  }
  const [gate, up] = halves(x);
  return mul(silu(gate), up);
}
