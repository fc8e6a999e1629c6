import { describe, expect, it } from 'vitest';
import { DIHEDRAL_IDS, DIHEDRAL_INVERSE, dihedral, type Grid, inverseDihedral } from './dihedral.js';

// Independent definitions from three primitives, following numpy: rot90 = flipud(transpose).
const transpose = <T>(g: Grid<T>): T[][] => (g.length === 0 ? [] : g[0].map((_, j) => g.map((row) => row[j])));
const flipud = <T>(g: Grid<T>): T[][] => [...g].reverse().map((r) => [...r]);
const fliplr = <T>(g: Grid<T>): T[][] => g.map((r) => [...r].reverse());
const rot90 = <T>(g: Grid<T>): T[][] => flipud(transpose(g));
const reference = [
  (g: Grid<number>) => g.map((r) => [...r]),
  (g: Grid<number>) => rot90(g),
  (g: Grid<number>) => rot90(rot90(g)),
  (g: Grid<number>) => rot90(rot90(rot90(g))),
  fliplr,
  flipud,
  transpose,
  (g: Grid<number>) => fliplr(rot90(g)),
];

const grid = (h: number, w: number) =>
  Array.from({ length: h }, (_, r) => Array.from({ length: w }, (_, c) => r * w + c));

describe('dihedral transforms', () => {
  it("rotate counter-clockwise as numpy's rot90 does", () => {
    expect(
      dihedral(
        [
          [1, 2],
          [3, 4],
        ],
        1,
      ),
    ).toEqual([
      [2, 4],
      [1, 3],
    ]);
    expect(dihedral([[1, 2, 3]], 7)).toEqual([[3], [2], [1]]);
  });

  it.each(DIHEDRAL_IDS)('transform %i matches its definition on square and non-square grids', (k) => {
    for (const g of [grid(3, 3), grid(2, 5), grid(4, 1)]) expect(dihedral(g, k)).toEqual(reference[k](g));
  });

  it.each(DIHEDRAL_IDS)('transform %i is a bijection undone by its inverse', (k) => {
    const g = grid(3, 4);
    const out = dihedral(g, k);
    expect(out.flat().sort((a, b) => a - b)).toEqual(g.flat());
    expect(inverseDihedral(out, k)).toEqual(g);
    expect(dihedral(out, DIHEDRAL_INVERSE[k])).toEqual(g);
  });

  it('the 8 transforms are distinct', () => {
    const g = grid(3, 3);
    expect(new Set(DIHEDRAL_IDS.map((k) => JSON.stringify(dihedral(g, k)))).size).toBe(8);
  });
});
