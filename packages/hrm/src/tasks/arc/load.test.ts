import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { dataPath, hasDataDir } from '../data-dir.js';
import { formatProblem } from '../problems.js';
import { loadArcTasks } from './files.js';
import { parseArcTask, parseArcTasks } from './load.js';

const GOOD = { train: [{ input: [[1, 2]], output: [[2, 1]] }], test: [{ input: [[3, 4]], output: [[4, 3]] }] };
const reasons = (id: string, value: unknown) => {
  const r = parseArcTask(id, typeof value === 'string' ? value : JSON.stringify(value));
  return E.isLeft(r) ? r.left.map(formatProblem) : [];
};
const big = (h: number, w: number) => Array.from({ length: h }, () => new Array<number>(w).fill(0));

describe('ARC task loader', () => {
  it('decodes a task, keeping test outputs when present and ignoring extra keys', () => {
    const r = parseArcTask('abc', JSON.stringify({ ...GOOD, name: 'x', test: [{ input: [[5]] }] }));
    expect(r).toEqual(E.right({ id: 'abc', train: GOOD.train, test: [{ input: [[5]] }] }));
    expect(
      E.isRight(
        parseArcTask('full', JSON.stringify({ train: GOOD.train, test: [{ input: big(30, 30), output: big(1, 1) }] })),
      ),
    ).toBe(true);
  });

  it('reports every malformed case with the task id and the reason', () => {
    expect(reasons('a', '{"train": [')).toEqual([expect.stringMatching(/^a: not JSON: /)]);
    expect(reasons('b', { test: GOOD.test })).toEqual([
      'b: train: expected list of {input, output} pairs, got undefined',
    ]);
    expect(reasons('c', { train: GOOD.train })).toEqual([
      'c: test: expected list of {input, output?} pairs, got undefined',
    ]);
    expect(reasons('d', { train: [{ input: [[1, 2], [3]], output: [[1]] }], test: GOOD.test })).toEqual([
      'd: train.0.input: ragged grid: row 1 has 1 cells, row 0 has 2',
    ]);
    expect(reasons('e', { train: [{ input: [[1, 10]], output: [[1]] }], test: GOOD.test })).toEqual([
      'e: train.0.input: row 0 column 1 is 10, expected a colour 0-9',
    ]);
    expect(
      reasons('f', { train: GOOD.train, test: [{ input: [[1, -1]] }, { input: [[1.5]] }, { input: [['3']] }] }),
    ).toEqual([
      'f: test.0.input: row 0 column 1 is -1, expected a colour 0-9',
      'f: test.1.input: row 0 column 0 is 1.5, expected a colour 0-9',
      'f: test.2.input: row 0 column 0 is "3", expected a colour 0-9',
    ]);
    expect(reasons('g', { train: [{ input: big(31, 2), output: big(2, 31) }], test: GOOD.test })).toEqual([
      'g: train.0.input: grid has 31 rows, at most 30 allowed',
      'g: train.0.output: grid has 31 columns, at most 30 allowed',
    ]);
    expect(reasons('h', { train: [{ input: [], output: [[]] }], test: GOOD.test })).toEqual([
      'h: train.0.input: grid has no rows',
      'h: train.0.output: row 0 is empty',
    ]);
    expect(reasons('i', { train: [{ input: [[1]] }], test: [{ output: [[1]] }] })).toEqual([
      'i: train.0.output: expected a grid (a list of rows), got undefined',
      'i: test.0.input: expected a grid (a list of rows), got undefined',
    ]);
    expect(reasons('j', { train: [], test: [] })).toEqual([
      'j: train: no demonstration pairs',
      'j: test: no test inputs',
    ]);
    expect(reasons('k', { train: GOOD.train, test: [{ input: [[1]], output: null }] })).toEqual([
      'k: test.0.output: expected a grid (a list of rows), got null',
    ]);
  });

  it('reports duplicate task ids', () => {
    const json = JSON.stringify(GOOD);
    const r = parseArcTasks([
      { id: 'x', json },
      { id: 'x', json },
    ]);
    expect(r.items).toHaveLength(1);
    expect(r.problems.map(formatProblem)).toEqual(['x: duplicate task id (another file has the same name)']);
  });

  it('loads a folder recursively, a single file, and reports what it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arc-'));
    mkdirSync(join(dir, 'concept'));
    writeFileSync(join(dir, 'one.json'), JSON.stringify(GOOD));
    writeFileSync(join(dir, 'concept', 'two.json'), JSON.stringify(GOOD));
    writeFileSync(join(dir, 'concept', 'bad.json'), JSON.stringify({ train: GOOD.train }));
    writeFileSync(join(dir, 'notes.txt'), 'not a task');
    const r = loadArcTasks(dir);
    expect(r.items.map((t) => t.id)).toEqual(['two', 'one']);
    expect(r.problems.map(formatProblem)).toEqual([
      `${join(dir, 'concept', 'bad.json')}: test: expected list of {input, output?} pairs, got undefined`,
    ]);
    expect(loadArcTasks(join(dir, 'one.json')).items.map((t) => t.id)).toEqual(['one']);
    expect(loadArcTasks(join(dir, 'missing')).problems[0].reason).toMatch(/^cannot read/);
  });

  it.skipIf(!hasDataDir())('loads the ARC-AGI-1, ARC-AGI-2 and ConceptARC sets with no problem', () => {
    const root = dataPath();
    const counts = [
      'arc-agi-1/training',
      'arc-agi-1/evaluation',
      'arc-agi-2/training',
      'arc-agi-2/evaluation',
      'conceptarc/corpus',
    ].map((d) => {
      const r = loadArcTasks(`${root}/${d}`);
      expect(r.problems).toEqual([]);
      return r.items.length;
    });
    expect(counts).toEqual([400, 320, 923, 119, 160]);
  });
});
