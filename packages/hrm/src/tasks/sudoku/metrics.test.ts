import { describe, expect, it } from 'vitest';
import { sudokuMetrics } from './metrics.js';

describe('sudoku metrics', () => {
  it('separates exact, all-cell and blank-cell accuracy', () => {
    // Two 4-cell toys: inputs have 2 givens (tokens >= 2) and 2 blanks (token 1) each.
    const labels = [2, 3, 4, 5];
    const inputs = [2, 3, 1, 1];
    const m = sudokuMetrics([
      { inputs, labels, prediction: [2, 3, 4, 5] },
      // Copies the givens and gets one blank wrong.
      { inputs, labels, prediction: [2, 3, 4, 2] },
    ]);
    expect(m).toEqual({ count: 2, exact: 0.5, cell: 7 / 8, blank: 3 / 4 });
  });

  it('shows how clue copying inflates cell accuracy', () => {
    const labels = [2, 3, 4, 5];
    const inputs = [2, 3, 1, 1];
    const m = sudokuMetrics([{ inputs, labels, prediction: inputs }]);
    expect(m).toEqual({ count: 1, exact: 0, cell: 0.5, blank: 0 });
  });

  it('rejects mismatched lengths and handles no items', () => {
    expect(() => sudokuMetrics([{ inputs: [1], labels: [2, 3], prediction: [2, 3] }])).toThrow(/item 0/);
    expect(sudokuMetrics([])).toEqual({ count: 0, exact: 0, cell: 0, blank: 0 });
  });
});
