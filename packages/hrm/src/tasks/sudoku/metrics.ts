/**
 * Sudoku scores over token sequences (HRM's encoding), each a fraction in [0, 1]:
 * - exact: the whole predicted grid equals the solution (HRM's `exact_accuracy`);
 * - cell: cells right over all cells (HRM's token `accuracy`). Copying the givens is free, so this is
 *   high even for a model that solves nothing: with 17–25 givens of 81, copying alone scores 21–31%;
 * - blank: cells right over the cells that were blank in the input, the part that takes reasoning.
 */
import { SUDOKU_BLANK } from './encoding.js';

/** One Sudoku to score, all as tokens of the same length. */
export interface SudokuScored {
  /** Encoded puzzle (blank = 1). */
  readonly inputs: readonly number[];
  /** Encoded solution. */
  readonly labels: readonly number[];
  /** Predicted tokens, e.g. the argmax of the logits. */
  readonly prediction: readonly number[];
}

/**
 * Sudoku scores over `count` items, as fractions in [0, 1]: `exact` whole grids right, `cell` cells right
 * of all cells (givens included, so copying them alone scores), `blank` cells right of those blank in the input.
 */
export interface SudokuMetrics {
  readonly count: number;
  readonly exact: number;
  readonly cell: number;
  readonly blank: number;
}

/** Scores predictions against their solutions; throws when an item's inputs, labels and prediction differ in length. */
export function sudokuMetrics(items: readonly SudokuScored[]): SudokuMetrics {
  let exact = 0;
  let cells = 0;
  let cellsRight = 0;
  let blanks = 0;
  let blanksRight = 0;
  for (const [k, { inputs, labels, prediction }] of items.entries()) {
    if (inputs.length !== labels.length || prediction.length !== labels.length)
      throw new RangeError(
        `sudokuMetrics: item ${k} has ${inputs.length} inputs, ${labels.length} labels, ${prediction.length} predictions`,
      );
    let allRight = true;
    for (let i = 0; i < labels.length; i++) {
      const right = prediction[i] === labels[i];
      allRight &&= right;
      cells++;
      if (right) cellsRight++;
      if (inputs[i] === SUDOKU_BLANK) {
        blanks++;
        if (right) blanksRight++;
      }
    }
    if (allRight) exact++;
  }
  const frac = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return {
    count: items.length,
    exact: frac(exact, items.length),
    cell: frac(cellsRight, cells),
    blank: frac(blanksRight, blanks),
  };
}
