/** Explicit dtype conversion (the only way dtypes change: nothing is promoted implicitly). */
import type { DType } from '@hrm/kernels';
import { isFloat } from '@hrm/kernels';
import { apply, type KernelPrimitive } from '../engine.js';
import type { Shape } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { spec } from './util.js';

const CAST: KernelPrimitive<DType> = {
  name: 'cast',
  kernel: (backend, [x], dtype) => backend.cast(x, dtype),
  // Only float -> float carries a gradient (outputs of other dtypes are never tracked).
  vjp: (ct, { inputs: [x] }) => [isFloat(x.dtype) ? cast(ct, x.dtype) : undefined],
};

/** x converted to `dtype`: floats to int32 truncate toward zero; to bool is `x != 0`. */
export function cast<S extends Shape, D extends DType>(x: Tensor<S, DType>, dtype: D): Tensor<S, D> {
  if (x.dtype === dtype) return x as Tensor<S, D>;
  return apply(CAST, [x as AnyTensor], dtype, spec(x.view.shape, dtype, x.names)) as Tensor<S, D>;
}
