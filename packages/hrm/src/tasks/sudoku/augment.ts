/**
 * HRM's Sudoku augmentation (`build_sudoku_dataset.py: shuffle_sudoku`), for every box shape:
 * a permutation of the digits (blank kept), an optional transpose, then a row permutation that
 * reorders the bands and the rows inside each band, and a column permutation that does the same for
 * stacks. Applied identically to puzzle and solution, it maps valid puzzles to valid puzzles.
 *
 * Transpose turns r x c boxes into c x r boxes. For square boxes (4x4, 9x9) that is the same shape;
 * for 6x6 with 2x3 boxes the result would be a Sudoku of another kind (3x2 boxes), whose constraints
 * the model's data never has, so transpose is never drawn for non-square boxes and an augmentation
 * that asks for it is rejected.
 *
 * An augmentation is checked once when made (`makeSudokuAugmentation`, `randomSudokuAugmentation`)
 * and branded, so applying it needs no further checks.
 */
import * as E from 'fp-ts/lib/Either.js';
import { invertPermutation, isPermutation, type Rng, randomPermutation } from '../rng.js';
import { cellCount, type SudokuGrid, type SudokuShape } from './shape.js';

declare const checked: unique symbol;

/** The parts of a Sudoku augmentation, unchecked: what `makeSudokuAugmentation` takes. */
export interface SudokuAugmentationParts {
  /** `digits[d]` is the new digit for old digit d; length size + 1 with `digits[0] = 0` (blank kept). */
  readonly digits: readonly number[];
  /** Transpose before permuting (only for square boxes). */
  readonly transpose: boolean;
  /** New row i is old row `rows[i]` (after the transpose, if any). */
  readonly rows: readonly number[];
  /** New column j is old column `cols[j]`. */
  readonly cols: readonly number[];
}

/** Augmentation parts checked against a shape by `makeSudokuAugmentation`; only that function and `randomSudokuAugmentation` make one. */
export type SudokuAugmentation = SudokuAugmentationParts & {
  readonly shape: SudokuShape;
  readonly [checked]: true;
};

/** Whether `perm` moves whole blocks of `block` consecutive indices, keeping each block together. */
function respectsBlocks(perm: readonly number[], block: number): boolean {
  for (let start = 0; start < perm.length; start += block) {
    const from = Math.floor(perm[start] / block);
    for (let k = start; k < start + block; k++) if (Math.floor(perm[k] / block) !== from) return false;
  }
  return true;
}

/**
 * Checks `parts` against `shape` (a digit permutation keeping 0, transpose only for square boxes, row and
 * column permutations that keep bands and stacks together) and brands them, or says what is wrong.
 */
export function makeSudokuAugmentation(
  shape: SudokuShape,
  parts: SudokuAugmentationParts,
): E.Either<string, SudokuAugmentation> {
  const { size, boxRows, boxCols } = shape;
  const { digits, transpose, rows, cols } = parts;
  if (digits.length !== size + 1 || digits[0] !== 0 || !isPermutation(digits))
    return E.left(`digits must be a permutation of 0..${size} that keeps 0, got [${digits.join(',')}]`);
  if (transpose && boxRows !== boxCols)
    return E.left(
      `transpose turns ${boxRows}x${boxCols} boxes into ${boxCols}x${boxRows} boxes, so it is only valid for square boxes`,
    );
  if (rows.length !== size || !isPermutation(rows) || !respectsBlocks(rows, boxRows))
    return E.left(`rows must permute the bands of ${boxRows} rows and the rows inside each, got [${rows.join(',')}]`);
  if (cols.length !== size || !isPermutation(cols) || !respectsBlocks(cols, boxCols))
    return E.left(
      `cols must permute the stacks of ${boxCols} columns and the columns inside each, got [${cols.join(',')}]`,
    );
  // The brand exists only in the type: this is the one place that may attach it, after the checks.
  const aug = { digits: [...digits], transpose, rows: [...rows], cols: [...cols], shape };
  return E.right(aug as unknown as SudokuAugmentation);
}

/** A permutation of `count` blocks of `block` indices each, shuffling the blocks and inside each block. */
function blockPermutation(rng: Rng, count: number, block: number): number[] {
  return randomPermutation(rng, count).flatMap((b) => randomPermutation(rng, block).map((k) => b * block + k));
}

export interface RandomAugmentationOptions {
  /** Probability of a transpose when the boxes are square (0.5 in HRM). Ignored for non-square boxes. */
  readonly transposeProb?: number;
}

/**
 * A random augmentation as HRM draws it: digits shuffled, bands and the rows inside each shuffled, stacks
 * and their columns likewise, and a transpose with probability `transposeProb` (square boxes only).
 */
export function randomSudokuAugmentation(
  shape: SudokuShape,
  rng: Rng,
  opts: RandomAugmentationOptions = {},
): SudokuAugmentation {
  const { size, boxRows, boxCols } = shape;
  const parts: SudokuAugmentationParts = {
    digits: [0, ...randomPermutation(rng, size).map((d) => d + 1)],
    transpose: boxRows === boxCols && rng.float() < (opts.transposeProb ?? 0.5),
    rows: blockPermutation(rng, size / boxRows, boxRows),
    cols: blockPermutation(rng, size / boxCols, boxCols),
  };
  const made = makeSudokuAugmentation(shape, parts);
  // The parts are built to satisfy every check, so a Left here is a bug in this file.
  if (E.isLeft(made)) throw new Error(`randomSudokuAugmentation: ${made.left}`);
  return made.right;
}

/** For each new cell, the old cell its value comes from: a permutation of the cells. */
export function sudokuCellSource(aug: SudokuAugmentation): number[] {
  const n = aug.shape.size;
  const src = new Array<number>(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const r = aug.rows[i];
      const c = aug.cols[j];
      src[i * n + j] = aug.transpose ? c * n + r : r * n + c;
    }
  return src;
}

/** The augmentation of a grid (puzzle or solution); the grid must have the augmentation's shape. */
export function applySudokuAugmentation(aug: SudokuAugmentation, grid: SudokuGrid): number[] {
  if (grid.length !== cellCount(aug.shape))
    throw new RangeError(`applySudokuAugmentation: grid has ${grid.length} cells, expected ${cellCount(aug.shape)}`);
  return sudokuCellSource(aug).map((c) => aug.digits[grid[c]]);
}

/**
 * The augmentation that undoes `aug`. Forward, y[i][j] = D[x'[r[i]][c[j]]] with x' = x or its
 * transpose; without transpose the inverse permutes by r⁻¹ and c⁻¹, and with it, transposing again
 * swaps their roles: rows by c⁻¹, columns by r⁻¹.
 */
export function inverseSudokuAugmentation(aug: SudokuAugmentation): SudokuAugmentation {
  const rowsInv = invertPermutation(aug.rows);
  const colsInv = invertPermutation(aug.cols);
  const made = makeSudokuAugmentation(aug.shape, {
    digits: invertPermutation(aug.digits),
    transpose: aug.transpose,
    rows: aug.transpose ? colsInv : rowsInv,
    cols: aug.transpose ? rowsInv : colsInv,
  });
  if (E.isLeft(made)) throw new Error(`inverseSudokuAugmentation: ${made.left}`);
  return made.right;
}
