/**
 * The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length,
 * a UTF-8 JSON header `{ name: { dtype, shape, data_offsets }, __metadata__?: { string: string } }`, then
 * the tensors' bytes packed back to back. Decoding checks everything before it decodes anything, and
 * returns all tensors or none.
 *
 * Written: float32 as F32, float64 as F64, int32 as I32 (bool is refused). Read: F32, F16, BF16 as
 * float32; F64 as float64; I32, and I64 values that fit, as int32.
 */
import type { AnyTensor } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import {
  isWritable,
  type LoadedArray,
  type LoadedDType,
  READ_AS,
  type ReadableDType,
  SAFETENSORS_DTYPES,
  WRITE_AS,
} from './dtypes.js';
import { decodeElements, encodeElements } from './elements.js';
import { CheckpointError } from './errors.js';
import { readHeader } from './header.js';

/** One tensor read from a safetensors file, converted to a dtype we compute in. */
export interface DecodedTensor {
  readonly dtype: LoadedDType;
  readonly shape: readonly number[];
  /** Row-major elements. */
  readonly data: LoadedArray;
  /** The dtype in the file (e.g. F16 for a float32 tensor read from half precision). */
  readonly storedAs: ReadableDType;
}

/** The contents of a safetensors file: its tensors by name, and the header's string metadata. */
export interface DecodedSafetensors {
  readonly tensors: Readonly<Record<string, DecodedTensor>>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A checked, ready-to-write file: its size, and its bytes as a sequence of chunks (header, then each tensor). */
export interface SafetensorsPlan {
  readonly byteLength: number;
  /** Reads each tensor from its backend only when its chunk is reached, so a large file is never whole in memory twice. */
  chunks(): Iterable<Uint8Array>;
}

/**
 * Checks the tensors and lays out the file. Tensors are stored largest element first, then by name, so
 * every tensor starts at a multiple of its element size (the header is padded to 8 bytes, as the
 * reference writer does), letting readers map the data in place.
 */
export function planSafetensors(
  tensors: Readonly<Record<string, AnyTensor>>,
  metadata: Readonly<Record<string, string>> = {},
  source = 'safetensors',
): E.Either<CheckpointError, SafetensorsPlan> {
  const problems: string[] = [];
  const entries: { name: string; tensor: AnyTensor; dtype: keyof typeof WRITE_AS }[] = [];
  for (const [name, tensor] of Object.entries(tensors)) {
    if (name === '' || name === '__metadata__') problems.push(`'${name}' cannot be a tensor name`);
    else if (!isWritable(tensor.dtype))
      problems.push(
        `tensor '${name}': dtype ${tensor.dtype} cannot be written (writable: ${Object.keys(WRITE_AS).join(', ')})`,
      );
    else entries.push({ name, tensor, dtype: tensor.dtype });
  }
  if (problems.length > 0) return E.left(new CheckpointError(source, problems));

  const size = (e: (typeof entries)[number]) => SAFETENSORS_DTYPES[WRITE_AS[e.dtype]];
  entries.sort((a, b) => size(b) - size(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const fields: [string, unknown][] = Object.keys(metadata).length > 0 ? [['__metadata__', metadata]] : [];
  let offset = 0;
  for (const e of entries) {
    const end = offset + e.tensor.size * size(e);
    fields.push([e.name, { dtype: WRITE_AS[e.dtype], shape: [...e.tensor.shape], data_offsets: [offset, end] }]);
    offset = end;
  }
  // fromEntries, not assignment: a tensor named `__proto__` must stay a key.
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(fields)));
  const padded = Math.ceil(json.length / 8) * 8;
  const prefix = new Uint8Array(8 + padded).fill(0x20, 8 + json.length); // spaces: still valid JSON
  new DataView(prefix.buffer).setBigUint64(0, BigInt(padded), true);
  prefix.set(json, 8);
  return E.right({
    byteLength: prefix.length + offset,
    *chunks() {
      yield prefix;
      for (const e of entries) yield encodeElements(e.tensor.data(), e.dtype);
    },
  });
}

/** The safetensors bytes of `tensors`. Throws a CheckpointError naming any tensor whose dtype cannot be written. */
export function encodeSafetensors(
  tensors: Readonly<Record<string, AnyTensor>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const plan = planSafetensors(tensors, metadata, 'encodeSafetensors');
  if (E.isLeft(plan)) throw plan.left;
  return concatChunks(plan.right);
}

/** A plan's chunks in one buffer. */
export function concatChunks(plan: SafetensorsPlan): Uint8Array {
  const out = new Uint8Array(plan.byteLength);
  let at = 0;
  for (const chunk of plan.chunks()) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * The tensors and metadata in a safetensors file, or a CheckpointError (naming `source`) listing every
 * problem: truncation, a corrupt header, bad offsets, unknown dtypes, I64 values outside int32.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  source = 'safetensors data',
): E.Either<CheckpointError, DecodedSafetensors> {
  const header = readHeader(bytes);
  if (E.isLeft(header)) return E.left(new CheckpointError(source, header.left));
  const { entries, metadata, dataStart } = header.right;
  const problems: string[] = [];
  const tensors: [string, DecodedTensor][] = [];
  for (const { name, dtype, shape, begin, end } of entries) {
    const data = decodeElements(bytes.subarray(dataStart + begin, dataStart + end), dtype);
    if (E.isLeft(data)) problems.push(`tensor '${name}': ${data.left}`);
    else tensors.push([name, { dtype: READ_AS[dtype], shape, data: data.right, storedAs: dtype }]);
  }
  if (problems.length > 0) return E.left(new CheckpointError(source, problems));
  // fromEntries, not assignment: a tensor named `__proto__` must stay a tensor.
  return E.right({ tensors: Object.fromEntries(tensors), metadata });
}
