import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import {
  applyColours,
  colourPermString,
  IDENTITY_COLOURS,
  invertColourPerm,
  isColourPerm,
  parseColourPerm,
  randomColourPerm,
} from './colours.js';

describe('ARC colour permutations', () => {
  it('keep black, permute 1-9, and are undone by their inverse', () => {
    const rng = createRng(3);
    const grid = [
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ];
    for (let t = 0; t < 50; t++) {
      const p = randomColourPerm(rng);
      expect(isColourPerm(p)).toBe(true);
      const out = applyColours(p, grid);
      expect(out[0][0]).toBe(0);
      expect(out.flat().sort()).toEqual(grid.flat());
      expect(applyColours(invertColourPerm(p), out)).toEqual(grid);
      expect(parseColourPerm(colourPermString(p))).toEqual(p);
    }
  });

  it('reads and writes the 10-digit form, rejecting strings that are not such a permutation', () => {
    expect(colourPermString(IDENTITY_COLOURS)).toBe('0123456789');
    expect(parseColourPerm('0213456789')).toEqual([0, 2, 1, 3, 4, 5, 6, 7, 8, 9]);
    expect(parseColourPerm('1023456789')).toBeUndefined();
    expect(parseColourPerm('0113456789')).toBeUndefined();
    expect(parseColourPerm('012345678')).toBeUndefined();
  });
});
