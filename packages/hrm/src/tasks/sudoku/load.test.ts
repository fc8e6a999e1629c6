import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { dataPath, hasDataDir } from '../data-dir.js';
import { allOrNothing, formatProblem } from '../problems.js';
import { loadSudokuFile } from './files.js';
import { isSolutionOf } from './grid.js';
import { parseSudokuList } from './load.js';
import { SUDOKU_4, SUDOKU_9 } from './shape.js';

// A 9x9 with a unique solution (the first puzzle of tdoku_puzzles3_magictour_top1465).
const GOOD = '4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......';

describe('sudoku list loader', () => {
  it('labels good lines and reports each bad one with its line and reason', () => {
    const lines = [
      GOOD,
      GOOD.slice(1),
      `${GOOD.slice(0, 10)}x${GOOD.slice(11)}`,
      `55${'.'.repeat(79)}`,
      `.123456789${'.'.repeat(71)}`,
      '.'.repeat(81),
      '',
      GOOD,
    ];
    const r = parseSudokuList(`${lines.join('\n')}\n`, 'list.txt', SUDOKU_9);
    expect(r.items.map((i) => i.line)).toEqual([1, 8]);
    expect(r.problems.map(formatProblem)).toEqual([
      'list.txt:2: expected 81 characters, got 80',
      `list.txt:3: bad character "x" at column 11 (expected '.' or 1-9)`,
      'list.txt:4: contradictory givens: digit 5 appears twice in row 1',
      'list.txt:5: no solution',
      'list.txt:6: more than one solution',
      'list.txt:7: expected 81 characters, got 0',
    ]);
    const item = r.items[0];
    expect(item.source).toBe('list.txt');
    expect(isSolutionOf(item.puzzle, item.solution, SUDOKU_9)).toBe(true);
    expect(E.isLeft(allOrNothing(r))).toBe(true);
  });

  it('labels only the lines `keep` picks, which keep their line numbers and problems', () => {
    const lines = [GOOD, GOOD.slice(1), GOOD, '.'.repeat(81)];
    const r = parseSudokuList(lines.join('\n'), 'split.txt', SUDOKU_9, (row) => row.length === 81);
    expect(r.items.map((i) => i.line)).toEqual([1, 3]);
    expect(r.problems.map(formatProblem)).toEqual(['split.txt:4: more than one solution']);
    expect(parseSudokuList(lines.join('\n'), 'split.txt', SUDOKU_9, () => false)).toEqual({ items: [], problems: [] });
  });

  it('reports an empty list (which would leave nothing to draw from) with its file', () => {
    expect(parseSudokuList('', 'empty.txt').problems.map(formatProblem)).toEqual([
      'empty.txt: empty file, expected one puzzle per line',
    ]);
  });

  it('accepts CRLF line ends and a missing final newline, and other sizes', () => {
    const r = parseSudokuList(`${GOOD}\r\n${GOOD}`, 'crlf.txt');
    expect(r.problems).toEqual([]);
    expect(r.items).toHaveLength(2);
    const small = parseSudokuList('1..4..1..1..4..1\n', 'small.txt', SUDOKU_4);
    expect(small.problems.map(formatProblem)).toEqual(['small.txt:1: more than one solution']);
  });

  it('loads a file from disk and reports one that cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sudoku-'));
    const path = join(dir, 'p.txt');
    writeFileSync(path, `${GOOD}\n`);
    expect(allOrNothing(loadSudokuFile(path))).toMatchObject(E.right([{ source: path, line: 1 }]));
    const missing = loadSudokuFile(join(dir, 'missing.txt'));
    expect(missing.items).toEqual([]);
    expect(missing.problems[0].reason).toMatch(/^cannot read: ENOENT/);
  });

  it.skipIf(!hasDataDir())('loads the 1106 list with no problem', () => {
    const r = loadSudokuFile(dataPath('sudoku/tdoku_puzzles6_forum_hardest_1106.txt'));
    expect(r.problems).toEqual([]);
    expect(r.items).toHaveLength(300);
  });
});
