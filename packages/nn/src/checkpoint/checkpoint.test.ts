import { leaves } from '@hrm/autodiff';
import { type AnyTensor, fromArray, key, scalar, splitKey, tensor, zeros } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  type CheckpointError,
  checkpointFromBytes,
  checkpointToBytes,
  decodeSafetensors,
  encodeSafetensors,
} from './index.js';

const ok = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const failure = <A>(e: E.Either<CheckpointError, A>): CheckpointError => {
  if (E.isRight(e)) throw new Error('expected a failure');
  return e.left;
};
const rawBytes = (x: AnyTensor): number[] => {
  const d = x.data();
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
};

/** Checkpoints of a diverged run can still be written and read, to inspect them. */
const inspect = { allowNonFinite: true };
const specials = [0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1e-45, -3e-39, 3.4e38];
const [, runKey] = splitKey(key(2 ** 40 + 5));

function fullCheckpoint(): Checkpoint {
  return {
    params: {
      embed: ok(fromArray(specials, [2, 4], { allowNonFinite: true })),
      layers: [
        { w: tensor([[1, 2, 3]]), b: zeros([3]) },
        { w: tensor([[4], [5], [6]]), b: scalar(0.5) },
      ],
      ids: tensor([3, -1, 2 ** 31 - 1], 'int32'),
      wide: tensor([Math.PI], 'float64'),
      unused: [],
    },
    optState: { mu: [zeros([1, 3]), zeros([3, 1])], count: scalar(7, 'int32') },
    step: 123_456,
    key: runKey,
    config: { model: { hidden: 64, cycles: [2, 2] }, lr: 3e-4, name: 'sudoku', flags: [true, null] },
  };
}

describe('checkpointToBytes / checkpointFromBytes', () => {
  it('round-trips parameters and optimiser state bit for bit, keeping the tree structure', () => {
    const ckpt = fullCheckpoint();
    const back = ok(checkpointFromBytes(ok(checkpointToBytes(ckpt, inspect)), undefined, undefined, inspect));
    for (const [mine, theirs] of [
      [ckpt.params, back.params],
      [ckpt.optState, back.optState],
    ]) {
      const [a, b] = [leaves(mine), leaves(theirs)];
      expect(b.map((l) => l.path)).toEqual(a.map((l) => l.path));
      for (const [i, l] of a.entries()) {
        expect(b[i].value.dtype).toBe(l.value.dtype);
        expect(b[i].value.shape).toEqual(l.value.shape);
        expect(rawBytes(b[i].value)).toEqual(rawBytes(l.value));
      }
    }
    // Arrays stay arrays and empty nodes survive: the stored skeleton, not the names, rebuilds the tree.
    expect(back.params).toMatchObject({ layers: [{}, {}], unused: [] });
    expect(Array.isArray((back.params as { layers: unknown }).layers)).toBe(true);
  });

  it('round-trips the resume data: step, key words and config', () => {
    const ckpt = fullCheckpoint();
    const back = ok(checkpointFromBytes(ok(checkpointToBytes(ckpt, inspect)), undefined, undefined, inspect));
    expect(back.step).toBe(123_456);
    expect([...back.key]).toEqual([...runKey]);
    expect(splitKey(back.key, 3)).toEqual(splitKey(runKey, 3)); // randomness resumes where it left off
    expect(back.config).toEqual(ckpt.config);
  });

  it('names tensors params.<leaf path> and opt.<leaf path>, with everything else in the metadata', () => {
    const ckpt = fullCheckpoint();
    const file = ok(decodeSafetensors(ok(checkpointToBytes(ckpt, inspect))));
    expect(Object.keys(file.tensors).sort()).toEqual(
      [
        ...leaves(ckpt.params).map((l) => `params.${l.path}`),
        ...leaves(ckpt.optState).map((l) => `opt.${l.path}`),
      ].sort(),
    );
    expect(file.metadata).toMatchObject({
      format: 'hrm-ts checkpoint',
      format_version: '1',
      step: '123456',
      key: JSON.stringify([...runKey]),
      opt_tree: '{"count":null,"mu":[null,null]}',
    });
  });

  it('stores a lone tensor as `params`, and no optimiser state when there is none', () => {
    const back = ok(
      checkpointFromBytes(ok(checkpointToBytes({ params: tensor([1, 2]), step: 0, key: key(0), config: null }))),
    );
    expect((back.params as AnyTensor).toArray()).toEqual([1, 2]);
    expect(back.optState).toBeUndefined();
  });

  it('refuses to write what would not read back, naming every problem', () => {
    const bad = { params: { w: tensor([1]), lr: 0.1 }, step: 1.5, key: key(1), config: { lr: Number.NaN } };
    expect(failure(checkpointToBytes(bad)).problems).toEqual([
      "params: tree leaf at 'lr' is a number, not a tensor",
      'step must be a non-negative integer, got 1.5',
      'config must be plain JSON, but config.lr is NaN',
    ]);
    const clash = { params: { 'a.b': tensor([1]), a: { b: tensor([2]) } }, step: 0, key: key(1), config: {} };
    expect(failure(checkpointToBytes(clash)).problems).toEqual([
      "two leaves are both stored as 'params.a.b' (a key containing '.'?)",
    ]);
    const nested = { params: {}, step: 0, key: key(1), config: JSON.parse(`${'['.repeat(65)}${']'.repeat(65)}`) };
    expect(failure(checkpointToBytes(nested)).problems).toEqual([
      'config nests arrays and objects more than 64 deep, which would not read back',
    ]);
    const mask = { params: {}, optState: { mask: tensor([true]) }, step: 0, key: key(1), config: {} };
    expect(failure(checkpointToBytes(mask)).message).toBe(
      "checkpoint: tensor 'opt.mask': dtype bool cannot be written (writable: float32, float64, int32)",
    );
  });
});

describe('non-finite weights', () => {
  const diverged = (): Checkpoint => ({
    params: {
      w: ok(fromArray([1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN], [5], inspect)),
      b: tensor([1, 2]),
      wide: ok(fromArray([Number.NaN], [1], { dtype: 'float64', allowNonFinite: true })),
      ids: tensor([7], 'int32'),
    },
    optState: { m: [ok(fromArray([Number.POSITIVE_INFINITY, 0], [2], inspect))] },
    step: 9,
    key: key(3),
    config: {},
  });

  it('are refused when saving, each tensor named with its count of NaN and ±Infinity', () => {
    expect(failure(checkpointToBytes(diverged())).message).toBe(
      [
        'checkpoint: 3 problems:',
        "  - tensor 'params.w': 4 of its 5 values are not finite (2 NaN, 2 ±Infinity); pass allowNonFinite to save it anyway",
        "  - tensor 'params.wide': 1 of its 1 values is not finite (1 NaN, 0 ±Infinity); pass allowNonFinite to save it anyway",
        "  - tensor 'opt.m.0': 1 of its 2 values is not finite (0 NaN, 1 ±Infinity); pass allowNonFinite to save it anyway",
      ].join('\n'),
    );
  });

  it('are refused when loading, with or without a template, unless allowNonFinite', () => {
    const bytes = ok(checkpointToBytes(diverged(), inspect));
    const problems = [
      "tensor 'opt.m.0': 1 of its 2 values is not finite (0 NaN, 1 ±Infinity); pass allowNonFinite to load it anyway",
      "tensor 'params.w': 4 of its 5 values are not finite (2 NaN, 2 ±Infinity); pass allowNonFinite to load it anyway",
      "tensor 'params.wide': 1 of its 1 values is not finite (1 NaN, 0 ±Infinity); pass allowNonFinite to load it anyway",
    ];
    const refused = failure(checkpointFromBytes(bytes, undefined, 'run.safetensors'));
    expect(refused.source).toBe('run.safetensors');
    expect(refused.problems).toEqual(problems);
    const template = { params: diverged().params };
    expect(failure(checkpointFromBytes(bytes, template)).problems).toEqual(problems);
    // Opting out gives every value back, bit for bit.
    const back = ok(checkpointFromBytes(bytes, template, 'run.safetensors', inspect));
    const w = (params: unknown) => (params as { w: AnyTensor }).w;
    expect(rawBytes(w(back.params))).toEqual(rawBytes(w(diverged().params)));
    expect(ok(checkpointFromBytes(bytes, undefined, undefined, inspect)).step).toBe(9);
  });
});

describe('loading against a template', () => {
  const saved = ok(
    checkpointToBytes({
      params: { layers: [{ w: zeros([2, 3]), b: zeros([3]) }], head: tensor([1, 2], 'int32'), extra: zeros([1]) },
      optState: { m: zeros([4]) },
      step: 5,
      key: key(5),
      config: {},
    }),
  );

  it('reports every missing, unexpected, misshapen and mistyped tensor by name, and returns nothing', () => {
    const template = {
      params: { layers: [{ w: zeros([2, 4]), b: zeros([3]), g: zeros([3]) }], head: zeros([2]) },
      optState: { m: zeros([4]), v: zeros([4]) },
    };
    const error = failure(checkpointFromBytes(saved, template, 'run.safetensors'));
    expect(error.problems).toEqual([
      "tensor 'params.head' is int32[2] in the file, but the template has float32",
      "missing tensor 'params.layers.0.g' (the template has float32[3])",
      "tensor 'params.layers.0.w' has shape [2, 3] in the file, but the template has [2, 4]",
      "missing tensor 'opt.v' (the template has float32[4])",
      "unexpected tensor 'params.extra' (float32[1]): not in the template",
    ]);
    expect(error.message).toMatch(/^run\.safetensors: 5 problems:\n {2}- tensor 'params\.head'/);
  });

  it('takes the template structure and dim names when all matches', () => {
    const template = {
      params: {
        layers: [{ w: zeros(['d', 3], { dims: { d: 2 } }), b: zeros([3]) }],
        head: zeros([2], { dtype: 'int32' }),
        extra: zeros([1]),
      },
    };
    const back = ok(checkpointFromBytes(saved, template));
    expect(back.params.layers[0].w.names).toEqual(['d', undefined]);
    expect(back.params.head.toArray()).toEqual([1, 2]);
    // No optimiser state in the template: the file's is rebuilt from its stored structure.
    expect(leaves(back.optState).map((l) => l.path)).toEqual(['m']);
  });

  it('without a template, checks the tensors against the stored structure', () => {
    const file = ok(decodeSafetensors(saved));
    const tensors = Object.fromEntries(
      Object.entries(file.tensors)
        .filter(([name]) => name !== 'params.head')
        .map(([name, x]) => [name, ok(fromArray(x.data, x.shape, { dtype: x.dtype }))]),
    );
    const tampered = encodeSafetensors({ ...tensors, 'params.more': zeros([2]), stray: zeros([1]) }, file.metadata);
    expect(failure(checkpointFromBytes(tampered)).problems).toEqual([
      "missing tensor 'params.head' (listed in the stored tree structure)",
      "unexpected tensor 'params.more' (float32[2]): not in the stored tree structure",
      "unexpected tensor 'stray' (float32[1]): not part of any tree here (params.*, opt.*)",
    ]);
  });

  it('rejects files that are not checkpoints, or whose metadata is damaged', () => {
    const plain = encodeSafetensors({ w: zeros([1]) });
    expect(failure(checkpointFromBytes(plain, undefined, 'model.safetensors')).message).toBe(
      "model.safetensors: not an hrm-ts checkpoint (no metadata 'format')",
    );
    const { metadata, tensors } = ok(decodeSafetensors(saved));
    const remade = Object.fromEntries(
      Object.entries(tensors).map(([name, x]) => [name, ok(fromArray(x.data, x.shape, { dtype: x.dtype }))]),
    );
    const damaged = encodeSafetensors(remade, { ...metadata, step: '-1', key: '[1, 2, 3]', params_tree: '{"w": 3}' });
    expect(failure(checkpointFromBytes(damaged)).problems).toEqual([
      "metadata 'step': expected NonNegativeInt, got -1",
      "metadata 'key': expected [uint32, uint32], got [1,2,3]",
      "metadata 'params_tree': w: expected null (a tensor), an array or an object, got 3",
    ]);
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const nested = encodeSafetensors(remade, { ...metadata, params_tree: deep(100_000), key: deep(10_000) });
    expect(failure(checkpointFromBytes(nested)).problems).toEqual([
      "metadata 'key' nests arrays and objects more than 64 deep",
      "metadata 'params_tree' nests arrays and objects more than 64 deep",
    ]);
    const newer = encodeSafetensors(remade, { ...metadata, format_version: '2' });
    expect(failure(checkpointFromBytes(newer)).problems).toEqual([
      'written by a newer version of hrm-ts (format_version 2; this one reads 1)',
    ]);
  });
});
