/**
 * What the fused ops share. A fused op runs as one primitive whose kernel is the backend's fused one
 * (`Backend.fused`), or, on a backend without fused kernels, as the composite of primitives that
 * computes the same function. Its gradient rule runs the backend's fused VJP kernel, unless the
 * gradient itself is being differentiated (a recording tape tracks the rule's inputs): then the rule
 * composes the VJP from differentiable ops, so gradients of gradients stay exact.
 */
import type { Backend, FusedKernels } from '@hrm/kernels';
import { apply, backendOf, isTracked, type KernelPrimitive } from '../engine.js';
import type { AnyTensor } from '../tensor.js';
import { spec } from './util.js';

/**
 * The fused kernels of the backend that holds `xs`, if it has them: a fused op built outside the core
 * checks this to choose between its kernel and its composite of primitives.
 */
export function fusedFor(op: string, xs: readonly AnyTensor[]): FusedKernels | undefined {
  return backendOf(op, xs).fused;
}

/**
 * The fused kernels of `backend`, for a fused primitive's kernel (which runs only where `fusedFor` found
 * them); throws, naming the backend, where there are none.
 */
export function fusedOf(backend: Backend): FusedKernels {
  if (!backend.fused) throw new Error(`backend ${backend.name} has no fused kernels`);
  return backend.fused;
}

/**
 * A VJP computed by a fused kernel (`prim`, whose output has the shape of its first input), or by
 * `composite` when a tape tracks the inputs, so that it can be differentiated again.
 */
export function fusedVjp<P>(
  prim: KernelPrimitive<P>,
  inputs: readonly AnyTensor[],
  params: P,
  composite: () => AnyTensor,
): AnyTensor {
  if (isTracked(inputs)) return composite();
  const [like] = inputs;
  return apply(prim, inputs, params, spec(like.view.shape, like.dtype, like.names));
}
