import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { findConflict, formatGrid, givenCount, isSolutionOf, isSolved, parseGrid } from './grid.js';
import { SUDOKU_4, SUDOKU_9 } from './shape.js';

const SOLVED_4 = [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1];

describe('sudoku grids', () => {
  it('parses and prints a line', () => {
    const r = parseGrid('1.3.0...........', SUDOKU_4);
    expect(r).toEqual(E.right([1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    if (E.isRight(r)) expect(formatGrid(r.right)).toBe('1.3.............');
  });

  it('says why a line is not a grid', () => {
    expect(parseGrid('123', SUDOKU_4)).toEqual(E.left('expected 16 characters, got 3'));
    expect(parseGrid('12345...........', SUDOKU_4)).toEqual(
      E.left(`bad character "5" at column 5 (expected '.' or 1-4)`),
    );
    expect(parseGrid(`${'.'.repeat(80)}x`, SUDOKU_9)).toEqual(
      E.left(`bad character "x" at column 81 (expected '.' or 1-9)`),
    );
  });

  it('finds the first duplicated digit in a row, column or box', () => {
    const row = new Array<number>(16).fill(0);
    row[0] = 2;
    row[3] = 2;
    expect(findConflict(row, SUDOKU_4)).toBe('digit 2 appears twice in row 1');
    const col = new Array<number>(16).fill(0);
    col[1] = 3;
    col[13] = 3;
    expect(findConflict(col, SUDOKU_4)).toBe('digit 3 appears twice in column 2');
    const box = new Array<number>(16).fill(0);
    box[10] = 4;
    box[15] = 4;
    expect(findConflict(box, SUDOKU_4)).toBe('digit 4 appears twice in box 4');
    expect(findConflict([5, ...new Array<number>(15).fill(0)], SUDOKU_4)).toBe('cell 1 holds 5, expected 0-4');
    expect(findConflict(SOLVED_4, SUDOKU_4)).toBeUndefined();
  });

  it('checks solutions against the givens', () => {
    expect(isSolved(SOLVED_4, SUDOKU_4)).toBe(true);
    const puzzle = SOLVED_4.map((d, i) => (i % 3 === 0 ? d : 0));
    expect(givenCount(puzzle)).toBe(6);
    expect(isSolutionOf(puzzle, SOLVED_4, SUDOKU_4)).toBe(true);
    const other = puzzle.slice();
    other[0] = 2;
    expect(isSolutionOf(other, SOLVED_4, SUDOKU_4)).toBe(false);
    expect(isSolved(puzzle, SUDOKU_4)).toBe(false);
  });
});
