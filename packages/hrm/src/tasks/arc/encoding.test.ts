import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { ARC_EOS, ARC_PAD, cropArcTokens, encodeArcGrid, encodeArcPair, randomArcOffset } from './encoding.js';

const at = (tokens: readonly number[], r: number, c: number) => tokens[r * 30 + c];
const randomGrid = (rng: ReturnType<typeof createRng>, h: number, w: number) =>
  Array.from({ length: h }, () => Array.from({ length: w }, () => rng.int(10)));

describe('ARC encoding', () => {
  it('places colours + 2 with an EOS row below and an EOS column to the right', () => {
    const t = encodeArcGrid(
      [
        [0, 9],
        [5, 1],
      ],
      [3, 4],
    );
    expect(t).toHaveLength(900);
    expect([at(t, 3, 4), at(t, 3, 5), at(t, 4, 4), at(t, 4, 5)]).toEqual([2, 11, 7, 3]);
    // EOS below the grid's columns and right of its rows; the corner between them stays PAD.
    expect([at(t, 5, 4), at(t, 5, 5), at(t, 3, 6), at(t, 4, 6)]).toEqual([ARC_EOS, ARC_EOS, ARC_EOS, ARC_EOS]);
    expect(at(t, 5, 6)).toBe(ARC_PAD);
    expect(t.filter((x) => x === ARC_EOS)).toHaveLength(4);
    expect(t.filter((x) => x === ARC_PAD)).toHaveLength(900 - 8);
  });

  it('draws no EOS where it would fall off the canvas', () => {
    const full = encodeArcGrid(Array.from({ length: 30 }, () => new Array<number>(30).fill(3)));
    expect(full.every((x) => x === 5)).toBe(true);
    const corner = encodeArcGrid([[1]], [29, 29]);
    expect(corner.filter((x) => x !== ARC_PAD)).toEqual([3]);
    expect(() => encodeArcGrid([[1, 1]], [0, 29])).toThrow('a 1x2 grid at (0, 29) does not fit');
  });

  it('shares the offset between input and output, and leaves a missing output all PAD', () => {
    const p = encodeArcPair([[1]], [[2, 2]], [1, 1]);
    expect([at(p.inputs, 1, 1), at(p.labels, 1, 1), at(p.labels, 1, 2)]).toEqual([3, 4, 4]);
    expect(encodeArcPair([[1]], undefined).labels.every((x) => x === ARC_PAD)).toBe(true);
  });

  it('crops back exactly what it encoded, for random sizes and offsets', () => {
    const rng = createRng(8);
    for (let t = 0; t < 200; t++) {
      const g = randomGrid(rng, 1 + rng.int(30), 1 + rng.int(30));
      expect(cropArcTokens(encodeArcGrid(g))).toEqual(g);
      const off = randomArcOffset(rng, g, undefined);
      expect(cropArcTokens(encodeArcGrid(g, off), off)).toEqual(g);
    }
  });

  it("crops a messy prediction to the largest all-colour rectangle, as the reference's crop does", () => {
    const t = new Array<number>(900).fill(ARC_PAD);
    // Rows 0-1 have 4 colours then EOS; row 2 has 2 colours then EOS. Areas: 4, 8, 6 -> 2x4 wins.
    for (const [r, w] of [
      [0, 4],
      [1, 4],
      [2, 2],
    ])
      for (let c = 0; c < w; c++) t[r * 30 + c] = 2 + c;
    expect(cropArcTokens(t)).toEqual([
      [0, 1, 2, 3],
      [0, 1, 2, 3],
    ]);
    // A token above 11 (out of vocabulary) also ends a row; a non-colour first token gives an empty grid.
    t[1] = 12;
    expect(cropArcTokens(t)).toEqual([[0], [0], [0]]);
    t[0] = ARC_EOS;
    expect(cropArcTokens(t)).toEqual([]);
  });

  it('draws offsets where both grids fit, covering the whole range', () => {
    const rng = createRng(1);
    const rows = new Set<number>();
    for (let t = 0; t < 500; t++) {
      const [r, c] = randomArcOffset(rng, randomGrid(rng, 27, 3), randomGrid(rng, 2, 30));
      expect(r >= 0 && r <= 3 && c === 0).toBe(true);
      rows.add(r);
    }
    expect([...rows].sort()).toEqual([0, 1, 2, 3]);
  });
});
