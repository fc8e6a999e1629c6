/**
 * Scores per group of puzzles (`TaskPreset.groups`): each group scored on its own, after every segment
 * and at ACT's halt, and `hrm eval` printing them (a table, or `groups` in JSON) for the maze mix,
 * whose evaluation set is balanced over carvers and placements.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHrm } from '@hrm/testing/cli';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskPreset } from '../presets/preset.js';
import type { Example } from '../tasks/index.js';
import { type ExampleRuns, scoreGroups } from './evaluation.js';

/** A task of one-token puzzles whose answer is the label, grouped by the label's parity and size. */
const toy = {
  score: (examples: readonly Example[], predictions: readonly (readonly number[])[]) => ({
    exact:
      examples.length === 0 ? 0 : examples.filter((e, i) => e.labels[0] === predictions[i][0]).length / examples.length,
  }),
  groups: (e: Example) => ({
    parity: e.labels[0] % 2 === 0 ? 'even' : 'odd',
    ...(e.labels[0] > 2 ? { size: e.labels[0] >= 10 ? '10-19' : '3-9' } : {}),
  }),
} as unknown as TaskPreset;

const example = (label: number): Example => ({ inputs: [0], labels: [label], puzzleId: 0 });

describe('scoreGroups', () => {
  const examples = [1, 2, 3, 4, 10, 12].map(example);
  // Segment 1 gets only the first example right; segment 2 all but the 4; the halt is at 1 for the odd labels.
  const runs: ExampleRuns = {
    answers: [
      [[1], [0], [0], [0], [0], [0]],
      [[1], [2], [3], [0], [10], [12]],
    ],
    qHalt: [
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ],
    qContinue: [
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ],
    haltSegments: [1, 2, 1, 2, 2, 2],
  };

  it('scores each group of each grouping on its own, per segment and at the halt', () => {
    const groups = scoreGroups(toy, examples, runs);
    expect(groups.map((g) => [g.group, g.value, g.count])).toEqual([
      ['parity', 'even', 4],
      ['parity', 'odd', 2],
      // Natural order: 3-9 before 10-19; examples that leave a grouping out are not in it.
      ['size', '3-9', 2],
      ['size', '10-19', 2],
    ]);
    const even = groups[0];
    expect(even.perSegment.map((s) => s.exact)).toEqual([0, 0.75]);
    expect(even.atHalt.exact).toBe(0.75);
    expect(even.meanHaltSegment).toBe(2);
    const odd = groups[1];
    expect(odd.perSegment.map((s) => s.exact)).toEqual([0.5, 1]);
    // Label 3 halts at segment 1, where it was still wrong.
    expect(odd.atHalt.exact).toBe(0.5);
    expect(odd.meanHaltSegment).toBe(1);
    expect(groups[2].perSegment.map((s) => s.exact)).toEqual([0, 0.5]);
  });

  it('is empty for a preset without groups', () => {
    expect(scoreGroups({ ...toy, groups: undefined } as unknown as TaskPreset, examples, runs)).toEqual([]);
  });
});

describe('hrm eval on the maze mix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hrm-groups-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ckpt = join(dir, 'mix.safetensors');
  const small = ['--hidden', '16', '--heads', '2', '--halt-max-steps', '2', '--batch', '4'];
  /** The last JSON line a run printed. */
  const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1) ?? '') as unknown;

  it('prints exact accuracy per generator, placement and path length', async () => {
    const train = ['train', '--task', 'maze9-mix', '--steps', '1', '--out', ckpt, '--json', ...small];
    expect((await runHrm(...train, '--eval-every', '0', '--eval-size', '4')).code).toBe(0);
    const json = await runHrm('eval', '--checkpoint', ckpt, '--size', '30', '--json');
    expect(json.code).toBe(0);
    const report = lastJson(json.out) as {
      groups: { group: string; value: string; count: number; perSegment: unknown[]; atHalt: { exact: number } }[];
    };
    const counts = (group: string) =>
      Object.fromEntries(report.groups.filter((g) => g.group === group).map((g) => [g.value, g.count]));
    // 30 puzzles go through the 15 (carver, placement) pairs twice.
    expect(counts('generator')).toEqual({ backtracker: 6, division: 6, kruskal: 6, prim: 6, wilson: 6 });
    expect(counts('placement')).toEqual({ corners: 10, farthest: 10, random: 10 });
    expect(Object.values(counts('path')).reduce((a, b) => a + b, 0)).toBe(30);
    expect(report.groups[0].perSegment).toHaveLength(2);
    expect(report.groups[0].atHalt).toHaveProperty('exact');

    const text = await runHrm('eval', '--checkpoint', ckpt, '--size', '15');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/exact by group:/);
    expect(text.out).toMatch(/^group\s+count\s+segment 1\s+segment 2\s+at halt\s+segments$/m);
    expect(text.out).toMatch(/^generator prim\s+3\s+\d\.\d{4}\s+\d\.\d{4}\s+\d\.\d{4}\s+\d\.\d\d$/m);
    expect(text.out).toMatch(/^placement corners\s+5\s/m);
  });

  it('--halt-margin moves where ACT halts: never (the last segment) or at once (the first)', async () => {
    type Report = { perSegment: { exact: number; token: number }[]; atHalt: { token: number }; haltSegment: number };
    const at = async (margin: string) => {
      // `=`: a value that starts with '-' would read as a flag.
      const r = await runHrm('eval', '--checkpoint', ckpt, '--size', '15', `--halt-margin=${margin}`, '--json');
      expect(r.code).toBe(0);
      return lastJson(r.out) as Report & { haltMargin: number };
    };
    const late = await at('100');
    expect(late.haltMargin).toBe(100);
    expect(late.haltSegment).toBe(2);
    expect(late.atHalt.token).toBe(late.perSegment[1]?.token);
    const early = await at('-100');
    expect(early.haltSegment).toBe(1);
    expect(early.atHalt.token).toBe(early.perSegment[0]?.token);
    const wide = await runHrm('eval', '--checkpoint', ckpt, '--halt-margin', '1e9');
    expect(wide.code).toBe(2);
    expect(wide.err).toMatch(/--halt-margin must be at most 100/);
  });

  it('--on scores the model on another task of the same size, and refuses one of another size', async () => {
    const on = await runHrm('eval', '--checkpoint', ckpt, '--size', '12', '--on', 'maze9', '--json');
    expect(on.code).toBe(0);
    const report = lastJson(on.out) as { task: string; groups: { group: string }[] };
    expect(report.task).toBe('maze9');
    // One carver and one placement: only the path lengths vary.
    expect(new Set(report.groups.map((g) => g.group))).toEqual(new Set(['path']));
    const sudoku = await runHrm('eval', '--checkpoint', ckpt, '--size', '12', '--on', 'sudoku4');
    expect(sudoku.code).toBe(2);
    expect(sudoku.err).toMatch(/a maze9-mix model cannot be scored on sudoku4/);
    const chess = await runHrm('eval', '--checkpoint', ckpt, '--on', 'chess');
    expect(chess.code).toBe(2);
    expect(chess.err).toMatch(/unknown task 'chess'/);
  });
});
