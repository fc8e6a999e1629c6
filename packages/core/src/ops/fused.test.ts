/**
 * The fused ops in the op suite (every backend, the browser's too): values against float64 formulas,
 * gradients and gradients of gradients against finite differences, bad input. Whether the fused kernels
 * themselves run, and agree with the composites, is checked in ../fused.test.ts on the CPU backends.
 */
import {
  type AnyTensor,
  addRmsNorm,
  gatedSilu,
  rmsNorm,
  type Shape,
  ShapeError,
  type Tensor,
  tensor,
  transpose,
} from '@hrm/core';
import { checkOp, type OpCase } from '@hrm/testing/opcheck';
import { permute, type Ref, ref } from '@hrm/testing/ref';
import { describe, expect, it } from 'vitest';

/** Applies `f` to each row of the last axis of `x` (float64), giving rows of `width` (default the same). */
function byRow(x: Ref, f: (row: number[]) => number[], width?: number): Ref {
  const n = x.shape[x.shape.length - 1];
  const w = width ?? n;
  const rows = n === 0 ? 0 : x.data.length / n;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) out.push(...f(Array.from(x.data.slice(r * n, (r + 1) * n))));
  return ref([...x.shape.slice(0, -1), w], out);
}

const rmsRow = (eps: number) => (row: number[]) => {
  const r = 1 / Math.sqrt(row.reduce((s, v) => s + v * v, 0) / row.length + eps);
  return row.map((v) => v * r);
};
const sum2 = (x: Ref, y: Ref): Ref =>
  ref(
    x.shape,
    x.data.map((v, i) => v + y.data[i]),
  );
const silu = (v: number) => v / (1 + Math.exp(-v));
const gatedRow = (row: number[]) => {
  const f = row.length / 2;
  return row.slice(0, f).map((g, j) => silu(g) * row[f + j]);
};

// Row lengths around the kernels' four-wide steps (tails of 0-3), the sizes HRM uses, and a single row.
const SHAPES: number[][] = [
  [3, 5],
  [2, 3, 8],
  [4, 7],
  [2, 81],
  [5, 64],
  [1, 1],
  [6, 2],
];

const cases: OpCase[] = SHAPES.flatMap((shape): OpCase[] => [
  {
    name: `rmsNorm [${shape}]`,
    inputs: [{ shape, range: [-3, 3] }],
    run: (x) => rmsNorm(x as Tensor<Shape, 'float32'>),
    reference: (x) => byRow(x, rmsRow(1e-5)),
    grad2: true,
    rtol: 1e-5,
  },
  {
    name: `addRmsNorm [${shape}]`,
    inputs: [
      { shape, range: [-3, 3] },
      { shape, range: [-3, 3] },
    ],
    run: (x, y) => addRmsNorm(x as Tensor<Shape, 'float32'>, y as Tensor<Shape, 'float32'>),
    reference: (x, y) => byRow(sum2(x, y), rmsRow(1e-5)),
    grad2: true,
    rtol: 1e-5,
  },
  {
    name: `rmsNorm [${shape}] eps 0.5`,
    inputs: [{ shape, range: [-1, 1] }],
    run: (x) => rmsNorm(x as Tensor<Shape, 'float32'>, 0.5),
    reference: (x) => byRow(x, rmsRow(0.5)),
    rtol: 1e-5,
  },
  ...(shape[shape.length - 1] % 2 === 0
    ? [
        {
          name: `gatedSilu [${shape}]`,
          inputs: [{ shape, range: [-4, 4] as const }],
          run: (x: AnyTensor) => gatedSilu(x as Tensor<Shape, 'float32'>),
          reference: (x: Ref) => byRow(x, gatedRow, shape[shape.length - 1] / 2),
          grad2: true,
          rtol: 1e-5,
        },
      ]
    : []),
]);
// A post-norm residual whose input is a transposed view (TRM's token mixer): strided rows into the fused kernel.
const swapLast = (r: number) => [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
const transposedSum: OpCase[] = [
  [4, 7],
  [2, 5, 3],
].map((shape) => ({
  name: `addRmsNorm [${shape}] with the first input transposed`,
  inputs: [
    { shape: [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]], range: [-3, 3] },
    { shape, range: [-3, 3] },
  ],
  run: (x, y) => addRmsNorm(transpose(x) as Tensor<Shape, 'float32'>, y as Tensor<Shape, 'float32'>, 0.1),
  reference: (x, y) => byRow(sum2(permute(x, swapLast(shape.length)), y), rmsRow(0.1)),
  rtol: 1e-5,
}));

// Along axis -2 (TRM's token mixer over the sequence): x in its layout, y a transposed view (as the mixer's
// output arrives) or in the same layout; rows of the transposes around the four-row groups.
const columns: OpCase[] = [
  [4, 7],
  [5, 6],
  [2, 7, 5],
].flatMap((shape): OpCase[] => {
  const r = shape.length;
  const t = (x: Ref) => permute(x, swapLast(r));
  const swapped = [...shape.slice(0, -2), shape[r - 1], shape[r - 2]];
  const reference = (x: Ref, y: Ref) => t(byRow(sum2(t(x), t(y)), rmsRow(0.1)));
  return [
    {
      name: `addRmsNorm along axis -2 [${shape}], y transposed`,
      inputs: [
        { shape, range: [-3, 3] },
        { shape: swapped, range: [-3, 3] },
      ],
      run: (x, y) => addRmsNorm(x as Tensor<Shape, 'float32'>, transpose(y) as Tensor<Shape, 'float32'>, 0.1, -2),
      reference: (x, y) => reference(x, t(y)),
      grad2: r === 2,
      rtol: 1e-5,
    },
    {
      name: `addRmsNorm along axis -2 [${shape}]`,
      inputs: [
        { shape, range: [-3, 3] },
        { shape, range: [-3, 3] },
      ],
      run: (x, y) => addRmsNorm(x as Tensor<Shape, 'float32'>, y as Tensor<Shape, 'float32'>, 0.1, -2),
      reference,
      rtol: 1e-5,
    },
  ];
});

checkOp('fused ops', [...cases, ...transposedSum, ...columns]);

describe('fused ops: bad input', () => {
  it('rejects an odd last axis, a scalar and a bad eps by name', () => {
    expect(() => gatedSilu(tensor([[1, 2, 3]]))).toThrow(/gatedSilu: the last axis must have an even size/);
    expect(() => rmsNorm(tensor(1))).toThrow(ShapeError);
    expect(() => rmsNorm(tensor([1, 2]), -1)).toThrow(/eps must be a number >= 0/);
    expect(() => addRmsNorm(tensor(1), tensor(2))).toThrow(/addRmsNorm: needs at least one axis/);
    expect(() => addRmsNorm(tensor([1, 2]), tensor([1, 2]), Number.NaN)).toThrow(/addRmsNorm: eps must be/);
    expect(() => addRmsNorm(tensor([1, 2]), tensor([1, 2]), 1e-5, -2)).toThrow(/along axis -2 needs at least two axes/);
  });
});
