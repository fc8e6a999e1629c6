/** Host arrays for untrusted sizes: a buffer that cannot be had is a RangeError naming the bytes and the limit. */
import { describe, expect, it } from 'vitest';
import { allocArray, MAX_BUFFER_BYTES } from './dtype.js';
import { ReferenceBackend } from './reference/index.js';

describe('allocArray', () => {
  it('refuses a size past the typed-array limits, naming the bytes asked for and the limit', () => {
    // 2^33 elements: past every engine's typed-array length, where the engine's own message names neither.
    expect(() => allocArray('float32', 2 ** 33)).toThrow(
      'allocArray: out of memory: 34359738368 bytes asked for, for 8589934592 float32 elements: one buffer holds at most 4294967296 bytes',
    );
    // 8 GiB: within V8's length limit, but over the limit of one buffer; refused before anything is allocated.
    expect(() => allocArray('float32', 2 ** 31)).toThrow(RangeError);
    expect(() => allocArray('float64', MAX_BUFFER_BYTES / 8 + 1)).toThrow(/4294967304 bytes asked for/);
  });

  it('refuses sizes that are not numbers of elements', () => {
    for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => allocArray('int32', n)).toThrow(`allocArray: ${n} is not a number of elements`);
  });

  it('allocates what fits, zero-filled', () => {
    expect(Array.from(allocArray('bool', 3))).toEqual([0, 0, 0]);
    expect(allocArray('float64', 0).length).toBe(0);
  });
});

describe('reference backend', () => {
  it('says how many bytes a buffer too large for it would take, and keeps its counts', () => {
    const b = new ReferenceBackend();
    const before = b.memory();
    expect(() => b.fill(2 ** 33, 'float32', 0)).toThrow(/out of memory: 34359738368 bytes asked for/);
    expect(() => b.fill(2 ** 31, 'float32', 1)).toThrow(/out of memory: 8589934592 bytes asked for/);
    expect(() => b.upload(new Float32Array(0), 'float32')).not.toThrow();
    expect(b.memory().liveBuffers).toBe(before.liveBuffers + 1);
  });
});
