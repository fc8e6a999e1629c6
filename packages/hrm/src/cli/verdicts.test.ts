/**
 * What `hrm solve` and `hrm eval` say about an answer: an exact checker's verdict per puzzle (`valid`,
 * and `correct` where the puzzle has one solution), ambiguous puzzles flagged, a wrong answer a
 * failure, many puzzles per process from a file, border spaces of a maze kept, and one vocabulary
 * of JSON fields across train, its evaluations and eval.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { key } from '@hrm/core';
import { saveCheckpoint } from '@hrm/nn/node';
import { runHrm } from '@hrm/testing/cli';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reasonerFor } from '../arch.js';
import { toCheckpoint } from '../checkpoint.js';
import { decodeModelConfig } from '../config.js';
import { presetNamed } from '../presets/node.js';
import { isSolutionOf, parseGrid, SUDOKU_4 } from '../tasks/index.js';
import { initTrainState } from '../train.js';
import { decodeTrainConfig } from '../train-config.js';
import { FIELDS } from './vocabulary.js';

const dir = mkdtempSync(join(tmpdir(), 'hrm-verdicts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const committed = fileURLToPath(new URL('../../checkpoints/sudoku4.safetensors', import.meta.url));

const hrm = runHrm;

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A checkpoint of an untrained model of a task (its answers are noise): made in milliseconds. */
function untrained(task: string): string {
  const preset = presetNamed(task);
  const model = decodeModelConfig(preset?.model);
  const train = decodeTrainConfig({ ...preset?.train, totalSteps: 1, batchSize: 1 });
  if (E.isLeft(model) || E.isLeft(train)) throw new Error(`configs of ${task}`);
  const state = initTrainState(reasonerFor(model.right), key(0), train.right);
  const path = join(dir, `${task}-untrained.safetensors`);
  const saved = saveCheckpoint(path, toCheckpoint(state, model.right, train.right, { task }));
  if (E.isLeft(saved)) throw saved.left;
  return path;
}

/** A grid's digits from a drawn answer. */
const digits = (drawn: string) => drawn.replace(/[^0-9.]/g, '');

describe('hrm solve: the verdict of an exact checker', () => {
  it('a puzzle with many solutions is flagged ambiguous, and a valid completion is not called wrong', async () => {
    const r = await hrm('solve', '--checkpoint', committed, '1...............', '--json');
    const [answer] = jsonLines(r.out);
    expect(answer).toMatchObject({ ambiguous: true });
    expect(answer).not.toHaveProperty('correct'); // there is no one solution to be correct against
    const grid = parseGrid(digits(String(answer.answer)), SUDOKU_4);
    const valid = E.isRight(grid) && isSolutionOf([1, ...Array<number>(15).fill(0)], grid.right, SUDOKU_4);
    expect(answer.valid).toBe(valid);
    expect(r.code).toBe(valid ? 0 : 1);
  });

  it('a puzzle with one solution is valid and correct when solved', async () => {
    const r = await hrm('solve', '--checkpoint', committed, '.2343.1221.3432.', '--json');
    expect(r.code).toBe(0);
    expect(jsonLines(r.out)[0]).toMatchObject({ valid: true, correct: true, ambiguous: false });
  });

  it('an answer that is not valid exits 1, with the reason', async () => {
    const ckpt = untrained('sudoku4');
    const r = await hrm('solve', '--checkpoint', ckpt, '.2343.1221.3432.');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/not valid: /);
    const j = await hrm('solve', '--checkpoint', ckpt, '.2343.1221.3432.', '--json');
    expect(j.code).toBe(1);
    expect(jsonLines(j.out)[0]).toMatchObject({ valid: false, correct: false, ambiguous: false });
    expect(jsonLines(j.out)[0].reason).toEqual(expect.any(String));
  });
});

describe('many puzzles per process', () => {
  const puzzles = ['.2343.1221.3432.', '1...............', '12.43.1221.3432.'];

  it('solve --file: one puzzle per line, or JSON lines, answered with one JSON line each', async () => {
    const lines = join(dir, 'puzzles.txt');
    writeFileSync(lines, `${puzzles.join('\n')}\n`);
    const jsonl = join(dir, 'puzzles.jsonl');
    writeFileSync(jsonl, `${puzzles.map((p) => JSON.stringify({ puzzle: p })).join('\n')}\n`);
    for (const file of [lines, jsonl]) {
      const r = await hrm('solve', '--checkpoint', committed, '--file', file, '--json');
      const records = jsonLines(r.out);
      expect(records.map((x) => x.puzzle)).toEqual(puzzles);
      expect(records.map((x) => x.line)).toEqual([1, 2, 3]);
      expect(records.map((x) => x.ambiguous)).toEqual([false, true, false]);
      for (const x of records) expect(typeof x.valid).toBe('boolean');
      expect(r.code).toBe(records.every((x) => x.valid) ? 0 : 1);
    }
  });

  it('a bad puzzle in a file is refused with its file and line', async () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(file, '.2343.1221.3432.\n12x4\n');
    const r = await hrm('solve', '--checkpoint', committed, '--file', file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.txt:2: not a sudoku4 puzzle: expected 16 characters, got 4/);
  });

  it('eval --file: a JSON line per puzzle with its verdict, then the summary', async () => {
    const file = join(dir, 'eval.txt');
    writeFileSync(file, `${puzzles.join('\n')}\n`);
    const r = await hrm('eval', '--checkpoint', committed, '--file', file, '--json');
    expect(r.code).toBe(0);
    const records = jsonLines(r.out);
    expect(records).toHaveLength(4);
    expect(records.slice(0, 3).map((x) => x.line)).toEqual([1, 2, 3]);
    expect(records[0]).toMatchObject({ puzzle: puzzles[0], valid: true, correct: true, ambiguous: false });
    expect(records[3]).toMatchObject({ event: 'eval', count: 3 });
  });
});

describe('Maze-Hard through solve', () => {
  // A 30x30 maze as Maze-Hard has them: open cells on the border, so rows begin and end with spaces.
  const rows = Array.from({ length: 30 }, (_, r) =>
    Array.from({ length: 30 }, (_, c) =>
      r === 0 && c === 3 ? 'S' : r === 29 && c === 26 ? 'G' : c % 4 === 1 && r % 6 === 3 ? '#' : ' ',
    ).join(''),
  );
  let ckpt: string;
  beforeAll(() => {
    ckpt = untrained('maze-hard');
  });

  it('keeps the border spaces of a maze given as an argument or on one line of a file', async () => {
    const r = await hrm('solve', '--checkpoint', ckpt, rows.join('\n'), '--json');
    expect(r.err).not.toMatch(/not a maze-hard puzzle/);
    expect(jsonLines(r.out)[0]).toMatchObject({ ambiguous: true });
    const file = join(dir, 'mazes.txt');
    writeFileSync(file, `${rows.join('')}\n${rows.join('')}\n`);
    const f = await hrm('solve', '--checkpoint', ckpt, '--file', file, '--json');
    expect(f.err).not.toMatch(/not a maze-hard puzzle/);
    expect(jsonLines(f.out)).toHaveLength(2);
  });
});

describe('one vocabulary of JSON fields', () => {
  /** Every field name in a record, nested ones included. */
  const names = (value: unknown): string[] =>
    typeof value !== 'object' || value === null
      ? []
      : Array.isArray(value)
        ? value.flatMap(names)
        : Object.entries(value).flatMap(([k, v]) => [k, ...names(v)]);

  it('train, its evaluations and eval use the same names, each documented', async () => {
    const out = join(dir, 'vocabulary.safetensors');
    const t = await hrm(
      'train',
      '--task',
      'sudoku4',
      '--steps',
      '2',
      '--batch',
      '4',
      '--eval-every',
      '1',
      '--eval-size',
      '4',
      '--out',
      out,
      '--json',
    );
    expect(t.code).toBe(0);
    const records = jsonLines(t.out);
    const e = await hrm('eval', '--checkpoint', out, '--size', '4', '--json');
    records.push(...jsonLines(e.out));
    const used = new Set(records.flatMap((r) => names(r.event === 'start' ? { ...r, model: {}, train: {} } : r)));
    expect([...used].filter((k) => !(k in FIELDS))).toEqual([]);
    const train = records.find((r) => r.event === 'train') ?? {};
    const evaluations = records.filter((r) => r.event === 'eval').map((r) => r.perSegment as object[]);
    const [evaluation, report] = [evaluations[0], evaluations.at(-1)]; // during training; hrm eval
    expect(Object.keys(train)).toEqual(expect.arrayContaining(['step', 'loss', 'token', 'exact', 'lr']));
    expect(Object.keys(evaluation?.[0] ?? {})).toEqual(expect.arrayContaining(['segment', 'token', 'exact']));
    expect(Object.keys(report?.[0] ?? {})).toEqual(expect.arrayContaining(['segment', 'token', 'exact', 'valid']));
  });
});
