/**
 * Property-based fuzzing of the checkpoint reader: arbitrary bytes, and valid files with one corruption
 * each (header length, JSON text, dtype names, shapes, offsets, truncation, metadata), must give a Right or
 * a CheckpointError with its reasons: never another throw, never output out of proportion to the input.
 * Seeded and bounded, so a failure replays and the suite stays fast.
 */
import { leaves } from '@hrm/autodiff';
import { dispose, fromArray, key, tensor } from '@hrm/core';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { SAFETENSORS_DTYPES } from './dtypes.js';
import { CheckpointError, checkpointFromBytes, checkpointToBytes, decodeSafetensors } from './index.js';

const runs = (numRuns: number) => ({ seed: 20261206, numRuns });

function expectReasons(e: unknown): void {
  expect(e).toBeInstanceOf(CheckpointError);
  const { source, problems } = e as CheckpointError;
  expect(source).toBe('fuzz');
  expect(problems.length).toBeGreaterThan(0);
  for (const p of problems) expect(typeof p === 'string' && p.length > 0).toBe(true);
}

/** Reads `bytes` both ways; a throw fails the property, as does decoded data much larger than the file. */
function read(bytes: Uint8Array): void {
  const decoded = decodeSafetensors(bytes, 'fuzz');
  if (E.isLeft(decoded)) expectReasons(decoded.left);
  else {
    // F16 and BF16 widen to float32: twice the bytes at most, so nothing was allocated from a claim alone.
    const out = Object.values(decoded.right.tensors).reduce((n, t) => n + t.data.byteLength, 0);
    expect(out).toBeLessThanOrEqual(2 * bytes.length);
  }
  const ckpt = checkpointFromBytes(bytes, undefined, 'fuzz');
  if (E.isLeft(ckpt)) expectReasons(ckpt.left);
  else dispose([leaves(ckpt.right.params), leaves(ckpt.right.optState ?? {})].flat().map((l) => l.value));
}

const encoder = new TextEncoder();

/** A safetensors file: the 8-byte length (of the header, unless `length` says otherwise), the header, the data. */
function file(header: string, data: Uint8Array, length?: bigint): Uint8Array {
  const json = encoder.encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** The header object and data section of a file this library wrote. */
function parts(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  return { header, data: bytes.subarray(8 + length) };
}

/**
 * JSON text, sometimes of arrays nested thousands deep (codecs and JSON.stringify recurse, so such values
 * overflow the stack). Kept as text: the test itself must never stringify them.
 */
const jsonText = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)) },
);

/** Stands for a JSON text inside a header object, replaced by the text itself once the header is stringified. */
const RAW = '\u0000raw';

function stringify(header: unknown, raw?: string): string {
  const text = JSON.stringify(header);
  return raw === undefined ? text : text.replace(JSON.stringify(RAW), () => raw);
}

const dtypeName = fc.oneof(fc.constantFrom(...Object.keys(SAFETENSORS_DTYPES)), fc.string({ maxLength: 6 }));
const size = fc.oneof(
  fc.nat(4),
  fc.constantFrom(-1, 1.5, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, 2 ** 60, 1e300, Number.MAX_SAFE_INTEGER),
);

/** A valid file of a few small tensors, as its header object and data section. */
const validFile = fc
  .uniqueArray(
    fc.record({
      name: fc.string({ minLength: 1, maxLength: 8 }),
      dtype: fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I32', 'I64'),
      shape: fc.array(fc.nat(3), { maxLength: 3 }),
    }),
    { selector: (e) => e.name, maxLength: 4 },
  )
  .chain((entries) => {
    const header: Record<string, unknown> = {};
    let offset = 0;
    for (const { name, dtype, shape } of entries) {
      if (name === '__metadata__') continue;
      const end = offset + shape.reduce((n, d) => n * d, 1) * SAFETENSORS_DTYPES[dtype as 'F32'];
      header[name] = { dtype, shape, data_offsets: [offset, end] };
      offset = end;
    }
    // I64 data of zeros always fits int32; the rest may be any bits.
    return fc.uint8Array({ minLength: offset, maxLength: offset }).map((data) => ({
      header,
      data: entries.some((e) => e.dtype === 'I64') ? new Uint8Array(offset) : data,
    }));
  });

type Header = Record<string, Record<string, unknown>>;

/** One corruption of a valid file, applied to its header object, its text or its bytes. */
const corruption = fc.oneof(
  fc.record({ kind: fc.constant('length' as const), length: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  fc.record({ kind: fc.constant('text' as const), at: fc.nat(), text: fc.string({ maxLength: 3 }), cut: fc.nat(3) }),
  fc.record({ kind: fc.constant('dtype' as const), at: fc.nat(), dtype: dtypeName }),
  fc.record({ kind: fc.constant('shape' as const), at: fc.nat(), shape: fc.array(size, { maxLength: 4 }) }),
  fc.record({
    kind: fc.constant('offsets' as const),
    at: fc.nat(),
    offsets: fc.array(fc.oneof(size, fc.nat(64)), { maxLength: 3 }),
  }),
  fc.record({
    kind: fc.constant('field' as const),
    at: fc.nat(),
    field: fc.string({ maxLength: 12 }),
    value: jsonText,
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

function corrupt(
  { header, data }: { header: Record<string, unknown>; data: Uint8Array },
  c: typeof corruption extends fc.Arbitrary<infer C> ? C : never,
): Uint8Array {
  const h = structuredClone(header) as Header;
  const names = Object.keys(h);
  const entry = (at: number): Record<string, unknown> => {
    if (names.length === 0) h.x = {};
    return h[names.length === 0 ? 'x' : names[at % names.length]];
  };
  switch (c.kind) {
    case 'length':
      return file(JSON.stringify(h), data, c.length);
    case 'text': {
      const text = JSON.stringify(h);
      const at = c.at % (text.length + 1);
      return file(text.slice(0, at) + c.text + text.slice(at + c.cut), data);
    }
    case 'dtype':
      entry(c.at).dtype = c.dtype;
      break;
    case 'shape':
      entry(c.at).shape = c.shape;
      break;
    case 'offsets':
      entry(c.at).data_offsets = c.offsets;
      break;
    case 'field':
      // Any field of an entry, or a member of the header itself (a new entry, or the metadata).
      (c.at % 3 === 0 ? h : entry(c.at))[c.field] = RAW as unknown as Record<string, unknown>;
      return file(stringify(h, c.value), data);
    case 'truncate': {
      const whole = file(JSON.stringify(h), data);
      return whole.subarray(0, c.at % whole.length);
    }
    case 'append': {
      const whole = file(JSON.stringify(h), data);
      const out = new Uint8Array(whole.length + c.extra.length);
      out.set(whole);
      out.set(c.extra, whole.length);
      return out;
    }
  }
  return file(JSON.stringify(h), data);
}

/** The bytes of a small valid checkpoint: params, optimiser state and the metadata that describes them. */
function checkpointBytes(): Uint8Array {
  const w = fromArray([1, 2, 3, 4, 5, 6], ['in', 3], { dims: { in: 2 } });
  if (E.isLeft(w)) throw w.left;
  const bytes = checkpointToBytes({
    params: { w: w.right, layers: [{ b: tensor([0.5]) }] },
    optState: { m: [tensor([0, 1], 'int32')] },
    step: 3,
    key: key(1),
    config: { hidden: 4 },
  });
  if (E.isLeft(bytes)) throw bytes.left;
  return bytes.right;
}

const metadataField = fc.constantFrom('format', 'format_version', 'step', 'key', 'config', 'params_tree', 'opt_tree');
/** A metadata value: JSON text of any value (deeply nested ones included), or any string. */
const metadataValue = fc.oneof(
  jsonText,
  fc.string({ maxLength: 12 }),
  fc.constantFrom('null', '[]', '{}', '[null]', '{"w":null}', '{"w":[null]}', '{"__proto__":null}'),
);

describe('fuzzing the safetensors reader', () => {
  it('arbitrary bytes give a Right or a CheckpointError, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => read(bytes)),
      runs(500),
    );
  });

  it('a valid length and arbitrary JSON for the header give a Right or a CheckpointError', () => {
    fc.assert(
      fc.property(jsonText, fc.uint8Array({ maxLength: 32 }), (json, data) => read(file(json, data))),
      runs(300),
    );
  });

  it('valid files read back; with one corruption they give a Right or a CheckpointError', () => {
    fc.assert(
      fc.property(validFile, (f) => {
        const decoded = decodeSafetensors(file(JSON.stringify(f.header), f.data), 'fuzz');
        expect(E.isRight(decoded) && Object.keys(decoded.right.tensors).sort()).toEqual(Object.keys(f.header).sort());
      }),
      runs(200),
    );
    fc.assert(
      fc.property(validFile, corruption, (f, c) => read(corrupt(f, c))),
      runs(500),
    );
  });

  it('a header claiming a huge tensor is refused from the header alone', () => {
    fc.assert(
      fc.property(
        fc.array(size, { minLength: 1, maxLength: 4 }),
        fc.bigInt({ min: 0n, max: 2n ** 63n }),
        (shape, end) => {
          const header = { w: { dtype: 'F32', shape, data_offsets: [0, Number(end)] } };
          const decoded = decodeSafetensors(file(JSON.stringify(header), new Uint8Array(8)), 'fuzz');
          if (E.isRight(decoded)) expect(decoded.right.tensors.w.data.byteLength).toBeLessThanOrEqual(8);
          else expectReasons(decoded.left);
        },
      ),
      runs(300),
    );
  });
});

describe('fuzzing the checkpoint reader', () => {
  const valid = checkpointBytes();
  const { header, data } = parts(valid);

  it('damaged metadata gives a Right or a CheckpointError, never a throw', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(metadataField, metadataValue), { minLength: 1, maxLength: 3 }), (changes) => {
        const metadata = { ...(header.__metadata__ as Record<string, string>) };
        for (const [field, value] of changes) metadata[field] = value;
        read(file(JSON.stringify({ ...header, __metadata__: metadata }), data));
      }),
      runs(400),
    );
  });

  it('renamed, dropped and retyped tensors give a Right or a CheckpointError', () => {
    fc.assert(
      fc.property(corruption, fc.string({ maxLength: 10 }), (c, name) => {
        const renamed = Object.fromEntries(
          Object.entries(header).map(([k, v], i) => [i === 1 && name !== '__metadata__' ? name : k, v]),
        );
        read(corrupt({ header: renamed, data }, c));
      }),
      runs(300),
    );
  });
});
