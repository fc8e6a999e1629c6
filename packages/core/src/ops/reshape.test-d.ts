/** splitLast and mergeLast keep the leading dims in the type, also in code generic over them. */
import { describe, expectTypeOf, it } from 'vitest';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { mergeLast, splitLast } from './reshape.js';

declare const x: Tensor<['B', 81, 128]>;

describe('splitLast and mergeLast', () => {
  it('split the last axis into literal or named dims and merge the last two back', () => {
    expectTypeOf(splitLast(x, [4, 32])).toEqualTypeOf<Tensor<['B', 81, 4, 32]>>();
    expectTypeOf(splitLast(x, ['heads', 'hd'], { heads: 4, hd: 32 })).toEqualTypeOf<Tensor<['B', 81, 'heads', 'hd']>>();
    expectTypeOf(mergeLast(splitLast(x, [4, 32]))).toEqualTypeOf<Tensor<['B', 81, number]>>();
  });

  it('work over a generic prefix without casts', () => {
    function heads<S extends Shape>(t: Tensor<[...S, 'hidden']>): Tensor<[...S, 'heads', 'hd']> {
      return splitLast(t, ['heads', 'hd']);
    }
    function merge<S extends Shape>(t: Tensor<[...S, 'heads', 'hd']>): Tensor<[...S, number]> {
      return mergeLast(t);
    }
    expectTypeOf(merge(heads(x as unknown as Tensor<['B', 'hidden']>))).toEqualTypeOf<Tensor<['B', number]>>();
  });

  it('refuse a scalar', () => {
    // @ts-expect-error -- a rank-0 tensor has no last axis to split
    splitLast({} as Tensor<[]>, [1]);
  });
});
