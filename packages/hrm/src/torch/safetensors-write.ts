/**
 * A state dict as safetensors with the dtypes PyTorch keeps (F32 weights, BF16 initial states), which the
 * library's own writer does not produce (it stores what it computes in). Tensors are laid out F32 first,
 * then by name, so each starts at a multiple of its element size; the header is padded to 8 bytes.
 */
import { ELEMENT_BYTES, encodeFloats } from './floats.js';
import type { StateEntry } from './save.js';

export function stateDictSafetensors(
  entries: readonly (readonly [string, StateEntry])[],
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const sorted = [...entries].sort(
    ([a, x], [b, y]) => ELEMENT_BYTES[y.dtype] - ELEMENT_BYTES[x.dtype] || (a < b ? -1 : a > b ? 1 : 0),
  );
  const fields: [string, unknown][] = Object.keys(metadata).length > 0 ? [['__metadata__', metadata]] : [];
  const data: Uint8Array[] = [];
  let offset = 0;
  for (const [name, e] of sorted) {
    const bytes = encodeFloats(e.values, e.dtype);
    fields.push([name, { dtype: e.dtype, shape: [...e.shape], data_offsets: [offset, offset + bytes.length] }]);
    data.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(fields)));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset).fill(0x20, 8 + json.length, 8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  let at = 8 + padded;
  for (const d of data) {
    out.set(d, at);
    at += d.length;
  }
  return out;
}
