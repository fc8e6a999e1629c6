/** Moving a tensor to another backend (ops refuse to mix backends silently). */
import { type Backend, backend as backendByName, type DType } from '@hrm/kernels';
import { fromBuffer } from '../engine.js';
import type { Shape } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { spec } from './util.js';

/** A copy of x on `target` (a backend or its name). Not differentiable: the copy is a new constant. */
export function toBackend<S extends Shape, D extends DType>(x: Tensor<S, D>, target: Backend | string): Tensor<S, D> {
  const b = typeof target === 'string' ? backendByName(target) : target;
  const t = x as AnyTensor;
  if (t.storage.backend === b) return x;
  return fromBuffer(b, b.upload(t.data(), t.dtype), spec(t.view.shape, t.dtype, t.names)) as Tensor<S, D>;
}
