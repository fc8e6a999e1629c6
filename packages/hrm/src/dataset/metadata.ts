/**
 * `dataset.json`, the metadata of one split of an official dataset (`PuzzleDatasetMetadata` in the
 * official `dataset/common.py`): PAD and ignore-label ids, the blank puzzle id, vocabulary, sequence length,
 * number of puzzle identifiers, group count, mean examples per puzzle, and the subsets (`all`).
 * TinyRecursiveModels adds `total_puzzles`; sapientinc/HRM's pydantic model ignores it, so it is written.
 */

/** One split's metadata, with the official field names. */
export interface DatasetMetadata {
  readonly pad_id: number;
  readonly ignore_label_id: number | null;
  readonly blank_identifier_id: number;
  readonly vocab_size: number;
  readonly seq_len: number;
  readonly num_puzzle_identifiers: number;
  readonly total_groups: number;
  readonly mean_puzzle_examples: number;
  readonly total_puzzles: number;
  readonly sets: readonly string[];
}

const INT_FIELDS = [
  'pad_id',
  'blank_identifier_id',
  'vocab_size',
  'seq_len',
  'num_puzzle_identifiers',
  'total_groups',
] as const;
const FIELD_ORDER: readonly (keyof DatasetMetadata)[] = [
  'pad_id',
  'ignore_label_id',
  'blank_identifier_id',
  'vocab_size',
  'seq_len',
  'num_puzzle_identifiers',
  'total_groups',
  'mean_puzzle_examples',
  'total_puzzles',
  'sets',
];

function isRecord(u: unknown): u is Record<string, unknown> {
  return typeof u === 'object' && u !== null && !Array.isArray(u);
}

/**
 * The metadata in a parsed `dataset.json`, or every problem (a missing or non-integer field, an unknown key).
 * `total_puzzles` may be absent (sapientinc/HRM does not write it); it is then the group count.
 */
export function decodeDatasetMetadata(json: unknown): { metadata: DatasetMetadata } | { problems: string[] } {
  if (!isRecord(json)) return { problems: ['not a JSON object'] };
  const problems: string[] = [];
  for (const k of INT_FIELDS)
    if (!Number.isInteger(json[k]) || (json[k] as number) < 0) problems.push(`${k}: expected an integer ≥ 0`);
  if (json.ignore_label_id !== null && !Number.isInteger(json.ignore_label_id))
    problems.push('ignore_label_id: expected an integer or null');
  if (typeof json.mean_puzzle_examples !== 'number') problems.push('mean_puzzle_examples: expected a number');
  if (json.total_puzzles !== undefined && !Number.isInteger(json.total_puzzles))
    problems.push('total_puzzles: expected an integer');
  if (!Array.isArray(json.sets) || !json.sets.every((s) => typeof s === 'string' && /^[\w.-]+$/.test(s)))
    problems.push('sets: expected a list of subset names');
  for (const k of Object.keys(json))
    if (!FIELD_ORDER.includes(k as keyof DatasetMetadata)) problems.push(`${k}: unknown field`);
  if (problems.length > 0) return { problems };
  const m = json as unknown as DatasetMetadata;
  return { metadata: { ...m, total_puzzles: m.total_puzzles ?? m.total_groups } };
}

/** A number as Python's `json.dumps` writes it: floats keep a `.0`, so `1.0` stays a float for pydantic. */
function pyNumber(x: number, float: boolean): string {
  if (!float || !Number.isInteger(x)) return String(x).replace(/e([+-])(\d)$/, 'e$10$2');
  return `${x}.0`;
}

/** The metadata as Python's `json.dump` of the pydantic model writes it (field order, `, ` and `: `). */
export function encodeDatasetMetadata(m: DatasetMetadata): string {
  const fields = FIELD_ORDER.map((k) => {
    const v = m[k];
    const text =
      v === null
        ? 'null'
        : Array.isArray(v)
          ? `[${v.map((s) => JSON.stringify(s)).join(', ')}]`
          : pyNumber(v as number, k === 'mean_puzzle_examples');
    return `"${k}": ${text}`;
  });
  return `{${fields.join(', ')}}`;
}
