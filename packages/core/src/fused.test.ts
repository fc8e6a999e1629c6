/**
 * The fused kernels on the CPU backends that have them: the same values and VJPs as the composites (on
 * a reference backend without fused kernels), the kernels really called, the VJP kernel in a backward
 * pass and the composite under a second derivative, other axes and strided views, float64. (The op
 * suite's cases for the fused ops are in ops/fused.test.ts, run on every backend.)
 */
import { grad, vjp } from '@hrm/autodiff';
import {
  type AnyTensor,
  add,
  addRmsNorm,
  cast,
  concat,
  fromArray,
  gatedSilu,
  mean,
  mul,
  rmsNorm,
  rsqrt,
  type Shape,
  slice,
  softmax,
  square,
  sum,
  type Tensor,
  tensor,
  transpose,
  withBackend,
} from '@hrm/core';
import { type Backend, ReferenceBackend, WasmBackend } from '@hrm/kernels';
import { mulberry32 } from '@hrm/testing/rng';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it, vi } from 'vitest';

/** RMSNorm of one row in float64. */
const rmsRow = (eps: number) => (row: number[]) => {
  const r = 1 / Math.sqrt(row.reduce((s, v) => s + v * v, 0) / row.length + eps);
  return row.map((v) => v * r);
};

/** A reference backend without fused kernels: the composites, to check the fused kernels against. */
function composites(): Backend {
  const plain = new ReferenceBackend();
  Object.defineProperty(plain, 'fused', { value: undefined });
  return plain;
}

function randomTensor(shape: number[], seed: number, scale = 2): AnyTensor {
  const rand = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const made = fromArray(
    Array.from({ length: n }, () => (rand() * 2 - 1) * scale),
    shape,
  );
  if (E.isLeft(made)) throw made.left;
  return made.right as AnyTensor;
}

const FUSED = {
  softmax: (x: AnyTensor) => softmax(x as Tensor<Shape, 'float32'>),
  rmsNorm: (x: AnyTensor) => rmsNorm(x as Tensor<Shape, 'float32'>),
  gatedSilu: (x: AnyTensor) => gatedSilu(x as Tensor<Shape, 'float32'>),
} as const;

describe('fused ops: kernels against composites', () => {
  const backends = { reference: () => new ReferenceBackend(), wasm: () => new WasmBackend({ threads: 1 }) };
  for (const [bName, make] of Object.entries(backends))
    for (const [op, f] of Object.entries(FUSED))
      it(`${op} [${bName}]: value and VJP (random cotangent) match the composite's, through the fused kernels`, () => {
        const fused = make();
        const plain = composites();
        const shape = [3, 9, op === 'gatedSilu' ? 24 : 13];
        const kernel = vi.spyOn(fused.fused as NonNullable<Backend['fused']>, op as never);
        const run = (b: Backend) =>
          withBackend(b, () => {
            const x = randomTensor(shape, 1);
            const { out, pullback } = vjp(f, x);
            const ct = randomTensor(out.shape as number[], 2);
            return { out: out.data(), dx: pullback(ct)[0].data() };
          });
        const a = run(fused);
        const b = run(plain);
        expect(kernel).toHaveBeenCalled();
        for (const [got, want] of [
          [a.out, b.out],
          [a.dx, b.dx],
        ])
          for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
      });
});

describe('addRmsNorm: the fused kernel against rmsNorm(add(x, y))', () => {
  const backends = { reference: () => new ReferenceBackend(), wasm: () => new WasmBackend({ threads: 1 }) };
  for (const [bName, make] of Object.entries(backends))
    it(`[${bName}]: value and both VJPs match the composite's, with a transposed first input`, () => {
      const fused = make();
      const kernel = vi.spyOn(fused.fused as NonNullable<Backend['fused']>, 'addRmsNorm');
      const run = (b: Backend, f: (x: AnyTensor, y: AnyTensor) => AnyTensor) =>
        withBackend(b, () => {
          const x = transpose(randomTensor([3, 13, 9], 1) as Tensor<[3, 13, 9]>);
          const y = randomTensor([3, 9, 13], 2);
          const { out, pullback } = vjp(f, x, y);
          const [dx, dy] = pullback(randomTensor([3, 9, 13], 3));
          return [out, dx, dy].map((t) => t.data());
        });
      type T = Tensor<Shape, 'float32'>;
      const got = run(fused, (x, y) => addRmsNorm(x as T, y as T));
      const want = run(composites(), (x, y) => rmsNorm(add(x, y) as T));
      expect(kernel).toHaveBeenCalledTimes(1);
      for (let k = 0; k < want.length; k++)
        for (let i = 0; i < want[k].length; i++) expect(got[k][i]).toBeCloseTo(want[k][i], 5);
    });
});

describe('fused ops: VJP kernels run in the backward pass, composites under a second derivative', () => {
  it('uses the fused VJP kernel for a first derivative and composes it for a second', () => {
    const b = new WasmBackend({ threads: 1 });
    const fused = b.fused as NonNullable<Backend['fused']>;
    const first = vi.spyOn(fused, 'rmsNormVjp');
    withBackend(b, () => {
      const x = randomTensor([2, 6], 3);
      const loss = (z: AnyTensor) => sum(mul(rmsNorm(z as Tensor<Shape, 'float32'>), randomTensor([2, 6], 4)));
      grad(loss)(x);
      expect(first).toHaveBeenCalledTimes(1);
      first.mockClear();
      // The gradient's own gradient: the first backward pass runs under a tape, so it composes.
      const g2 = grad((z: AnyTensor) => sum(square(grad(loss)(z))))(x);
      expect(first).not.toHaveBeenCalled();
      // Against the composite written out here.
      const plain = withBackend(composites(), () => {
        const xr = randomTensor([2, 6], 3);
        const w = randomTensor([2, 6], 4);
        const manual = (z: AnyTensor) => sum(mul(mul(z, rsqrt(add(mean(square(z), -1, { keepdims: true }), 1e-5))), w));
        return grad((z: AnyTensor) => sum(square(grad(manual)(z))))(xr).data();
      });
      const got = g2.data();
      for (let i = 0; i < plain.length; i++) expect(got[i]).toBeCloseTo(plain[i], 3);
    });
  });
});

describe('fused ops: axes, strides, float64 and errors', () => {
  it('softmax along a leading axis and over a transposed view equals the reference', () => {
    for (const b of [new WasmBackend({ threads: 1 }), new ReferenceBackend()])
      withBackend(b, () => {
        const x = randomTensor([4, 6], 5, 3);
        const want = withBackend(composites(), () => softmax(randomTensor([4, 6], 5, 3), 0).data());
        const got = softmax(x as Tensor<[4, 6]>, 0).data();
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 6);
      });
  });

  it('gatedSilu reads the halves of a strided view', () => {
    withBackend(new WasmBackend({ threads: 1 }), () => {
      const base = randomTensor([6, 4], 6) as Tensor<[6, 4]>;
      const x = slice(base, 0, 1, 5); // rows 1..4, offset view
      const both = concat([x, x], 0); // a contiguous copy to compare against
      const got = gatedSilu(x).data();
      const want = gatedSilu(both).data().slice(0, got.length);
      expect(Array.from(got)).toEqual(Array.from(want));
    });
  });

  it('works in float64 on every CPU backend', () => {
    for (const b of [new WasmBackend({ threads: 1 }), new ReferenceBackend()])
      withBackend(b, () => {
        const x = cast(
          tensor([
            [1, 2, 3, 4],
            [-1, 0.5, 0, 2],
          ]),
          'float64',
        );
        const r = rmsNorm(x).data();
        const expected = [...rmsRow(1e-5)([1, 2, 3, 4]), ...rmsRow(1e-5)([-1, 0.5, 0, 2])];
        for (let i = 0; i < 8; i++) expect(r[i]).toBeCloseTo(expected[i], 12);
        expect(r).toBeInstanceOf(Float64Array);
      });
  });

  it('a row of -Infinity gives NaN as the composite does, and large logits do not overflow', () => {
    withBackend(new WasmBackend({ threads: 1 }), () => {
      expect(Array.from(softmax(tensor([1000, 1001, 999])).data()).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 6);
      expect(Array.from(softmax(tensor([0, Number.NEGATIVE_INFINITY, 0])).data())).toEqual([0.5, 0, 0.5]);
    });
  });
});
