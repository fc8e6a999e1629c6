/** The .npy reader and writer against files NumPy wrote (fixtures/official, from the official builders). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, npyHeader } from './npy.js';

const official = new URL('./fixtures/official/', import.meta.url).pathname;
const npyFiles = ['sudoku', 'maze', 'arc'].flatMap((task) =>
  ['train', 'test'].flatMap((split) =>
    readdirSync(join(official, task, split))
      .filter((f) => f.endsWith('.npy'))
      .map((f) => join(official, task, split, f)),
  ),
);

describe('.npy files', () => {
  it('reads what NumPy wrote and writes the same bytes back (uint8 tokens, int32 indices)', () => {
    expect(npyFiles.length).toBe(30);
    for (const path of npyFiles) {
      const bytes = readFileSync(path);
      const arr = decodeNpy(bytes, path);
      if (E.isLeft(arr)) throw new Error(arr.left);
      expect(arr.right.dtype, path).toBe(/__(inputs|labels)\.npy$/.test(path) ? 'u1' : 'i4');
      const again = encodeNpy(arr.right.dtype as 'u1' | 'i4', arr.right.shape, arr.right.data);
      expect(Buffer.from(again).equals(bytes), path).toBe(true);
    }
  });

  it('keeps the header length whatever the row count, so a streamed file can be finished in place', () => {
    for (const rows of [0, 7, 12345, 2 ** 40]) expect(npyHeader('u1', [rows, 900]).length).toBe(128);
  });

  it('reads int64 indices that fit int32, and refuses what it cannot read', () => {
    const header = new TextEncoder().encode("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }     \n");
    const bytes = new Uint8Array(10 + header.length + 16);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
    bytes.set(header, 10);
    new DataView(bytes.buffer).setBigInt64(10 + header.length, 5n, true);
    new DataView(bytes.buffer).setBigInt64(18 + header.length, 2n ** 40n, true);
    expect(decodeNpy(bytes, 'big.npy')).toEqual(E.left('big.npy: element 1 (1099511627776) does not fit in int32'));
    new DataView(bytes.buffer).setBigInt64(18 + header.length, 7n, true);
    expect(decodeNpy(bytes, 'ok.npy')).toEqual(E.right({ dtype: 'i8', shape: [2], data: Int32Array.from([5, 7]) }));
    expect(decodeNpy(bytes.subarray(0, bytes.length - 1), 'short.npy')).toEqual(
      E.left('short.npy: 15 bytes of data for shape (2,) of <i8, expected 16'),
    );
    expect(decodeNpy(new Uint8Array(12), 'x.npy')).toEqual(E.left('x.npy: not a .npy file'));
  });
});
