/**
 * What a checkpoint says about itself, read from the safetensors header alone: each tensor's shape, the
 * step and the config. A file's sizes are checked against its claims before anything is allocated for
 * them (a forged `hidden` would otherwise build a model of that size first), and a resumed run is
 * compared with the one that wrote the file, without loading any tensor.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';

/** The parts of a checkpoint's header the CLI and the training loop check. */
export interface CheckpointHeader {
  /** Each tensor's shape, by its stored name (`params.params.embed.table`...). */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** The `config` of the metadata (task, model and train configs), or undefined when absent or not JSON. */
  readonly config: unknown;
  readonly step: number | undefined;
}

/** A header far larger than any checkpoint's (a few KiB per hundred tensors) is a corrupt or hostile file. */
const MAX_HEADER_BYTES = 16 * 2 ** 20;

function readBytes(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(u: unknown): u is Record<string, unknown> {
  return typeof u === 'object' && u !== null && !Array.isArray(u);
}

/** The header's JSON object, read without the data section, or why it cannot be. */
function headerJson(path: string): E.Either<string, Record<string, unknown>> {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    if (size < 8) return E.left(`${path}: ${size} bytes, too short for a safetensors file`);
    const length = readBytes(fd, 8, 0).readBigUInt64LE(0);
    if (length > BigInt(Math.min(size - 8, MAX_HEADER_BYTES)))
      return E.left(`${path}: header length ${length} does not fit the file (${size} bytes)`);
    const json = parseJson(readBytes(fd, Number(length), 8).toString('utf8'));
    return isRecord(json) ? E.right(json) : E.left(`${path}: the header is not a JSON object`);
  } catch (e) {
    return E.left(`${path}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The shapes, step and config in the header of the safetensors file at `path`, or why they cannot be read. */
export function readCheckpointHeader(path: string): E.Either<string, CheckpointHeader> {
  const json = headerJson(path);
  if (E.isLeft(json)) return json;
  const shapes = new Map<string, readonly number[]>();
  let metadata: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(json.right)) {
    if (name === '__metadata__') metadata = isRecord(entry) ? entry : {};
    else if (isRecord(entry) && Array.isArray(entry.shape) && entry.shape.every((d) => Number.isSafeInteger(d)))
      shapes.set(name, entry.shape as number[]);
    else return E.left(`${path}: tensor '${name}' has no shape in the header`);
  }
  const text = (k: string) => (typeof metadata[k] === 'string' ? (metadata[k] as string) : undefined);
  const step = parseJson(text('step'));
  return E.right({
    shapes,
    config: parseJson(text('config')),
    step: typeof step === 'number' && Number.isSafeInteger(step) ? step : undefined,
  });
}
