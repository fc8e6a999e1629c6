/** The three-level example trains from the public API alone and learns: blank cells above chance (1/6). */
import { describe, expect, it } from 'vitest';
import { trainThreeLevel } from './three-level.js';

describe('the three-level example (H, M, L on 6x6 Sudoku)', () => {
  it('fills blank cells well above chance after 120 steps', async () => {
    const metrics = await trainThreeLevel(120);
    // Guessing a digit is right 1 time in 6; 500 puzzles of 14-26 blanks make the noise around it ~0.5%,
    // so 0.19 is far above chance (it reaches ~0.21 at 120 steps and ~0.27 at 150).
    expect(metrics.blank).toBeGreaterThan(0.19);
  }, 120_000);
});
