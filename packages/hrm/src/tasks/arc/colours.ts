/**
 * Colour permutations as HRM draws them for ARC: black (0) stays, colours 1–9 are shuffled. A
 * permutation is a list of 10 where `perm[old] = new`, written in puzzle names as its 10 digits (the
 * reference's `''.join(str(x) for x in mapping)`).
 */
import { invertPermutation, isPermutation, type Rng, randomPermutation } from '../rng.js';
import type { ArcGrid } from './types.js';

/** A permutation of the 10 ARC colours, `perm[old] = new`, with black (0) fixed. */
export type ColourPerm = readonly number[];

/** The permutation that leaves every colour as it is. */
export const IDENTITY_COLOURS: ColourPerm = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

export function isColourPerm(p: readonly number[]): boolean {
  return p.length === 10 && p[0] === 0 && isPermutation(p);
}

/** A uniformly random permutation of colours 1–9, black kept, as HRM draws them. */
export function randomColourPerm(rng: Rng): ColourPerm {
  return [0, ...randomPermutation(rng, 9).map((c) => c + 1)];
}

/** The permutation that undoes `p`. */
export function invertColourPerm(p: ColourPerm): ColourPerm {
  return invertPermutation(p);
}

/** A copy of `grid` with each cell's colour `v` replaced by `p[v]`. */
export function applyColours(p: ColourPerm, grid: ArcGrid): number[][] {
  return grid.map((row) => row.map((v) => p[v]));
}

export function colourPermString(p: ColourPerm): string {
  return p.join('');
}

/** The permutation a 10-digit string names, or undefined when it is not one that keeps 0. */
export function parseColourPerm(s: string): ColourPerm | undefined {
  if (!/^[0-9]{10}$/.test(s)) return undefined;
  const p = Array.from(s, Number);
  return isColourPerm(p) ? p : undefined;
}
