/**
 * The 8 symmetries of the square (the dihedral group D4) on rectangular grids, numbered as HRM's
 * `dataset/common.py: dihedral_transform`: 0 identity, 1–3 rotation by 90°·k counter-clockwise
 * (numpy's `rot90`), 4 flip left-right, 5 flip up-down, 6 transpose, 7 anti-transpose
 * (`fliplr(rot90(x))`). Shared by ARC (augmentation and voting) and Maze (optional augmentation).
 */

export type DihedralId = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** The eight transforms' ids, in order, identity first. */
export const DIHEDRAL_IDS: readonly DihedralId[] = [0, 1, 2, 3, 4, 5, 6, 7];

/** `DIHEDRAL_INVERSE[k]` undoes transform k (`DIHEDRAL_INVERSE` in `dataset/common.py`). */
export const DIHEDRAL_INVERSE: readonly DihedralId[] = [0, 3, 2, 1, 4, 5, 6, 7];

/** A rectangular grid as rows of cells. */
export type Grid<T = number> = readonly (readonly T[])[];

/** Whether `k` is the id of a transform, an integer 0–7. */
export function isDihedralId(k: number): k is DihedralId {
  return Number.isInteger(k) && k >= 0 && k <= 7;
}

/** Whether transform k swaps height and width. */
export function swapsAxes(k: DihedralId): boolean {
  return k === 1 || k === 3 || k === 6 || k === 7;
}

/**
 * Where output cell (i, j) reads from in an h x w input, for transform k. Written out from numpy's
 * definitions (rot90: out[i][j] = in[j][w-1-i]) so each case can be checked by hand.
 */
function source(k: DihedralId, h: number, w: number, i: number, j: number): [number, number] {
  switch (k) {
    case 0:
      return [i, j];
    case 1:
      return [j, w - 1 - i];
    case 2:
      return [h - 1 - i, w - 1 - j];
    case 3:
      return [h - 1 - j, i];
    case 4:
      return [i, w - 1 - j];
    case 5:
      return [h - 1 - i, j];
    case 6:
      return [j, i];
    case 7:
      return [h - 1 - j, w - 1 - i];
  }
}

/** Transform k of a rectangular grid (a new grid; the input is not touched). */
export function dihedral<T>(grid: Grid<T>, k: DihedralId): T[][] {
  const h = grid.length;
  const w = h === 0 ? 0 : grid[0].length;
  const [oh, ow] = swapsAxes(k) ? [w, h] : [h, w];
  return Array.from({ length: oh }, (_, i) =>
    Array.from({ length: ow }, (_, j) => {
      const [r, c] = source(k, h, w, i, j);
      return grid[r][c];
    }),
  );
}

/** The grid that transform k maps to `grid`: undoes `dihedral(·, k)`. */
export function inverseDihedral<T>(grid: Grid<T>, k: DihedralId): T[][] {
  return dihedral(grid, DIHEDRAL_INVERSE[k]);
}
