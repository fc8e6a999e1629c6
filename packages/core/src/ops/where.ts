/** `where(cond, a, b)`: a where cond holds, else b, broadcasting all three. */
import type { DType } from '@hrm/kernels';
import { apply, type KernelPrimitive } from '../engine.js';
import type { Broadcast, BroadcastCheck, Shape } from '../shape.js';
import { type AnyTensor, Tensor } from '../tensor.js';
import { constantLike } from './binary.js';
import { broadcastView } from './broadcast.js';
import { scalar, zerosLike } from './create.js';
import { broadcastShapes, requireBool, sameDType, spec } from './util.js';

const WHERE: KernelPrimitive = {
  name: 'where',
  kernel: (backend, [c, a, b]) => backend.where(c, a, b),
  vjp: (ct, { inputs: [c] }) => {
    const none = zerosLike(ct);
    return [undefined, where(c, ct, none), where(c, none, ct)];
  },
};

/** `a` where `cond` holds, else `b`: tensors of `cond`'s shape, or numbers that stand for a constant. */
export function where<S extends Shape, D extends DType = 'float32'>(
  cond: Tensor<S, 'bool'>,
  a: Tensor<NoInfer<S>, D> | number,
  b: Tensor<NoInfer<S>, NoInfer<D>> | number,
): Tensor<S, D>;
/** `a` where `cond` holds, else the number `b`; `cond` and `a` broadcast against each other. */
export function where<C extends Shape, A extends Shape, D extends DType>(
  cond: Tensor<C, 'bool'>,
  a: Tensor<A, D> & BroadcastCheck<'where', C, A>,
  b: number,
): Tensor<Broadcast<C, A>, D>;
/** The number `a` where `cond` holds, else `b`; `cond` and `b` broadcast against each other. */
export function where<C extends Shape, B extends Shape, D extends DType>(
  cond: Tensor<C, 'bool'>,
  a: number,
  b: Tensor<B, D> & BroadcastCheck<'where', C, B>,
): Tensor<Broadcast<C, B>, D>;
/**
 * `a` where `cond` holds, else `b`, with all three broadcast to one shape. `a` and `b` share a dtype, the
 * result's; the gradient flows to `a` where `cond` holds and to `b` elsewhere.
 */
export function where<C extends Shape, A extends Shape, B extends Shape, D extends DType>(
  cond: Tensor<C, 'bool'>,
  a: Tensor<A, D>,
  b: Tensor<B, NoInfer<D>> & BroadcastCheck<'where', A, B> & BroadcastCheck<'where', C, Broadcast<A, B>>,
): Tensor<Broadcast<C, Broadcast<A, B>>, D>;
export function where(cond: AnyTensor, a: AnyTensor | number, b: AnyTensor | number): AnyTensor {
  requireBool('where (condition)', cond);
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : scalar(0, 'float32', cond);
  const ta = a instanceof Tensor ? a : constantLike('where', a, like);
  const tb = b instanceof Tensor ? b : constantLike('where', b, like);
  const dtype = sameDType('where', [ta, tb]);
  const { shape, names } = broadcastShapes('where', [cond, ta, tb]);
  const inputs = [cond, ta, tb].map((x) => broadcastView(x, shape, names));
  return apply(WHERE, inputs, undefined, spec(shape, dtype, names));
}
