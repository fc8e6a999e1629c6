/**
 * Importing a PyTorch HRM state dict: a safetensors file is built here by hand, with the official
 * names, a compiled-model prefix, PyTorch's [out, in] layout and bf16 values; the imported model's
 * forward pass must equal that of the same weights given natively.
 */
import { type AnyTensor, fromArray, key, take, transpose } from '@hrm/core';
import { mulberry32 } from '@hrm/testing/rng';
import { randomBatch, tinyConfig } from '@hrm/testing/tiny';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { initialCarry, resetHalted } from './act.js';
import { reasonerFor } from './arch.js';
import type { ModelConfig } from './config.js';
import { importSafetensors, officialSlots } from './import.js';
import { type HrmBuffers, type HrmParams, initHrm } from './params.js';
import { segment } from './reasoner.js';

interface Entry {
  readonly shape: readonly number[];
  readonly values: Float32Array;
  readonly dtype: 'F32' | 'BF16';
}

/** A minimal safetensors writer, independent of the library's. */
function safetensors(entries: Record<string, Entry>): Uint8Array {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, e] of Object.entries(entries)) {
    const bytes =
      e.dtype === 'F32'
        ? new Uint8Array(e.values.buffer.slice(0))
        : new Uint8Array(Uint16Array.from(new Uint32Array(e.values.buffer.slice(0)), (bits) => bits >>> 16).buffer);
    header[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Values rounded to bf16 (upper 16 bits of float32), as a float32 array. */
function bf16(values: Float32Array): Float32Array {
  const bits = new Uint32Array(values.buffer.slice(0));
  for (let i = 0; i < bits.length; i++) bits[i] &= 0xffff0000;
  return new Float32Array(bits.buffer);
}

const get = (tree: unknown, path: readonly (string | number)[]) =>
  path.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], tree) as AnyTensor;

/**
 * A random state dict for `cfg` in PyTorch's layout (bf16 for the big weights), and the same numbers
 * as this library's native parameters.
 */
function pytorchModel(
  cfg: ModelConfig,
  prefix: string,
): { file: Record<string, Entry>; native: { params: HrmParams; buffers: HrmBuffers } } {
  const rand = mulberry32(3);
  const native = initHrm(key(1), cfg) as unknown as Record<string, unknown>;
  const file: Record<string, Entry> = {};
  for (const slot of officialSlots(cfg)) {
    const ours = get(native, slot.path);
    const shape = slot.transpose ? [...ours.shape].reverse() : [...ours.shape];
    const big = slot.transpose;
    const raw = Float32Array.from({ length: ours.size }, () => (rand() - 0.5) * 0.8);
    const values = big ? bf16(raw) : raw;
    file[prefix + slot.name] = { shape, values, dtype: big ? 'BF16' : 'F32' };
    const made = fromArray(values, shape);
    if (E.isLeft(made)) throw made.left;
    const t = made.right as AnyTensor;
    const parent = get(native, slot.path.slice(0, -1)) as unknown as Record<string | number, unknown>;
    parent[slot.path[slot.path.length - 1]] = slot.transpose ? transpose(t) : t;
  }
  return { file, native: native as unknown as { params: HrmParams; buffers: HrmBuffers } };
}

function forward(cfg: ModelConfig, m: { params: HrmParams; buffers: HrmBuffers }): Float32Array {
  const batch = randomBatch(key(4), 3, cfg);
  const reasoner = reasonerFor(cfg);
  const carry = resetHalted(reasoner, initialCarry(reasoner, m.buffers, 3), batch, m.buffers);
  const rows = m.buffers.puzzleEmb ? take(m.buffers.puzzleEmb, batch.puzzleIds, 0) : undefined;
  const out = segment(reasoner, m.params, carry.inner, batch.inputs, rows);
  return Float32Array.from([...out.logits.data(), ...out.qHalt.data(), ...out.qContinue.data()]);
}

describe('importing the official PyTorch weights', () => {
  for (const [label, overrides] of [
    ['HRM with RoPE', {}],
    ['HRM with learned positions', { posEncodings: 'learned' }],
    ['TRM', { arch: 'trm', puzzleEmbLen: 2 }],
  ] as const) {
    it(`${label}: the forward pass equals the native one`, () => {
      const cfg = tinyConfig({ hLayers: 2, lLayers: 2, ...overrides });
      const { file, native } = pytorchModel(cfg, '_orig_mod.model.');
      const imported = importSafetensors(safetensors(file), cfg);
      if (E.isLeft(imported)) throw imported.left;
      expect(Array.from(forward(cfg, imported.right))).toEqual(Array.from(forward(cfg, native)));
    });
  }

  it('reports every missing, unexpected and mis-shaped tensor by name', () => {
    const cfg = tinyConfig();
    const { file } = pytorchModel(cfg, 'model.');
    const broken: Record<string, Entry> = { ...file };
    delete broken['model.inner.lm_head.weight'];
    broken['model.inner.H_level.layers.0.mlp.down_proj.weight'] = {
      shape: [8, 3],
      values: new Float32Array(24),
      dtype: 'F32',
    };
    broken['model.inner.extra_head.weight'] = { shape: [1], values: new Float32Array(1), dtype: 'F32' };
    const r = importSafetensors(safetensors(broken), cfg, 'hrm.safetensors');
    expect(E.isLeft(r) && r.left.problems).toEqual([
      "'model.inner.H_level.layers.0.mlp.down_proj.weight' has shape [8, 3], expected [8, 12]",
      "missing 'model.inner.lm_head.weight' (expected shape [6, 8])",
      "unexpected 'model.inner.extra_head.weight' (not part of this HRM config)",
    ]);
    expect(E.isLeft(r) && r.left.message).toMatch(/^hrm\.safetensors: 3 problems:/);
  });
});
