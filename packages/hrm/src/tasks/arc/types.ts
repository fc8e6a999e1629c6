/**
 * ARC tasks as the ARC-AGI and ConceptARC JSON files hold them, with an io-ts codec that checks
 * everything HRM's `arc_grid_to_np` asserts (rectangular, at most 30x30, colours 0–9) and more (no
 * empty grid, at least one demonstration and one test input), reporting the path and the reason.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

/** Rows of colours 0–9. Predictions may be empty (a crop that found no cell); task grids never are. */
export type ArcGrid = readonly (readonly number[])[];

/** A demonstration: an input grid and the output the task asks for. */
export interface ArcPair {
  readonly input: ArcGrid;
  readonly output: ArcGrid;
}

/** A test input, with its output when the file has it (public sets do; hidden test sets do not). */
export interface ArcTestPair {
  readonly input: ArcGrid;
  readonly output?: ArcGrid;
}

/** One ARC task: its demonstrations, and the test inputs to solve. */
export interface ArcTask {
  /** The file name without `.json`. */
  readonly id: string;
  readonly train: readonly ArcPair[];
  readonly test: readonly ArcTestPair[];
}

/** The largest grid side ARC allows, and the side of the token canvas. */
export const ARC_MAX_SIDE = 30;

/** The first reason `u` is not a valid ARC grid, or undefined. */
export function gridProblem(u: unknown): string | undefined {
  if (!Array.isArray(u)) return `expected a grid (a list of rows), got ${JSON.stringify(u) ?? 'undefined'}`;
  if (u.length === 0) return 'grid has no rows';
  if (u.length > ARC_MAX_SIDE) return `grid has ${u.length} rows, at most ${ARC_MAX_SIDE} allowed`;
  const width = Array.isArray(u[0]) ? u[0].length : -1;
  for (let r = 0; r < u.length; r++) {
    const row: unknown = u[r];
    if (!Array.isArray(row)) return `row ${r} is not a list`;
    if (row.length === 0) return `row ${r} is empty`;
    if (row.length !== width) return `ragged grid: row ${r} has ${row.length} cells, row 0 has ${width}`;
    for (let c = 0; c < row.length; c++) {
      const v: unknown = row[c];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 9)
        return `row ${r} column ${c} is ${JSON.stringify(v)}, expected a colour 0-9`;
    }
  }
  if (width > ARC_MAX_SIDE) return `grid has ${width} columns, at most ${ARC_MAX_SIDE} allowed`;
  return undefined;
}

/** A codec that accepts a valid, non-empty ARC grid and fails with `gridProblem`'s reason otherwise. */
export const ArcGridCodec = new t.Type<ArcGrid, ArcGrid, unknown>(
  'ArcGrid',
  (u): u is ArcGrid => gridProblem(u) === undefined,
  (u, c) => {
    const bad = gridProblem(u);
    return bad === undefined ? t.success(u as ArcGrid) : t.failure(u, c, bad);
  },
  t.identity,
);

const PairCodec = t.type({ input: ArcGridCodec, output: ArcGridCodec }, 'ArcPair');
const TestPairCodec = t.intersection(
  [t.type({ input: ArcGridCodec }), t.partial({ output: ArcGridCodec })],
  'ArcTestPair',
);

/** The file's content; extra keys (some tools add a `name`) are ignored, as HRM's builder does. */
export const ArcTaskFileCodec = t.type(
  {
    train: t.array(PairCodec, 'list of {input, output} pairs'),
    test: t.array(TestPairCodec, 'list of {input, output?} pairs'),
  },
  'ArcTaskFile',
);

export type ArcTaskFile = t.TypeOf<typeof ArcTaskFileCodec>;

/** Checks beyond the shape of the JSON: a task needs demonstrations and something to solve. */
export function taskProblems(file: ArcTaskFile): string[] {
  const out: string[] = [];
  if (file.train.length === 0) out.push('train: no demonstration pairs');
  if (file.test.length === 0) out.push('test: no test inputs');
  return out;
}

export function toTask(id: string, file: ArcTaskFile): E.Either<string[], ArcTask> {
  const problems = taskProblems(file);
  if (problems.length > 0) return E.left(problems);
  // Copy only the known fields, so an `output: undefined` never appears and extra keys are dropped.
  return E.right({
    id,
    train: file.train.map((p) => ({ input: p.input, output: p.output })),
    test: file.test.map((p) => (p.output === undefined ? { input: p.input } : { input: p.input, output: p.output })),
  });
}
