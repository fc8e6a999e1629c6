import { fromArray, tensor } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { type DecodedSafetensors, decodeSafetensors, encodeSafetensors } from './index.js';

// ---------------------------------------------------------------------------------------------
// A safetensors writer by hand, independent of encodeSafetensors: length, JSON header, data.

type Kind = 'f32' | 'f64' | 'i32' | 'u16' | 'i64';
const SIZE: Record<Kind, number> = { f32: 4, f64: 8, i32: 4, u16: 2, i64: 8 };

/** Little-endian bytes of `values` as `kind` (u16 for raw F16/BF16 bit patterns). */
function le(kind: Kind, values: readonly (number | bigint)[]): Uint8Array {
  const out = new Uint8Array(values.length * SIZE[kind]);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    const at = i * SIZE[kind];
    if (kind === 'f32') view.setFloat32(at, Number(v), true);
    else if (kind === 'f64') view.setFloat64(at, Number(v), true);
    else if (kind === 'i32') view.setInt32(at, Number(v), true);
    else if (kind === 'u16') view.setUint16(at, Number(v), true);
    else view.setBigInt64(at, BigInt(v), true);
  });
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A file from a header (an object, or raw text) and data; `length` overrides the stored header length. */
function file(header: unknown, data: Uint8Array = new Uint8Array(), length?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  return concat([prefix, json, data]);
}

const decoded = (bytes: Uint8Array): DecodedSafetensors => {
  const r = decodeSafetensors(bytes);
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

const rejection = (bytes: Uint8Array): string => {
  const r = decodeSafetensors(bytes, 'bad.safetensors');
  if (E.isRight(r)) throw new Error('expected the file to be rejected');
  return r.left.message;
};

const rawBytes = (a: ArrayBufferView): number[] => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

// ---------------------------------------------------------------------------------------------

describe('encodeSafetensors / decodeSafetensors', () => {
  const specials = [
    0,
    -0,
    1,
    -1.5,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
    1e-45,
    1.1754942e-38,
    3.4028234e38,
    -7e-40,
    Math.PI,
  ];

  it('round-trips float32 bit for bit (-0, infinities, NaN, subnormals), and int32 and float64', () => {
    const x = fromArray(specials, [3, 4], { allowNonFinite: true });
    const ids = fromArray([-(2 ** 31), 2 ** 31 - 1, 0], [3], { dtype: 'int32' });
    const wide = fromArray([Math.PI, 1e-310, -0], [3], { dtype: 'float64' });
    if (E.isLeft(x) || E.isLeft(ids) || E.isLeft(wide)) throw new Error('fixture');
    const back = decoded(encodeSafetensors({ x: x.right, ids: ids.right, wide: wide.right }, { note: 'hi' }));
    expect(back.metadata).toEqual({ note: 'hi' });
    expect(back.tensors.x).toMatchObject({ dtype: 'float32', shape: [3, 4], storedAs: 'F32' });
    expect(rawBytes(back.tensors.x.data)).toEqual(rawBytes(Float32Array.from(specials)));
    expect(back.tensors.ids).toMatchObject({ dtype: 'int32', storedAs: 'I32' });
    expect(Array.from(back.tensors.ids.data)).toEqual([-(2 ** 31), 2 ** 31 - 1, 0]);
    expect(back.tensors.wide).toMatchObject({ dtype: 'float64', storedAs: 'F64' });
    expect(rawBytes(back.tensors.wide.data)).toEqual(rawBytes(Float64Array.of(Math.PI, 1e-310, -0)));
  });

  it('reads from a view at any offset into a larger buffer, such as a Node Buffer from its pool', () => {
    const bytes = encodeSafetensors({ a: tensor([1, 2, 3]), b: tensor([4], 'float64'), c: tensor([5], 'int32') });
    const host = new Uint8Array(bytes.length + 3);
    host.set(bytes, 3);
    for (const view of [host.subarray(3), Buffer.from(bytes)]) {
      const { tensors } = decoded(view);
      expect([...tensors.a.data, ...tensors.b.data, ...tensors.c.data]).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it('pads the header to 8 bytes and stores wide elements first, so every tensor is aligned', () => {
    const bytes = encodeSafetensors({ a: tensor([1, 2, 3]), b: tensor([1], 'float64') });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({
      b: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
      a: { dtype: 'F32', shape: [3], data_offsets: [8, 20] },
    });
  });

  it('refuses dtypes it cannot store, naming the tensor', () => {
    expect(() => encodeSafetensors({ ok: tensor([1]), mask: tensor([true]) })).toThrow(
      "encodeSafetensors: tensor 'mask': dtype bool cannot be written (writable: float32, float64, int32)",
    );
  });

  it('reads a hand-written file: F32, F16, BF16, I64, I32, F64, a scalar, an empty tensor, padded header', () => {
    const f64 = le('f64', [Math.PI, -1e300]);
    const f32 = le('f32', [1, -2.5, 3e-39, Number.POSITIVE_INFINITY]);
    const f16 = le('u16', [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3555]);
    const bf16 = le('u16', [0x3f80, 0xc040, 0x7f80, 0x0001, 0x8000]);
    const i64 = le('i64', [-5n, 2n ** 31n - 1n, -(2n ** 31n), 0n]);
    const i32 = le('i32', [7]);
    const offsets = (...sizes: number[]) => sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const [o64, o32, o16, ob16, oi64, oi32] = offsets(16, 16, 20, 10, 32, 4);
    const header = {
      __metadata__: { source: 'hand-built' },
      'a.f32': { dtype: 'F32', shape: [2, 2], data_offsets: [o32, o32 + 16] },
      'b.f16': { dtype: 'F16', shape: [10], data_offsets: [o16, o16 + 20] },
      'c.bf16': { dtype: 'BF16', shape: [5], data_offsets: [ob16, ob16 + 10] },
      'd.i64': { dtype: 'I64', shape: [2, 2], data_offsets: [oi64, oi64 + 32] },
      'e.scalar': { dtype: 'I32', shape: [], data_offsets: [oi32, oi32 + 4] },
      'f.f64': { dtype: 'F64', shape: [2], data_offsets: [o64, o64 + 16] },
      'g.empty': { dtype: 'F32', shape: [0, 3], data_offsets: [oi32 + 4, oi32 + 4] },
    };
    const bytes = file(`${JSON.stringify(header)}      `, concat([f64, f32, f16, bf16, i64, i32]));
    const { tensors, metadata } = decoded(bytes);
    expect(metadata).toEqual({ source: 'hand-built' });
    expect(tensors['a.f32']).toMatchObject({ dtype: 'float32', shape: [2, 2] });
    expect(Array.from(tensors['a.f32'].data)).toEqual([1, -2.5, Math.fround(3e-39), Number.POSITIVE_INFINITY]);
    expect(tensors['b.f16']).toMatchObject({ dtype: 'float32', shape: [10], storedAs: 'F16' });
    expect(Array.from(tensors['b.f16'].data)).toEqual([
      1,
      -2,
      65504,
      2 ** -24,
      1023 * 2 ** -24,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      -0,
      0.333251953125,
    ]);
    expect(tensors['c.bf16']).toMatchObject({ dtype: 'float32', storedAs: 'BF16' });
    expect(Array.from(tensors['c.bf16'].data)).toEqual([1, -3, Number.POSITIVE_INFINITY, 2 ** -133, -0]);
    expect(tensors['d.i64']).toMatchObject({ dtype: 'int32', shape: [2, 2], storedAs: 'I64' });
    expect(Array.from(tensors['d.i64'].data)).toEqual([-5, 2 ** 31 - 1, -(2 ** 31), 0]);
    expect(tensors['e.scalar']).toMatchObject({ dtype: 'int32', shape: [] });
    expect(Array.from(tensors['e.scalar'].data)).toEqual([7]);
    expect(tensors['f.f64']).toMatchObject({ dtype: 'float64', shape: [2] });
    expect(Array.from(tensors['f.f64'].data)).toEqual([Math.PI, -1e300]);
    expect(tensors['g.empty']).toMatchObject({ shape: [0, 3] });
    expect(tensors['g.empty'].data.length).toBe(0);
  });
});

describe('decodeSafetensors rejects damaged files, naming the tensor and the problem', () => {
  const w = (fields: Record<string, unknown> = {}) => ({ dtype: 'F32', shape: [2], data_offsets: [0, 8], ...fields });
  const eight = new Uint8Array(8);

  it('names the file', () => {
    expect(rejection(new Uint8Array(3))).toMatch(/^bad\.safetensors: /);
  });

  it('truncation: too short for the length, a header past the end, data past the end', () => {
    expect(rejection(new Uint8Array(5))).toContain('file is 5 bytes, too short to hold the 8-byte header length');
    expect(rejection(file({ w: w() }, eight, 1000n))).toContain('header length 1000 runs past the end of the file');
    expect(rejection(file({ w: w() }, eight, 2n ** 63n))).toContain('runs past the end of the file');
    expect(rejection(file({ w: w() }, new Uint8Array(4)))).toContain(
      "tensor 'w': data_offsets [0, 8] run past the end of the data (4 bytes; truncated file?)",
    );
  });

  it('every prefix of a valid file is rejected', () => {
    const whole = encodeSafetensors({ a: tensor([1, 2, 3]), b: tensor([[4, 5]], 'int32') }, { k: 'v' });
    const accepted = [];
    for (let n = 0; n < whole.length; n++) if (E.isRight(decodeSafetensors(whole.subarray(0, n)))) accepted.push(n);
    expect(accepted).toEqual([]);
  });

  it('a header that is not a JSON object of entries', () => {
    expect(rejection(file('{"w": {'))).toContain('header is not valid JSON');
    expect(rejection(file('[1, 2]'))).toContain('header is not a JSON object (got [1,2])');
    expect(rejection(concat([le('i64', [2n]), Uint8Array.of(0xc3, 0x28)]))).toContain('header is not valid UTF-8');
  });

  it('a header nested too deep to decode safely (the codecs and their messages recurse)', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(rejection(file(deep(100_000)))).toBe(
      'bad.safetensors: header nests arrays and objects more than 8 deep (a valid one needs 3)',
    );
    expect(rejection(file(`{"w": {"dtype": ${deep(20_000)}, "shape": [], "data_offsets": [0, 0]}}`))).toContain(
      'more than 8 deep',
    );
    // A few levels too many still get the message that names the field.
    expect(rejection(file({ w: { dtype: 'F32', shape: [[[2]]], data_offsets: [0, 8] } }, new Uint8Array(8)))).toBe(
      "bad.safetensors: tensor 'w': shape.0: expected NonNegativeInt, got [[2]]",
    );
  });

  it('entries with fields of the wrong type', () => {
    expect(rejection(file({ w: 5 }, eight))).toContain("tensor 'w': expected { dtype, shape, data_offsets }, got 5");
    expect(rejection(file({ w: w({ shape: '2' }) }, eight))).toContain(
      'tensor \'w\': shape: expected Array<NonNegativeInt>, got "2"',
    );
    expect(rejection(file({ w: w({ dtype: 5 }) }, eight))).toContain("tensor 'w': dtype: expected string, got 5");
    expect(rejection(file({ w: w({ data_offsets: undefined }) }, eight))).toContain(
      "tensor 'w': data_offsets: expected [begin, end], got undefined",
    );
    expect(rejection(file({ w: w({ shape: [2.5] }) }, eight))).toContain(
      "tensor 'w': shape.0: expected NonNegativeInt, got 2.5",
    );
    expect(rejection(file({ __metadata__: { a: 1 } }))).toContain('__metadata__: a: expected string, got 1');
  });

  it('bad offsets: negative, too many, reversed, overlapping, gapped, not matching the shape, trailing bytes', () => {
    expect(rejection(file({ w: w({ data_offsets: [-8, 0] }) }, eight))).toContain(
      "tensor 'w': data_offsets.0: expected NonNegativeInt, got -8",
    );
    expect(rejection(file({ w: w({ data_offsets: [0, 8, 16] }) }, eight))).toContain(
      "tensor 'w': data_offsets: expected [begin, end], got [0,8,16]",
    );
    expect(rejection(file({ w: w({ shape: [0], data_offsets: [8, 0] }) }, eight))).toContain(
      "tensor 'w': data_offsets [8, 0] end before they begin",
    );
    expect(rejection(file({ w: w(), v: w({ data_offsets: [4, 12] }) }, new Uint8Array(12)))).toContain(
      "tensor 'v': data_offsets [4, 12] overlap tensor 'w' [0, 8]",
    );
    expect(rejection(file({ w: w(), v: w({ data_offsets: [12, 20] }) }, new Uint8Array(20)))).toContain(
      "tensor 'v': data_offsets [12, 20] leave a gap of 4 bytes after tensor 'w' (tensors must be packed)",
    );
    expect(rejection(file({ w: w({ data_offsets: [4, 12] }) }, new Uint8Array(12)))).toContain(
      "tensor 'w': data_offsets [4, 12] leave a gap of 4 bytes after the header",
    );
    expect(rejection(file({ w: w({ shape: [3] }) }, eight))).toContain(
      "tensor 'w': data_offsets [0, 8] hold 8 bytes, but F32[3] needs 12",
    );
    expect(rejection(file({ w: w() }, new Uint8Array(12)))).toContain(
      'the last 4 bytes of the data belong to no tensor',
    );
  });

  it('unknown and unsupported dtypes', () => {
    expect(rejection(file({ w: w({ dtype: 'F7' }) }, eight))).toContain("tensor 'w': unknown dtype 'F7'");
    expect(rejection(file({ w: w({ dtype: 'U8', data_offsets: [0, 2] }) }, new Uint8Array(2)))).toContain(
      "tensor 'w': dtype U8 is not supported (readable: F32, F16, BF16, F64, I32, I64)",
    );
  });

  it('I64 values outside int32, without returning the tensors that did fit', () => {
    const header = {
      ok: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      n: { dtype: 'I64', shape: [3], data_offsets: [4, 28] },
    };
    expect(rejection(file(header, concat([le('f32', [1]), le('i64', [1n, 2n ** 31n, -1n])])))).toBe(
      "bad.safetensors: tensor 'n': element 1 is 2147483648, outside the int32 range it is read into",
    );
    expect(rejection(file(header, concat([le('f32', [1]), le('i64', [-(2n ** 31n) - 1n, 0n, 0n])])))).toContain(
      'element 0 is -2147483649',
    );
  });

  it('lists every problem at once', () => {
    const message = rejection(file({ a: w({ dtype: 'F7' }), b: w({ shape: 'x' }) }, new Uint8Array(16)));
    expect(message).toBe(
      "bad.safetensors: 2 problems:\n  - tensor 'a': unknown dtype 'F7'\n  - tensor 'b': shape: expected Array<NonNegativeInt>, got \"x\"",
    );
  });
});
