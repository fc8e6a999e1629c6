/**
 * A sequence mixer for puzzles on a square grid (mazes, Sudoku boards): each cell mixes its 3x3
 * neighbourhood (a 3x3 convolution over the grid, zeros past the border), and the prefix positions in
 * front of the grid (the puzzle embedding's, which the Q head reads) take the mean of all cells. Its
 * weights do not depend on the grid's size, so a model trained on 9x9 mazes runs on 15x15 ones; and
 * what a cell sees grows by one cell per layer, which is how a recurrent model floods a maze. The
 * attention and the token-mixing MLP see every position at once, the MLP only at one fixed size.
 */
import {
  broadcastTo,
  concat,
  type Dim,
  expandDims,
  type Key,
  matmul,
  mean,
  pad,
  reshape,
  ShapeError,
  slice,
  splitKey,
  type Tensor,
} from '@hrm/core';
import { type DimSizes, lecunNormal, sizeOfDim } from '../init.js';

/**
 * A grid mixer's weights over width `D`: `cells` `[9·D, D]` maps a cell's neighbourhood (the nine
 * cells row by row, each `D` wide) to its new value; `summary` `[D, D]` maps the mean of the cells to
 * each prefix position.
 */
export interface GridMixerParams<D extends Dim = number> {
  readonly cells: Tensor<[number, D]>;
  readonly summary: Tensor<[D, D]>;
}

/** LeCun-normal grid-mixer weights for width `hidden` (a size, or a name sized by `dims`). */
export function initGridMixer<const D extends Dim>(
  key: Key,
  hidden: D,
  opts: { readonly dims?: DimSizes } = {},
): GridMixerParams<D> {
  const dims = opts.dims ?? {};
  const width = sizeOfDim(hidden, dims, 'initGridMixer');
  const [k1, k2] = splitKey(key, 2);
  // The fan-in of `cells` is the nine neighbours' 9·D values.
  const cells = lecunNormal(k1, [9 * width, hidden], { dims });
  return { cells, summary: lecunNormal(k2, [hidden, hidden], { dims }) };
}

/** The side of the square grid after `prefix` positions of `positions`; throws when there is none. */
export function gridSide(positions: number, prefix: number): number {
  const cells = positions - prefix;
  const side = Math.round(Math.sqrt(Math.max(cells, 0)));
  if (cells <= 0 || side * side !== cells)
    throw new ShapeError(
      'gridMixer',
      `${positions} positions less ${prefix} prefix leave ${cells}, which is not a square grid of cells`,
    );
  return side;
}

/**
 * The grid mixer over `[batch, seq, hidden]` whose last `seq - prefix` positions are a square grid in
 * row-major order. Returns the mix only (the block adds the residual and normalises).
 */
export function gridMixer<B extends Dim, L extends Dim, D extends Dim>(
  p: GridMixerParams<D>,
  x: Tensor<[B, L, D]>,
  prefix: number,
): Tensor<[B, L, D]> {
  const [batch, positions, width] = x.shape as unknown as [number, number, number];
  const side = gridSide(positions, prefix);
  const cells = slice(x, 1, prefix, positions);
  const grid = pad(reshape(cells, [batch, side, side, width]), [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  // The nine shifted views side by side: one product with K = 9·D instead of nine with K = D.
  const taps: Tensor<[number, number, number, number]>[] = [];
  for (let dy = 0; dy < 3; dy++)
    for (let dx = 0; dx < 3; dx++) taps.push(slice(slice(grid, 1, dy, dy + side), 2, dx, dx + side));
  const [first, ...rest] = taps;
  const neighbourhoods = concat([first, ...rest], -1);
  const mixed = reshape(matmul(neighbourhoods, p.cells), [batch, side * side, width]);
  if (prefix === 0) return mixed as unknown as Tensor<[B, L, D]>;
  const summary = matmul(mean(cells, 1), p.summary);
  const front = broadcastTo(expandDims(summary, 1), [batch, prefix, width]);
  return concat([front, mixed], 1) as unknown as Tensor<[B, L, D]>;
}
