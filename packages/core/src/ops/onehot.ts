/** One-hot encoding of integer labels. */
import type { DType } from '@hrm/kernels';
import { DTypeError } from '../errors.js';
import type { Shape } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { cast } from './cast.js';
import { eq } from './compare.js';
import { arange } from './create.js';
import { expandDims } from './reshape.js';
import { requireNumeric } from './util.js';

/**
 * `[..., depth]` with a 1 at each label's position. A label outside `[0, depth)` (such as the ignore
 * label -100) gives an all-zero row, as in JAX and TensorFlow: that is how ignored positions drop out.
 */
export function oneHot<S extends Shape, const N extends number, D extends DType = 'float32'>(
  labels: Tensor<S, 'int32'>,
  depth: N,
  dtype?: D,
): Tensor<[...S, N], D> {
  const l = labels as AnyTensor;
  requireNumeric('oneHot', l);
  if (l.dtype !== 'int32') throw new DTypeError('oneHot', `labels must be int32, got ${l.describe()}`);
  if (!Number.isInteger(depth) || depth < 0)
    throw new RangeError(`oneHot: depth must be a non-negative integer, got ${depth}`);
  const hits = eq(expandDims(l, -1), arange(depth) as AnyTensor);
  return cast(hits, dtype ?? 'float32') as unknown as Tensor<[...S, N], D>;
}
