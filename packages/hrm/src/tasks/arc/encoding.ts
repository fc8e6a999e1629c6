/**
 * HRM's ARC tokens (`build_arc_dataset.py: np_grid_to_seq_translational_augment`): a 30x30 canvas,
 * PAD = 0, EOS = 1, colour k = k + 2 (vocab 12, seq 900). The grid sits at a top-left offset; an EOS
 * row lies just below it across the grid's columns and an EOS column just right of it across its rows,
 * each only when it falls inside the canvas (the corner cell between them stays PAD). Input and output
 * share the offset. PAD labels are ignored by the loss, so it covers the grid and its EOS border.
 *
 * Decoding is the reference `crop` (`arc_eval.ipynb`, TRM's `evaluators/arc.py`): the largest
 * rectangle anchored at the top-left whose cells are all colours, found by scanning rows and
 * shrinking the width at the first non-colour token.
 */
import type { Rng } from '../rng.js';
import { ARC_MAX_SIDE, type ArcGrid } from './types.js';

/** The token of canvas cells outside the grid and its border; ignored as a label. */
export const ARC_PAD = 0;
/** The token of the border just below and just right of a grid, which marks its size. */
export const ARC_EOS = 1;
/** Tokens in all: PAD, EOS and the 10 colours (colour k is token k + 2). */
export const ARC_VOCAB_SIZE = 12;
/** Tokens per example: the 30x30 canvas, row by row. */
export const ARC_SEQ_LEN = ARC_MAX_SIDE * ARC_MAX_SIDE;

/** A grid's top-left corner on the canvas, in cells. */
export type Offset = readonly [row: number, col: number];

/** One grid on the canvas at `offset`, with its EOS border. */
export function encodeArcGrid(grid: ArcGrid, offset: Offset = [0, 0]): number[] {
  const n = ARC_MAX_SIDE;
  const [r0, c0] = offset;
  const h = grid.length;
  const w = h === 0 ? 0 : grid[0].length;
  if (r0 < 0 || c0 < 0 || r0 + h > n || c0 + w > n)
    throw new RangeError(`encodeArcGrid: a ${h}x${w} grid at (${r0}, ${c0}) does not fit the ${n}x${n} canvas`);
  const out = new Array<number>(n * n).fill(ARC_PAD);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) out[(r0 + r) * n + c0 + c] = grid[r][c] + 2;
  if (r0 + h < n) for (let c = c0; c < c0 + w; c++) out[(r0 + h) * n + c] = ARC_EOS;
  if (c0 + w < n) for (let r = r0; r < r0 + h; r++) out[r * n + c0 + w] = ARC_EOS;
  return out;
}

/** A pair at a shared offset. Without an output (a hidden test input) the labels are all PAD (ignored). */
export function encodeArcPair(
  input: ArcGrid,
  output: ArcGrid | undefined,
  offset: Offset = [0, 0],
): { inputs: number[]; labels: number[] } {
  return {
    inputs: encodeArcGrid(input, offset),
    labels: output === undefined ? new Array<number>(ARC_SEQ_LEN).fill(ARC_PAD) : encodeArcGrid(output, offset),
  };
}

/** A uniformly random offset at which both grids fit, as the reference draws it. */
export function randomArcOffset(rng: Rng, input: ArcGrid, output: ArcGrid | undefined): Offset {
  const grids = output === undefined ? [input] : [input, output];
  const h = Math.max(...grids.map((g) => g.length));
  const w = Math.max(...grids.map((g) => (g.length === 0 ? 0 : g[0].length)));
  return [rng.int(ARC_MAX_SIDE - h + 1), rng.int(ARC_MAX_SIDE - w + 1)];
}

/**
 * The grid a token canvas holds, by the reference's crop from `origin` (default the top-left, where
 * test examples sit). May be empty, when the first token is not a colour.
 */
export function cropArcTokens(tokens: readonly number[], origin: Offset = [0, 0]): number[][] {
  const n = ARC_MAX_SIDE;
  if (tokens.length !== n * n) throw new RangeError(`cropArcTokens: ${tokens.length} tokens, expected ${n * n}`);
  const [r0, c0] = origin;
  const isColour = (x: number) => x >= 2 && x <= 11;
  let bestArea = 0;
  let best: [number, number] = [0, 0];
  let cols = n - c0;
  for (let rows = 1; rows <= n - r0; rows++) {
    for (let c = 1; c <= cols; c++)
      if (!isColour(tokens[(r0 + rows - 1) * n + c0 + c - 1])) {
        cols = c - 1;
        break;
      }
    if (rows * cols > bestArea) {
      bestArea = rows * cols;
      best = [rows, cols];
    }
  }
  return Array.from({ length: best[0] }, (_, r) =>
    Array.from({ length: best[1] }, (_, c) => tokens[(r0 + r) * n + c0 + c] - 2),
  );
}
