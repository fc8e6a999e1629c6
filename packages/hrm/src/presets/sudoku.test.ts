/**
 * Sudoku presets' difficulty groups: `hrm eval` scores each givens bucket on its own, and the wide
 * 9x9 preset reaches down to 25 givens for the curve below what sudoku9 trains on.
 */
import { describe, expect, it } from 'vitest';
import { SUDOKU_4, SUDOKU_9 } from '../tasks/index.js';
import { presetNamed } from './index.js';
import { givensBucket } from './sudoku.js';

const givens = (inputs: readonly number[]) => inputs.filter((t) => t > 1).length;

describe('givensBucket', () => {
  it('is ceil(size / 2) counts wide, aligned to multiples of the width', () => {
    expect([24, 25, 29, 30, 34, 45].map((g) => givensBucket(g, SUDOKU_9))).toEqual([
      '20-24',
      '25-29',
      '25-29',
      '30-34',
      '30-34',
      '45-49',
    ]);
    expect([4, 5, 10].map((g) => givensBucket(g, SUDOKU_4))).toEqual(['4-5', '4-5', '10-11']);
  });
});

describe('9x9 presets', () => {
  it("group each evaluation puzzle by its givens, inside the preset's range", () => {
    for (const [name, lo, hi] of [
      ['sudoku9', 30, 45],
      ['sudoku9-wide', 25, 45],
    ] as const) {
      const preset = presetNamed(name);
      const groupsOf = preset?.groups;
      if (!preset || !groupsOf) throw new Error(`${name} has no groups`);
      const examples = preset.evalExamples(80);
      const counts = examples.map((e) => givens(e.inputs));
      expect(Math.min(...counts)).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...counts)).toBeLessThanOrEqual(hi);
      for (const e of examples) expect(groupsOf(e)).toEqual({ givens: givensBucket(givens(e.inputs), SUDOKU_9) });
      if (name === 'sudoku9-wide') expect(counts.some((g) => g < 30)).toBe(true);
    }
  });

  it('share the model shape, so a sudoku9 model can be scored on sudoku9-wide', () => {
    const [narrow, wide] = [presetNamed('sudoku9'), presetNamed('sudoku9-wide')];
    expect(wide?.model).toEqual(narrow?.model);
  });
});
