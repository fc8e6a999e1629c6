/** slice and index of the last axis keep a generic prefix in the type; known ranks work on any axis. */
import { describe, expectTypeOf, it } from 'vitest';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { index, slice } from './slice.js';

declare const x: Tensor<['B', 81, 128]>;

describe('slice and index', () => {
  it('keep the other dims of a known rank', () => {
    expectTypeOf(slice(x, 1, 1)).toEqualTypeOf<Tensor<['B', number, 128]>>();
    expectTypeOf(slice(x, -1, 0, 64)).toEqualTypeOf<Tensor<['B', 81, number]>>();
    expectTypeOf(index(x, 1, 0)).toEqualTypeOf<Tensor<['B', 128]>>();
    expectTypeOf(index(x, -1, 0)).toEqualTypeOf<Tensor<['B', 81]>>();
  });

  it('take the last axis over a generic prefix without casts', () => {
    function gate<S extends Shape>(t: Tensor<[...S, 'ffn2']>): Tensor<[...S, number]> {
      return slice(t, -1, 0, 4);
    }
    function first<S extends Shape>(t: Tensor<[...S, 2]>): Tensor<S> {
      return index(t, -1, 0);
    }
    expectTypeOf(gate<['B']>).returns.toEqualTypeOf<Tensor<['B', number]>>();
    expectTypeOf(first<['B']>).returns.toEqualTypeOf<Tensor<['B']>>();
  });

  it('refuse an axis out of range', () => {
    // @ts-expect-error -- rank 3 has no axis 3
    slice(x, 3, 0);
    // @ts-expect-error -- rank 3 has no axis -4
    index(x, -4, 0);
  });
});
