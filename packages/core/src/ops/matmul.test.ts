import { matmul, ShapeError, tensor, transpose, zeros } from '@hrm/core';
import { checkOp, type OpCase } from '@hrm/testing/opcheck';
import { matmul as refMatmul, permute as refPermute } from '@hrm/testing/ref';
import { describe, expect, it } from 'vitest';

const SHAPES: readonly [readonly number[], readonly number[]][] = [
  [
    [3, 4],
    [4, 5],
  ],
  [
    [1, 1],
    [1, 1],
  ],
  [
    [1, 17],
    [17, 3],
  ],
  [
    [81, 32],
    [32, 1],
  ],
  [
    [2, 3, 4],
    [4, 5],
  ],
  [
    [2, 3, 4],
    [2, 4, 5],
  ],
  [
    [2, 1, 3, 4],
    [5, 4, 2],
  ],
  [
    [3, 0],
    [0, 2],
  ],
  [
    [0, 3],
    [3, 2],
  ],
  [
    [4, 129],
    [129, 3],
  ],
];

const cases: OpCase[] = SHAPES.map(([a, b]) => ({
  name: `[${a.join(', ')}] @ [${b.join(', ')}]`,
  inputs: [{ shape: a }, { shape: b }],
  run: (x, y) => matmul(x, y as never),
  reference: refMatmul,
  grad2: true,
  rtol: 1e-5,
  atol: 1e-5,
}));

// Transposed operands arrive at the kernel as strides: the backward pass is made of these.
const T = (s: readonly number[]) => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
const swapLast = (r: number) => [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
const transposed: OpCase[] = [
  [
    [5, 7],
    [5, 3],
  ],
  [
    [2, 6, 4],
    [2, 6, 3],
  ],
].flatMap(([a, b]) => [
  {
    name: `A^T @ B with A [${a}]`,
    inputs: [{ shape: a }, { shape: b }],
    run: (x, y) => matmul(transpose(x), y as never),
    reference: (x, y) => refMatmul(refPermute(x, swapLast(x.shape.length)), y),
    rtol: 1e-5,
    atol: 1e-5,
  },
  {
    name: `A @ B^T with B [${T(b)}]`,
    inputs: [{ shape: T(a) }, { shape: T(b) }],
    run: (x, y) => matmul(x, transpose(y) as never),
    reference: (x, y) => refMatmul(x, refPermute(y, swapLast(y.shape.length))),
    rtol: 1e-5,
    atol: 1e-5,
  },
]);

// A transposed activation times a weight (TRM's token-mixing MLP): A reaches the kernel uncopied, B
// broadcast over the batch; the weight's gradient is one product over all the rows.
const sharedWeight: OpCase[] = [
  [
    [2, 5, 3],
    [5, 4],
  ],
  [
    [2, 3, 9, 6],
    [9, 5],
  ],
].map(([a, b]) => ({
  name: `A^T @ W with A [${a}], W [${b}]`,
  inputs: [{ shape: a }, { shape: b }],
  run: (x, y) => matmul(transpose(x), y as never),
  reference: (x, y) => refMatmul(refPermute(x, swapLast(x.shape.length)), y),
  grad2: true,
  rtol: 1e-5,
  atol: 1e-5,
}));

checkOp('matmul', [...cases, ...transposed, ...sharedWeight]);

describe('matmul: errors', () => {
  it('names both operands and the inner dims', () => {
    const a = zeros([2, 3]);
    const b = zeros([4, 5]);
    expect(() => matmul(a, b as never)).toThrow(ShapeError);
    expect(() => matmul(a, b as never)).toThrow('matmul: inner dims differ: [2, 3] @ [4, 5] has K=3 vs K=4');
  });

  it('uses run-time dim names in the message', () => {
    const x = zeros(['B', 'D'], { dims: { B: 2, D: 3 } });
    const w = zeros(['H', 'O'], { dims: { H: 4, O: 1 } });
    expect(() => matmul(x, w as never)).toThrow('matmul: inner dims differ: [B=2, D=3] @ [H=4, O=1] has D=3 vs H=4');
  });

  it('refuses vectors and unbroadcastable batches', () => {
    expect(() => matmul(tensor([1, 2]) as never, zeros([2, 1]) as never)).toThrow(/operands need rank >= 2/);
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]) as never)).toThrow(
      /matmul \(batch dims\): cannot broadcast \[2\] with \[3\]/,
    );
  });
});
