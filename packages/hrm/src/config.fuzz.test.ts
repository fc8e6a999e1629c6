/**
 * Property-based fuzzing of the config decoders, which read untrusted JSON (config files, presets,
 * flags): random objects give either a Right that is a valid config holding the fields given, or a Left
 * listing problems, each led by the path of its field. Never a throw. Seeded and bounded, so a failure
 * replays and the suite stays fast.
 */

import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { decodeModelConfig, ModelConfigCodec } from './config.js';
import { decodeTrainConfig, TrainConfigCodec } from './train-config.js';

const runs = (numRuns: number) => ({ seed: 20261206, numRuns });

const modelFields = Object.keys(ModelConfigCodec.type.props);
const trainFields = Object.keys(TrainConfigCodec.type.props);

/** Anything JSON can say, with values near what the fields want among them. */
const anyValue = fc.oneof(
  fc.integer({ min: -2, max: 600 }),
  fc.constantFrom(0, 0.5, 1, 1e-5, 2 ** 31, 1e300, true, false, null, 'hrm', 'trm', 'rope', 'none', 'softmax'),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Valid values for a field, from its codec: so that many generated configs are valid, and the rest are near. */
function validValue(codec: t.Mixed): fc.Arbitrary<unknown> {
  if (codec instanceof t.KeyofType) return fc.constantFrom(...Object.keys(codec.keys));
  if (codec instanceof t.BooleanType) return fc.boolean();
  switch (codec.name) {
    case 'PositiveInt':
      return fc.constantFrom(1, 2, 4, 8, 16, 64);
    case 'NonNegativeInt':
      return fc.constantFrom(0, 1, 4, 16);
    case 'Probability':
      return fc.double({ min: 0, max: 1, noNaN: true });
    default: // PositiveNumber, NonNegativeNumber, and the EMA rate (0 or a probability)
      return fc.constantFrom(1e-5, 0.1, 0.5, 1);
  }
}

/** A JSON object over the fields of a config: mostly valid values, some not, sometimes other keys. */
function configObject(
  props: Readonly<Record<string, t.Mixed>>,
  required: readonly string[],
): fc.Arbitrary<Record<string, unknown>> {
  const field = (name: string) => fc.oneof({ weight: 12, arbitrary: validValue(props[name]) }, anyValue);
  const known = fc.record(Object.fromEntries(Object.keys(props).map((f) => [f, field(f)])), {
    requiredKeys: required as string[],
  });
  // Not the names every object inherits (valueOf, constructor...): the decoders miss those (known bug below).
  const otherKey = fc.string({ maxLength: 8 }).filter((k) => !(k in Object.prototype));
  const other = fc.dictionary(otherKey, anyValue, { minKeys: 1, maxKeys: 2 });
  return fc
    .tuple(known, fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, other))
    .map(([k, o]) => ({ ...o, ...k }))
    .map((o) => JSON.parse(JSON.stringify(o))); // as a config file would give it
}

/** Each problem leads with `(root)` or the path of a field of the input: `hidden: expected PositiveInt, got -3`. */
function expectPaths(problems: readonly string[], input: unknown, fields: readonly string[]): void {
  expect(problems.length).toBeGreaterThan(0);
  const keys = [...fields, ...(typeof input === 'object' && input !== null ? Object.keys(input) : [])];
  for (const p of problems)
    expect(p.startsWith('(root): ') || keys.some((k) => p.startsWith(`${k}: `) || p.startsWith(`${k}.`))).toBe(true);
}

describe('fuzzing decodeModelConfig', () => {
  it('random JSON objects give a valid config holding the fields given, or problems with paths', () => {
    fc.assert(
      fc.property(configObject(ModelConfigCodec.type.props, ['vocabSize', 'seqLen']), (input) => {
        const r = decodeModelConfig(input);
        if (E.isLeft(r)) return expectPaths(r.left, input, modelFields);
        expect(ModelConfigCodec.is(r.right)).toBe(true);
        expect(r.right.hidden % r.right.heads).toBe(0);
        for (const k of Object.keys(input)) expect(modelFields).toContain(k);
        for (const f of modelFields) if (Object.hasOwn(input, f)) expect(r.right[f as 'hidden']).toEqual(input[f]);
      }),
      runs(1000),
    );
  });

  it('any JSON value at all gives a Right or problems, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (input) => {
        const r = decodeModelConfig(input);
        if (E.isLeft(r)) expectPaths(r.left, input, modelFields);
      }),
      runs(500),
    );
  });
});

describe('fuzzing decodeTrainConfig', () => {
  it('random JSON objects give a valid config holding the fields given, or problems with paths', () => {
    fc.assert(
      fc.property(configObject(TrainConfigCodec.type.props, ['totalSteps']), (input) => {
        const r = decodeTrainConfig(input);
        if (E.isLeft(r)) return expectPaths(r.left, input, trainFields);
        expect(TrainConfigCodec.is(r.right)).toBe(true);
        for (const k of Object.keys(input)) expect(trainFields).toContain(k);
        for (const f of trainFields) if (Object.hasOwn(input, f)) expect(r.right[f as 'lr']).toEqual(input[f]);
      }),
      runs(1000),
    );
  });

  it('any JSON value at all gives a Right or problems, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (input) => {
        const r = decodeTrainConfig(input);
        if (E.isLeft(r)) expectPaths(r.left, input, trainFields);
      }),
      runs(500),
    );
  });
});

/** Bugs the fuzzing found in the decoders, each held by a test (they failed before the fix). */
describe('the config decoders against hostile input', () => {
  const deep = (n: number): unknown => JSON.parse('['.repeat(n) + ']'.repeat(n));

  // They tested `k in Codec.type.props`, which is true for Object.prototype's names.
  it('a key every object inherits (valueOf, constructor, toString, __proto__) is an unknown field', () => {
    for (const k of ['valueOf', 'constructor', 'toString', '__proto__']) {
      const model = decodeModelConfig(JSON.parse(`{"vocabSize": 10, "seqLen": 4, "${k}": 0}`));
      expect(E.isLeft(model) && model.left).toEqual([`${k}: unknown field`]);
      const train = decodeTrainConfig(JSON.parse(`{"totalSteps": 1, "${k}": 0}`));
      expect(E.isLeft(train) && train.left).toEqual([`${k}: unknown field`]);
    }
  });

  // Messages held JSON.stringify(value), which overflows the stack on deep values.
  it('a value nested thousands deep gives a Left, not a RangeError', () => {
    expect(E.isLeft(decodeModelConfig({ vocabSize: 10, seqLen: 4, hidden: deep(100_000) }))).toBe(true);
    expect(E.isLeft(decodeTrainConfig({ totalSteps: 1, lr: deep(100_000) }))).toBe(true);
    expect(E.isLeft(decodeModelConfig(deep(100_000)))).toBe(true);
  });

  it('sizes far past any model are refused, naming the field and the limit', () => {
    const model = decodeModelConfig({ vocabSize: 10, seqLen: 4, hidden: 2 ** 40, heads: 1 });
    expect(E.isLeft(model) && model.left).toContain(`hidden: ${2 ** 40} is over the limit of 16384`);
    const train = decodeTrainConfig({ totalSteps: 1e300, batchSize: 2 ** 53 });
    expect(E.isLeft(train) && train.left).toEqual([
      `batchSize: ${2 ** 53} is over the limit of 1000000`,
      'totalSteps: 1e+300 is over the limit of 1000000000',
    ]);
  });
});
