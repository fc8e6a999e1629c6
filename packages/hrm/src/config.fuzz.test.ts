/**
 * Property-based fuzzing of the config decoders, which read untrusted JSON (config files, presets,
 * flags): random objects give either a Right that is a valid config holding the fields given, or a Left
 * listing problems, each led by the path of its field. Never a throw. Seeded and bounded, so a failure
 * replays and the suite stays fast.
 */

import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeModelConfig, ModelConfigCodec } from './config.js';
import { decodeTrainConfig, TrainConfigCodec } from './train-config.js';

const runs = (numRuns: number) => ({ seed: 20261206, numRuns });

const modelFields = Object.keys(ModelConfigCodec.type.props);
const trainFields = Object.keys(TrainConfigCodec.type.props);

/** Values near what a field wants (so some configs are valid), and anything else JSON can say. */
const value = fc.oneof(
  fc.integer({ min: -2, max: 600 }),
  fc.constantFrom(0, 0.5, 1, 1e-5, 2 ** 31, 1e300, true, false, null, 'hrm', 'trm', 'rope', 'none', 'softmax'),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A JSON object over the fields of a config, typos and other keys included. */
function configObject(fields: readonly string[], required: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const known = fc.record(Object.fromEntries(fields.map((f) => [f, value])), { requiredKeys: [] });
  const base = fc.record(Object.fromEntries(required.map((f) => [f, fc.integer({ min: 1, max: 100 })])));
  const other = fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 2 });
  return fc
    .tuple(base, known, fc.oneof(fc.constant({}), other))
    .map(([b, k, o]) => Object.assign(Object.create(null), o, b, k))
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
      fc.property(configObject(modelFields, ['vocabSize', 'seqLen']), (input) => {
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
      fc.property(configObject(trainFields, ['totalSteps']), (input) => {
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
