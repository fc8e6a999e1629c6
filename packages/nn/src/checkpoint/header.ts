/**
 * Reading and checking a safetensors header: the 8-byte little-endian length, the UTF-8 JSON it covers
 * (validated with io-ts), and the layout of the data offsets. Everything a later step relies on is
 * checked here (dtypes known and readable, byte counts, offsets packed and inside the file), and every
 * problem is reported, each naming its tensor.
 */
import { formatValidationErrors } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { exactPair, NonNegativeInt, nestsDeeperThan } from './codecs.js';
import { isKnownDType, isReadable, READ_AS, type ReadableDType, SAFETENSORS_DTYPES } from './dtypes.js';

const Offsets = exactPair(NonNegativeInt, '[begin, end]');

const TensorInfo = t.type(
  { dtype: t.string, shape: t.array(NonNegativeInt), data_offsets: Offsets },
  '{ dtype, shape, data_offsets }',
);
const Metadata = t.record(t.string, t.string, '{ [key]: string }');

export interface TensorEntry {
  readonly name: string;
  readonly dtype: ReadableDType;
  readonly shape: readonly number[];
  /** Offsets into the data section, which starts at `Header.dataStart`. */
  readonly begin: number;
  readonly end: number;
}

export interface Header {
  readonly entries: readonly TensorEntry[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Where the data section starts in the file. */
  readonly dataStart: number;
}

const METADATA_KEY = '__metadata__';
/**
 * How deep a header may nest arrays and objects: a valid one needs 3 (header, entry, shape), and a few
 * more levels still get the usual message naming the field.
 */
const MAX_HEADER_DEPTH = 8;

/** The header's JSON value, or why it cannot be had. */
function headerJson(bytes: Uint8Array): E.Either<string, { json: unknown; dataStart: number }> {
  if (bytes.length < 8)
    return E.left(`file is ${bytes.length} bytes, too short to hold the 8-byte header length (truncated?)`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(bytes.length - 8))
    return E.left(`header length ${length} runs past the end of the file (${bytes.length} bytes; truncated?)`);
  const dataStart = 8 + Number(length);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    return E.left('header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (nestsDeeperThan(json, MAX_HEADER_DEPTH))
    return E.left(`header nests arrays and objects more than ${MAX_HEADER_DEPTH} deep (a valid one needs 3)`);
  return E.right({ json, dataStart });
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** One tensor's entry, checked on its own: field types, dtype, and byte count against shape. */
function checkEntry(name: string, raw: unknown): E.Either<string[], TensorEntry> {
  const here = (problem: string) => `tensor '${name}': ${problem}`;
  const decoded = TensorInfo.decode(raw);
  if (E.isLeft(decoded))
    return E.left(formatValidationErrors(decoded.left).map((line) => here(line.replace(/^\(root\): /, ''))));
  const {
    dtype,
    shape,
    data_offsets: [begin, end],
  } = decoded.right;
  if (!isKnownDType(dtype)) return E.left([here(`unknown dtype '${dtype}'`)]);
  if (!isReadable(dtype))
    return E.left([here(`dtype ${dtype} is not supported (readable: ${Object.keys(READ_AS).join(', ')})`)]);
  const count = elementCount(shape);
  if (!Number.isSafeInteger(count)) return E.left([here(`shape [${shape.join(', ')}] has too many elements`)]);
  if (end < begin) return E.left([here(`data_offsets [${begin}, ${end}] end before they begin`)]);
  const needed = count * SAFETENSORS_DTYPES[dtype];
  if (end - begin !== needed)
    return E.left([
      here(
        `data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype}[${shape.join(', ')}] needs ${needed}`,
      ),
    ]);
  return E.right({ name, dtype, shape, begin, end });
}

/**
 * The layout rules: tensors packed back to back from offset 0 with no overlap or gap, all inside the data
 * section, which they cover exactly (trailing bytes would be data no tensor owns: a sign of corruption).
 */
function checkLayout(entries: readonly TensorEntry[], dataLength: number): string[] {
  const problems: string[] = [];
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: TensorEntry | undefined;
  for (const e of sorted) {
    const where = `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}]`;
    if (e.end > dataLength)
      problems.push(`${where} run past the end of the data (${dataLength} bytes; truncated file?)`);
    if (e.begin < cursor && previous)
      problems.push(`${where} overlap tensor '${previous.name}' [${previous.begin}, ${previous.end}]`);
    else if (e.begin > cursor)
      problems.push(
        `${where} leave a gap of ${e.begin - cursor} bytes after ${previous ? `tensor '${previous.name}'` : 'the header'} (tensors must be packed)`,
      );
    if (e.end >= cursor) {
      cursor = e.end;
      previous = e;
    }
  }
  if (cursor < dataLength)
    problems.push(`the last ${dataLength - cursor} bytes of the data belong to no tensor (corrupt header?)`);
  return problems;
}

/** The checked header of a safetensors file, or every problem with it. */
export function readHeader(bytes: Uint8Array): E.Either<string[], Header> {
  const parsed = headerJson(bytes);
  if (E.isLeft(parsed)) return E.left([parsed.left]);
  const { json, dataStart } = parsed.right;
  if (!t.UnknownRecord.is(json)) return E.left([`header is not a JSON object (got ${JSON.stringify(json)})`]);

  const problems: string[] = [];
  const entries: TensorEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json)) {
    if (name === METADATA_KEY) {
      const m = Metadata.decode(raw);
      if (E.isLeft(m)) problems.push(...formatValidationErrors(m.left).map((line) => `${METADATA_KEY}: ${line}`));
      else metadata = m.right;
      continue;
    }
    const entry = checkEntry(name, raw);
    if (E.isLeft(entry)) problems.push(...entry.left);
    else entries.push(entry.right);
  }
  // Layout only makes sense once every entry is readable; otherwise it would repeat the same faults.
  if (problems.length === 0) problems.push(...checkLayout(entries, bytes.length - dataStart));
  return problems.length > 0 ? E.left(problems) : E.right({ entries, metadata, dataStart });
}
