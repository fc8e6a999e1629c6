/**
 * The official dataset layout on disk (node:fs), as the official builders write it and `puzzle_dataset.py`
 * reads it: `train/` and `test/`, each with `dataset.json` and, for the subset `all`,
 * `all__inputs.npy` and `all__labels.npy` (uint8, [examples, seq_len]), `all__puzzle_identifiers.npy`
 * (int32, one per puzzle), `all__puzzle_indices.npy` (int32, each puzzle's first example, then the total)
 * and `all__group_indices.npy` (int32, each group's first puzzle, then the total); and `identifiers.json`,
 * the puzzle name of every identifier (entry 0 `<blank>`).
 *
 * Groups are written as they come, rows streamed to the files, so a dataset far larger than memory (ARC
 * with 1000 augmentations: millions of 900-token rows) can be built. A dataset is written into a
 * temporary folder beside its destination and moved into place when complete.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import type { Example } from '../tasks/batch.js';
import type { Group } from '../tasks/sampler.js';
import { type DatasetMetadata, decodeDatasetMetadata, encodeDatasetMetadata } from './metadata.js';
import { decodeNpy, encodeNpy, npyHeader } from './npy.js';

export const SPLITS = ['train', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

/** The token shape of every example: vocabulary (tokens must be below it, and fit a byte) and length. */
export interface SplitShape {
  readonly vocabSize: number;
  readonly seqLen: number;
}

function writeAll(fd: number, bytes: Uint8Array, position?: number): void {
  for (let at = 0; at < bytes.length; )
    at += writeSync(fd, bytes, at, bytes.length - at, position === undefined ? null : position + at);
}

/** One split being written: rows streamed into the two token files, indices kept until the end. */
export class SplitWriter {
  private readonly inputs: number;
  private readonly labels: number;
  private readonly identifiers: number[] = [];
  private readonly puzzleIndices = [0];
  private readonly groupIndices = [0];
  private examples = 0;
  private maxId = 0;

  constructor(
    private readonly dir: string,
    private readonly shape: SplitShape,
  ) {
    mkdirSync(dir, { recursive: true });
    this.inputs = openSync(join(dir, 'all__inputs.npy'), 'w');
    this.labels = openSync(join(dir, 'all__labels.npy'), 'w');
    // The header's length does not depend on the row count: write it now, rewrite it at the end.
    const header = npyHeader('u1', [0, shape.seqLen]);
    writeAll(this.inputs, header);
    writeAll(this.labels, header);
  }

  private row(tokens: readonly number[], what: string): Uint8Array {
    if (this.shape.vocabSize > 256)
      throw new RangeError(`${this.dir}: a vocabulary of ${this.shape.vocabSize} does not fit uint8`);
    if (tokens.length !== this.shape.seqLen)
      throw new RangeError(`${this.dir}: ${what} has ${tokens.length} tokens, expected ${this.shape.seqLen}`);
    const out = Uint8Array.from(tokens);
    for (let i = 0; i < tokens.length; i++)
      if (out[i] !== tokens[i] || tokens[i] >= this.shape.vocabSize)
        throw new RangeError(
          `${this.dir}: ${what} has token ${tokens[i]}, outside the vocabulary of ${this.shape.vocabSize}`,
        );
    return out;
  }

  /** A group: its puzzles, each a non-empty list of examples sharing one puzzle identifier. */
  addGroup(group: Group): void {
    for (const puzzle of group) {
      if (puzzle.length === 0) throw new RangeError(`${this.dir}: a puzzle without examples`);
      const id = puzzle[0].puzzleId;
      if (!Number.isInteger(id) || id < 0) throw new RangeError(`${this.dir}: puzzle identifier ${id}`);
      this.maxId = Math.max(this.maxId, id);
      for (const ex of puzzle) {
        if (ex.puzzleId !== id)
          throw new RangeError(`${this.dir}: a puzzle's examples have identifiers ${id} and ${ex.puzzleId}`);
        const what = `example ${this.examples}`;
        writeAll(this.inputs, this.row(ex.inputs, `${what} input`));
        writeAll(this.labels, this.row(ex.labels, `${what} labels`));
        this.examples++;
      }
      this.identifiers.push(id);
      this.puzzleIndices.push(this.examples);
    }
    this.groupIndices.push(this.identifiers.length);
  }

  /** Closes the token files, writes the index files and `dataset.json`; returns the metadata. */
  finish(numPuzzleIdentifiers: number): DatasetMetadata {
    if (this.maxId >= numPuzzleIdentifiers)
      throw new RangeError(`${this.dir}: puzzle identifier ${this.maxId} is not below ${numPuzzleIdentifiers}`);
    const header = npyHeader('u1', [this.examples, this.shape.seqLen]);
    for (const fd of [this.inputs, this.labels]) {
      writeAll(fd, header, 0);
      closeSync(fd);
    }
    const int32 = (name: string, values: readonly number[]) =>
      writeFileAtomic(join(this.dir, `all__${name}.npy`), [encodeNpy('i4', [values.length], Int32Array.from(values))]);
    for (const written of [
      int32('puzzle_identifiers', this.identifiers),
      int32('puzzle_indices', this.puzzleIndices),
      int32('group_indices', this.groupIndices),
    ])
      if (E.isLeft(written)) throw new Error(`${this.dir}: ${written.left}`);
    const puzzles = this.identifiers.length;
    const metadata: DatasetMetadata = {
      pad_id: 0,
      ignore_label_id: 0,
      blank_identifier_id: 0,
      vocab_size: this.shape.vocabSize,
      seq_len: this.shape.seqLen,
      num_puzzle_identifiers: numPuzzleIdentifiers,
      total_groups: this.groupIndices.length - 1,
      mean_puzzle_examples: puzzles === 0 ? 0 : this.examples / puzzles,
      total_puzzles: puzzles,
      sets: ['all'],
    };
    const json = writeFileAtomic(join(this.dir, 'dataset.json'), [
      new TextEncoder().encode(encodeDatasetMetadata(metadata)),
    ]);
    if (E.isLeft(json)) throw new Error(`${this.dir}: ${json.left}`);
    return metadata;
  }
}

/** A dataset's groups per split and its identifiers' names, produced lazily by a builder. */
export interface DatasetSource extends SplitShape {
  /** The groups of each split; called once per split, in the order of SPLITS. */
  readonly groups: (split: SplitName) => Iterable<Group>;
  /** Every identifier's name, entry 0 `<blank>`: asked once both splits are written (ARC assigns ids as it goes). */
  readonly identifiers: () => readonly string[];
}

/**
 * Writes a dataset to `out` (refusing an existing one unless `force`): both splits into a temporary folder
 * beside it, then `identifiers.json`, then moved into place. Returns each split's metadata, or why not.
 */
export function writeDataset(
  out: string,
  source: DatasetSource,
  opts: { readonly force?: boolean } = {},
): E.Either<string, Record<SplitName, DatasetMetadata>> {
  if (existsSync(out) && !opts.force) return E.left(`${out} exists (remove it, or pass --force)`);
  const temp = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
  try {
    rmSync(temp, { recursive: true, force: true });
    const writers = SPLITS.map((split) => {
      const writer = new SplitWriter(join(temp, split), source);
      for (const group of source.groups(split)) writer.addGroup(group);
      return writer;
    });
    const names = source.identifiers();
    const [train, test] = writers.map((w) => w.finish(names.length));
    const ids = writeFileAtomic(join(temp, 'identifiers.json'), [new TextEncoder().encode(JSON.stringify(names))]);
    if (E.isLeft(ids)) throw new Error(ids.left);
    if (existsSync(out)) rmSync(out, { recursive: true });
    renameSync(temp, out);
    return E.right({ train, test });
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    return E.left(e instanceof Error ? e.message : String(e));
  }
}

/** One split read back: its metadata and groups (examples with their puzzle identifiers). */
export interface ReadSplit {
  readonly metadata: DatasetMetadata;
  readonly groups: Group[];
}

/** A split of an official dataset read into memory and checked (indices, shapes, tokens), or why not. */
export function readDatasetSplit(dir: string): E.Either<string, ReadSplit> {
  const file = (name: string) => join(dir, name);
  let meta: ReturnType<typeof decodeDatasetMetadata>;
  try {
    meta = decodeDatasetMetadata(JSON.parse(readFileSync(file('dataset.json'), 'utf8')));
  } catch (e) {
    return E.left(`${file('dataset.json')}: ${(e as Error).message}`);
  }
  if ('problems' in meta) return E.left(`${file('dataset.json')}: ${meta.problems.join('; ')}`);
  const m = meta.metadata;
  const groups: Group[] = [];
  for (const set of m.sets) {
    const arrays: Record<string, { shape: readonly number[]; data: Uint8Array | Int32Array }> = {};
    for (const field of ['inputs', 'labels', 'puzzle_identifiers', 'puzzle_indices', 'group_indices']) {
      const path = file(`${set}__${field}.npy`);
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(path);
      } catch (e) {
        return E.left(`${path}: cannot read: ${(e as Error).message}`);
      }
      const arr = decodeNpy(bytes, path);
      if (E.isLeft(arr)) return arr;
      arrays[field] = arr.right;
    }
    const { inputs, labels, puzzle_identifiers: ids, puzzle_indices: pi, group_indices: gi } = arrays;
    const rows = inputs.shape[0];
    const problems: string[] = [];
    if (inputs.shape.length !== 2 || inputs.shape[1] !== m.seq_len) problems.push(`inputs are not [N, ${m.seq_len}]`);
    if (labels.shape.join() !== inputs.shape.join()) problems.push('labels and inputs differ in shape');
    if (pi.data.length !== ids.data.length + 1 || pi.data[0] !== 0 || pi.data[pi.data.length - 1] !== rows)
      problems.push(`puzzle_indices must run from 0 to ${rows} with one entry per puzzle and one more`);
    if (gi.data[0] !== 0 || gi.data[gi.data.length - 1] !== ids.data.length)
      problems.push(`group_indices must run from 0 to ${ids.data.length}`);
    for (const idx of [pi.data, gi.data])
      for (let i = 1; i < idx.length; i++) if (idx[i] < idx[i - 1]) problems.push('indices decrease');
    if (ids.data.some((id) => id < 0 || id >= m.num_puzzle_identifiers))
      problems.push(`a puzzle identifier is not below ${m.num_puzzle_identifiers}`);
    if (problems.length > 0) return E.left(`${dir} (${set}): ${[...new Set(problems)].join('; ')}`);
    const row = (a: Uint8Array | Int32Array, r: number) => Array.from(a.subarray(r * m.seq_len, (r + 1) * m.seq_len));
    for (let g = 0; g + 1 < gi.data.length; g++) {
      const group: Example[][] = [];
      for (let p = gi.data[g]; p < gi.data[g + 1]; p++) {
        const examples: Example[] = [];
        for (let r = pi.data[p]; r < pi.data[p + 1]; r++)
          examples.push({ inputs: row(inputs.data, r), labels: row(labels.data, r), puzzleId: ids.data[p] });
        group.push(examples);
      }
      groups.push(group);
    }
  }
  return E.right({ metadata: m, groups });
}
