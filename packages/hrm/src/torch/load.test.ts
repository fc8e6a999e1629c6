/**
 * Reading and writing `torch.save` files, against files PyTorch wrote (fixtures/, made by
 * scripts/make-torch-fixtures.sh): float32, bfloat16 and float16 storages, views with offsets and
 * strides, a hostile pickle that must be refused without running, and our writer read back.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { roundToBf16 } from './floats.js';
import { readTorchStateDict } from './load.js';
import { type StateEntry, torchSaveBytes } from './save.js';
import { zipStored } from './zip-write.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const read = (name: string) => readTorchStateDict(readFileSync(fixture(name)), name);

interface Summary {
  readonly dtype: string;
  readonly shape: number[];
  readonly fsum: number;
  readonly head: number[];
}
const values = JSON.parse(readFileSync(fixture('hrm-tiny/values.json'), 'utf8')) as Record<string, Summary>;

describe('reading torch.save files written by PyTorch', () => {
  it('a float32 state dict with bfloat16 buffers, saved as pretrain.py saves a compiled model', () => {
    const r = read('hrm-tiny/step_10');
    if (E.isLeft(r)) throw r.left;
    expect(Object.keys(r.right).sort()).toEqual(Object.keys(values).sort());
    for (const [name, want] of Object.entries(values)) {
      const t = r.right[name];
      expect(t.shape, name).toEqual(want.shape);
      expect(t.storedAs, name).toBe(want.dtype === 'bfloat16' ? 'BF16' : 'F32');
      expect(Array.from(t.data.subarray(0, want.head.length)), name).toEqual(want.head);
      const sum = Array.from(t.data).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - want.fsum), name).toBeLessThan(1e-9 * Math.max(1, Math.abs(want.fsum)) + 1e-6);
    }
    expect(Object.keys(r.right).every((n) => n.startsWith('_orig_mod.model.inner.'))).toBe(true);
  });

  it('bfloat16 tensors read as PyTorch rounded them', () => {
    const f32 = read('hrm-tiny/step_10');
    const bf16 = read('hrm-tiny-bf16.pt');
    if (E.isLeft(f32) || E.isLeft(bf16)) throw new Error('unreadable fixture');
    for (const [name, t] of Object.entries(bf16.right)) {
      expect(t.storedAs).toBe('BF16');
      expect(Array.from(t.data), name).toEqual(Array.from(roundToBf16(f32.right[name].data as Float32Array)));
    }
  });

  it('views: transposed, at an offset into a shared storage, a scalar; and float16', () => {
    const want = JSON.parse(readFileSync(fixture('strided.json'), 'utf8')) as Record<
      string,
      { shape: number[]; values: number[] }
    >;
    const r = read('strided.pt');
    if (E.isLeft(r)) throw r.left;
    for (const [name, w] of Object.entries(want)) {
      expect(r.right[name].shape, name).toEqual(w.shape);
      expect(Array.from(r.right[name].data), name).toEqual(w.values);
    }
    expect(r.right.half.storedAs).toBe('F16');
  });

  it('refuses a pickle that calls os.system, naming the global and its offset, and runs nothing', () => {
    const r = read('hostile.pt');
    expect(E.isLeft(r) && r.left.message).toMatch(
      /^hostile\.pt: hostile\/data\.pkl: offset 2: global os\.system is not allowed: a state dict needs only collections\.OrderedDict, /,
    );
    expect(existsSync('hostile-ran')).toBe(false);
  });
});

/** A torch.save-shaped zip around `pickle` (hex), with the storages given. */
function archive(pickle: string, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const bytes = Uint8Array.from(pickle.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
  return zipStored([['a/data.pkl', bytes], ...Object.entries(storages).map(([k, v]) => [`a/data/${k}`, v] as const)]);
}

describe('refusing what is not a state dict', () => {
  it('not a zip, the pre-1.6 format, a dict of something other than tensors', () => {
    expect(E.isLeft(readTorchStateDict(new Uint8Array([1, 2, 3]), 'x'))).toBe(true);
    const legacy = readTorchStateDict(Uint8Array.from([0x80, 2, 0x8a, 0x0a]), 'old.pt');
    expect(E.isLeft(legacy) && legacy.left.message).toMatch(/^old\.pt: a pickle without a zip archive/);
    // {'step': 3}
    const notTensors = readTorchStateDict(archive('80027d71005804000000737465707101 4b03732e'.replace(' ', '')), 'n');
    expect(E.isLeft(notTensors) && notTensors.left.message).toBe("n: 'step' is not a tensor");
  });

  it('a view reaching past its storage', () => {
    // OrderedDict(w = _rebuild_tensor_v2(storage('0', FloatStorage, 2 elements), 0, (3,), (1,), False, OrderedDict()))
    const pickle =
      '8002 63636f6c6c656374696f6e730a4f726465726564446963740a 2952 28 5801000000 77 ' +
      '63746f7263682e5f7574696c730a5f72656275696c645f74656e736f725f76320a 28 ' +
      '28 5807000000 73746f72616765 63746f7263680a466c6f617453746f726167650a 5801000000 30 5803000000 637075 4b02 74 51 ' +
      '4b00 4b03 85 4b01 85 89 63636f6c6c656374696f6e730a4f726465726564446963740a 2952 74 52 73 2e';
    const r = readTorchStateDict(archive(pickle.replace(/ /g, ''), { '0': new Uint8Array(8) }), 'v');
    expect(E.isLeft(r) && r.left.message).toMatch(
      /^v: a\/data\.pkl: offset \d+: storage 0: offset 0, sizes \[3\] and strides \[1\] reach element 2 of a storage of 2$/,
    );
  });
});

describe('writing torch.save files', () => {
  const entries: [string, StateEntry][] = [
    ['m.w', { dtype: 'F32', shape: [2, 3], values: Float32Array.from([1, -2, 3.5, 4, 1e-8, 6]) }],
    ['m.init', { dtype: 'BF16', shape: [3], values: Float32Array.from([1.5, -0.333, 1000]) }],
    ['m.scalar', { dtype: 'F32', shape: [], values: Float32Array.from([7]) }],
    ['m.big', { dtype: 'F32', shape: [300, 1], values: new Float32Array(300).map((_, i) => i) }],
  ];

  it('reads back what it writes (bfloat16 rounded to nearest), in order', () => {
    const r = readTorchStateDict(torchSaveBytes(entries), 'written');
    if (E.isLeft(r)) throw r.left;
    expect(Object.keys(r.right)).toEqual(entries.map(([n]) => n));
    for (const [name, e] of entries) {
      expect(r.right[name].shape).toEqual(e.shape);
      expect(r.right[name].storedAs).toBe(e.dtype);
      const want = e.dtype === 'BF16' ? roundToBf16(e.values) : e.values;
      expect(Array.from(r.right[name].data)).toEqual(Array.from(want));
    }
  });

  it('is deterministic, and aligns each storage to 64 bytes as PyTorch does', () => {
    const a = torchSaveBytes(entries, 'step_3');
    expect(a).toEqual(torchSaveBytes(entries, 'step_3'));
    // Each local header's data starts at a multiple of 64.
    const view = new DataView(a.buffer);
    for (let at = 0; view.getUint32(at, true) === 0x04034b50; ) {
      const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
      expect(start % 64).toBe(0);
      at = start + view.getUint32(at + 18, true);
    }
  });
});
