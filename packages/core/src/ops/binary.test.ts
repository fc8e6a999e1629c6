import { add, atan2, DTypeError, div, maximum, minimum, mod, mul, pow, ShapeError, sub, tensor } from '@hrm/core';
import { checkOp, type InputSpec, type OpCase } from '@hrm/testing/opcheck';
import { zip } from '@hrm/testing/ref';
import { describe, expect, it } from 'vitest';

/** Shape pairs covering equal shapes, trailing vectors, size-1 stretching on both sides, scalars and empty dims. */
const PAIRS: readonly [readonly number[], readonly number[]][] = [
  [
    [3, 4],
    [3, 4],
  ],
  [[2, 3, 4], [4]],
  [
    [2, 1, 4],
    [3, 1],
  ],
  [[1], [5]],
  [[], [2, 3]],
  [[4, 1], []],
  [[0, 3], [3]],
  [
    [2, 81],
    [2, 81],
  ],
];

function cases(
  name: string,
  op: (a: never, b: never) => unknown,
  f: (a: number, b: number) => number,
  a: Omit<InputSpec, 'shape'> = {},
  b: Omit<InputSpec, 'shape'> = a,
  extra: Partial<OpCase> = {},
): OpCase[] {
  return PAIRS.map(([sa, sb]) => ({
    name: `${name} [${sa.join(', ')}] with [${sb.join(', ')}]`,
    inputs: [
      { shape: sa, ...a },
      { shape: sb, ...b },
    ],
    run: (x, y) => op(x as never, y as never) as never,
    reference: (x, y) => zip(f, x, y),
    grad2: true,
    ...extra,
  }));
}

const away = { range: [-2, 2], awayFromZero: 0.2 } as const;

checkOp(
  'add',
  cases('add', add, (a, b) => a + b),
);
checkOp(
  'sub',
  cases('sub', sub, (a, b) => a - b),
);
checkOp(
  'mul',
  cases('mul', mul, (a, b) => a * b),
);
checkOp(
  'div',
  cases('div', div, (a, b) => a / b, {}, away, { rtol: 1e-5 }),
);
checkOp(
  'pow',
  cases('pow', pow, (a, b) => a ** b, { range: [0.3, 2] }, { range: [-2, 2] }, { rtol: 1e-5 }),
);
// Distinct values on each side so that no ties sit on the kink.
checkOp(
  'maximum',
  cases('maximum', maximum, Math.max, { range: [0, 1] }, { range: [-1, 0] }).concat(
    cases('maximum', maximum, Math.max, { range: [-1, 0] }, { range: [0, 1] }),
  ),
);
checkOp('minimum', cases('minimum', minimum, Math.min, { range: [0, 1] }, { range: [-1, 0] }));
checkOp('atan2', cases('atan2', atan2, Math.atan2, away, away));
checkOp(
  'mod',
  cases(
    'mod',
    mod,
    (a, b) => a - b * Math.floor(a / b),
    { range: [-5, 5] },
    { range: [0.7, 2] },
    { grad2: false, rtol: 1e-5, atol: 1e-5 },
  ),
);

checkOp('int32 arithmetic', [
  ...cases('add int32', add, (a, b) => a + b, { dtype: 'int32' }),
  ...cases('mul int32', mul, (a, b) => a * b, { dtype: 'int32' }),
  ...cases(
    'floor-div int32',
    div,
    (a, b) => (b === 0 ? 0 : Math.floor(a / b)),
    { dtype: 'int32', range: [-20, 20] },
    { dtype: 'int32', range: [1, 6] },
  ),
  ...cases(
    'mod int32',
    mod,
    (a, b) => a - b * Math.floor(a / b),
    { dtype: 'int32', range: [-20, 20] },
    { dtype: 'int32', range: [1, 6] },
  ),
  ...cases('maximum int32', maximum, Math.max, { dtype: 'int32' }),
]);

describe('binary ops: scalars, ties, errors', () => {
  it('takes plain numbers on either side, in the tensor dtype', () => {
    expect(sub(1, tensor([1, 2, 3])).toArray()).toEqual([0, -1, -2]);
    expect(mul(tensor([1, 2], 'int32'), 3).toArray()).toEqual([3, 6]);
    expect(div(tensor([7, -7], 'int32'), 2).toArray()).toEqual([3, -4]);
  });

  it('refuses numbers the dtype cannot hold exactly', () => {
    expect(() => add(tensor([1, 2], 'int32'), 0.5)).toThrow(DTypeError);
    expect(() => add(tensor([1, 2], 'int32'), 0.5)).toThrow(/0.5 is not a valid int32/);
  });

  it('refuses mixed dtypes at run time and names them', () => {
    const f = tensor([1, 2]);
    const i = tensor([1, 2], 'int32');
    expect(() => add(f as never, i as never)).toThrow(/add: dtypes differ \(float32, int32\)/);
  });

  it('refuses arithmetic on bool', () => {
    const b = tensor([true, false]);
    expect(() => add(b as never, b as never)).toThrow(/add: needs a numeric tensor, got bool\[2\]/);
  });

  it('names the op, the shapes and the clashing axis', () => {
    expect(() => add(tensor([[1, 2, 3]]), tensor([[1, 2]]) as never)).toThrow(ShapeError);
    expect(() => add(tensor([[1, 2, 3]]), tensor([[1, 2]]) as never)).toThrow(
      'add: cannot broadcast [1, 3] with [1, 2]: axis -1 has sizes 3 and 2',
    );
  });

  it('propagates NaN through maximum and minimum', () => {
    expect(maximum(tensor([Number.NaN, 1]), tensor([0, Number.NaN])).toArray()).toEqual([Number.NaN, Number.NaN]);
  });
});
