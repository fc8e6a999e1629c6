/**
 * The hard-lists preset: a fixed tenth of each list held out by a hash of its line, training never
 * drawing a held-out puzzle in any augmentation, the evaluation set balanced over the lists and scored
 * per list; a missing list named. Small lists of generated puzzles stand in for the real files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng, decodeSudoku, generateSudoku, SUDOKU_9, solveSudoku } from '../tasks/index.js';
import { DataError } from './preset.js';
import { isHeldOut, SUDOKU_LISTS, sudokuListsPreset } from './sudoku-lists.js';

const dir = mkdtempSync(join(tmpdir(), 'hrm-sudoku-lists-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Each list: 60 generated puzzles, one per line as the tdoku files have them, with 40 givens where the
 * hash holds the line out and 30 elsewhere. Augmentations keep the number of givens, so a training
 * puzzle with 40 would be a held-out one, however it was transformed.
 */
const HELD_GIVENS = 40;
const TRAIN_GIVENS = 30;
const lines: Record<string, string[]> = {};
const rng = createRng(7);
mkdirSync(join(dir, 'sudoku'), { recursive: true });
for (const [name, file] of Object.entries(SUDOKU_LISTS)) {
  const rows: string[] = [];
  while (rows.length < 60) {
    const givens = rng.int(2) === 0 ? HELD_GIVENS : TRAIN_GIVENS;
    const made = generateSudoku(SUDOKU_9, rng, { givens, attempts: 50 });
    if (E.isLeft(made)) continue;
    const text = made.right.puzzle.map((d) => (d === 0 ? '.' : String(d))).join('');
    if ((givens === HELD_GIVENS) === isHeldOut(text)) rows.push(text);
  }
  lines[name] = rows;
  writeFileSync(join(dir, file), `${rows.join('\n')}\n`);
}
const row = (inputs: readonly number[]) =>
  decodeSudoku(inputs, SUDOKU_9)
    .map((d) => (d === 0 ? '.' : String(d)))
    .join('');
const givensOf = (tokens: readonly number[]) => tokens.filter((t) => t > 1).length;

describe('sudoku-lists', () => {
  const preset = sudokuListsPreset(dir);

  it('holds out about a tenth of lines, by their text alone', () => {
    const r = createRng(11);
    const all = Array.from({ length: 5000 }, () => Array.from({ length: 81 }, () => '.123456789'[r.int(10)]).join(''));
    const held = all.filter(isHeldOut).length;
    expect(held).toBeGreaterThan(400);
    expect(held).toBeLessThan(600);
    // The same lines whatever their order, surrounding spaces or line ending.
    expect(all.filter((l) => isHeldOut(` ${l}\r`)).length).toBe(held);
    expect([...all].reverse().filter(isHeldOut)).toEqual(all.filter(isHeldOut).reverse());
  });

  it('evaluates on the held-out lines only, the lists in turn, scored per list', () => {
    const examples = preset.evalExamples(10_000);
    const rows = examples.map((e) => row(e.inputs));
    const held = Object.values(lines).flat().filter(isHeldOut);
    expect(new Set(rows)).toEqual(new Set(held));
    for (const e of examples) expect(givensOf(e.inputs)).toBe(HELD_GIVENS);
    const groupsOf = preset.groups;
    if (!groupsOf) throw new Error('no groups');
    const listOf = (r: string) => Object.keys(lines).find((name) => lines[name]?.includes(r));
    examples.forEach((e, i) => {
      expect(groupsOf(e).list).toBe(listOf(rows[i] ?? ''));
    });
    // The first four come from the four lists.
    expect(new Set(examples.slice(0, 4).map((e) => groupsOf(e).list)).size).toBe(4);
    // Labels are the solver's unique solutions.
    for (const e of examples.slice(0, 5)) {
      const solved = solveSudoku(decodeSudoku(e.inputs, SUDOKU_9), SUDOKU_9, { limit: 2 });
      expect(solved.count).toBe(1);
      expect(decodeSudoku(e.labels, SUDOKU_9)).toEqual(solved.solution);
    }
  });

  it('trains on augmented puzzles of the other nine tenths, never a held-out one', () => {
    for (const step of [0, 1, 2]) {
      const batch = preset.trainBatch(0, step, 64);
      const inputs = Array.from(batch.inputs.data());
      const labels = Array.from(batch.labels.data());
      for (let b = 0; b < 64; b++) {
        const puzzle = inputs.slice(b * 81, (b + 1) * 81);
        expect(givensOf(puzzle)).toBe(TRAIN_GIVENS);
        // Augmented, the label is still the puzzle's unique solution.
        const solved = solveSudoku(decodeSudoku(puzzle, SUDOKU_9), SUDOKU_9, { limit: 2 });
        expect(solved.count).toBe(1);
        expect(labels.slice(b * 81, (b + 1) * 81)).toEqual((solved.solution ?? []).map((d) => d + 1));
      }
    }
    // Augmentations are on: a batch holds puzzles that are in no list as written.
    const written = new Set(Object.values(lines).flat());
    const drawn = Array.from(preset.trainBatch(0, 0, 64).inputs.data());
    const rows = Array.from({ length: 64 }, (_, b) => row(drawn.slice(b * 81, (b + 1) * 81)));
    expect(rows.filter((r) => !written.has(r)).length).toBeGreaterThan(32);
  });

  it('names the missing lists', () => {
    const empty = mkdtempSync(join(tmpdir(), 'hrm-sudoku-lists-none-'));
    try {
      expect(() => sudokuListsPreset(empty).evalExamples(4)).toThrow(DataError);
      expect(() => sudokuListsPreset(empty).evalExamples(4)).toThrow(/tdoku_puzzles2_17_clue\.txt \(missing\)/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
