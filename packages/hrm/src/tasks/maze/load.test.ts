import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataPath, hasDataDir } from '../data-dir.js';
import { formatProblem } from '../problems.js';
import { countShortestPaths } from './bfs.js';
import { loadMazeCsv } from './files.js';
import { cellsWith } from './grid.js';
import { parseMazeCsv } from './load.js';

// 3x4 mazes written row by row: "S   / # # /   G" and one of its shortest paths.
const Q = 'S   # #    G';
const A = 'Sooo# #o   G';

describe('maze CSV loader', () => {
  it('keeps good rows and reports every bad one with its line and reason', () => {
    const rows = [
      'question,answer',
      `${Q},${A}`,
      `${Q},${A},extra`,
      `"${Q}",${A}`,
      `${Q.slice(1)},${A}`,
      `${Q},${A.slice(1)}`,
      `S   # #    S,${A}`,
      `S   # #  x G,${A}`,
      `${Q},Sooo# #o  oG`,
      `${Q},Soo # #    G`,
      `${Q},Sooooo#o   G`,
      `${Q},oooS# #o   G`,
    ];
    const r = parseMazeCsv(`${rows.join('\n')}\n`, 'm.csv', { height: 3, width: 4 });
    expect(r.items.map((i) => [i.line, i.pathLength])).toEqual([[2, 5]]);
    expect(r.problems.map(formatProblem)).toEqual([
      'm.csv:3: expected 2 fields (question,answer), got 3',
      'm.csv:4: quoted CSV fields are not supported',
      'm.csv:5: question has 11 characters, expected 12',
      'm.csv:6: answer has 11 characters, expected 12',
      'm.csv:7: question has 2 S cells, expected 1',
      'm.csv:8: question cell (2, 1) is "x", expected one of "# SG"',
      'm.csv:9: answer: path cell at (2, 2) touches 1 path cells, expected 2',
      'm.csv:10: answer: path cell at (0, 2) touches 1 path cells, expected 2',
      'm.csv:11: answer: cell (1, 0) is "o" in the answer but "#" in the question',
      'm.csv:12: answer: cell (0, 0) is "o" in the answer but "S" in the question',
    ]);
  });

  it('reports a wrong header and an empty file', () => {
    expect(parseMazeCsv(`qa\n${Q},${A}`, 'h.csv', { height: 3, width: 4 }).problems.map(formatProblem)).toEqual([
      'h.csv:1: expected the header "question,answer", got "qa"',
    ]);
    expect(parseMazeCsv('', 'e.csv').problems.map(formatProblem)).toEqual([
      'e.csv: empty file, expected a question,answer header',
    ]);
    // A header alone would give a caller no maze to draw from, far from the file's name.
    expect(parseMazeCsv('question,answer\n', 'o.csv').problems.map(formatProblem)).toEqual([
      'o.csv: no mazes after the header',
    ]);
  });

  it('reports a labelled path longer than the optimum, unless told not to', () => {
    // S and G are split by a wall; the short way round is 6 steps, the labelled one takes 8.
    //   S#Go     the path goes down from S, right along the bottom,
    //   o# o     and up column 3 to reach G from the right.
    //   oooo
    const q = ['S#G  ', ' #   ', '     '].join('');
    const a = ['S#Go ', 'o# o ', 'oooo '].join('');
    const csv = `question,answer\n${q},${a}\n`;
    expect(parseMazeCsv(csv, 'o.csv', { height: 3, width: 5 }).problems.map(formatProblem)).toEqual([
      'o.csv:2: labelled path has 8 steps, the shortest has 6',
    ]);
    const lax = parseMazeCsv(csv, 'o.csv', { height: 3, width: 5, requireOptimal: false });
    expect(lax.problems).toEqual([]);
    expect(lax.items[0].pathLength).toBe(8);
  });

  it.skipIf(!hasDataDir())('loads the Maze-Hard files with no problem', () => {
    const dir = dataPath('maze-30x30-hard-1k');
    const train = loadMazeCsv(`${dir}/train.csv`);
    const test = loadMazeCsv(`${dir}/test.csv`);
    expect(train.problems).toEqual([]);
    expect(test.problems).toEqual([]);
    expect([train.items.length, test.items.length]).toEqual([1000, 800]);
    const lengths = [...train.items, ...test.items].map((i) => i.pathLength);
    expect(Math.min(...lengths)).toBeGreaterThan(100);
    // The data README: every maze has many optimal paths, so the label is one of many.
    const first = train.items[0];
    const [s] = cellsWith(first.question, 'S');
    const [g] = cellsWith(first.question, 'G');
    expect(countShortestPaths(first.question, s, g)).toBeGreaterThan(1);
  });

  it('reports a file that cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'maze-'));
    writeFileSync(join(dir, 'ok.csv'), `question,answer\n${Q},${A}\n`);
    expect(loadMazeCsv(join(dir, 'ok.csv'), { height: 3, width: 4 }).items).toHaveLength(1);
    expect(loadMazeCsv(join(dir, 'nope.csv')).problems[0].reason).toMatch(/^cannot read/);
  });
});
