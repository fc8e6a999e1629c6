import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { checkPath, checkQuestion } from './check.js';
import { mazeFromRows } from './grid.js';

const Q = mazeFromRows(['S   ', '# # ', '   G']);
const ends = { start: 0, goal: 11 };
const check = (rows: string[]) => checkPath(Q, mazeFromRows(rows), ends);

describe('maze checks', () => {
  it('accepts a question and a path, returning its steps', () => {
    expect(checkQuestion(Q)).toEqual(E.right(ends));
    expect(check(['Sooo', '# #o', '   G'])).toEqual(E.right(5));
    expect(check(['So  ', '#o# ', ' ooG'])).toEqual(E.right(5));
  });

  it('says what is wrong with a question', () => {
    expect(checkQuestion(mazeFromRows(['S o', '  G']))).toEqual(
      E.left('question cell (0, 2) is "o", expected one of "# SG"'),
    );
    expect(checkQuestion(mazeFromRows(['S S', '  G']))).toEqual(E.left('question has 2 S cells, expected 1'));
    expect(checkQuestion(mazeFromRows(['S  ', '   ']))).toEqual(E.left('question has 0 G cells, expected 1'));
    expect(checkQuestion({ height: 2, width: 2, cells: 'SG' })).toEqual(
      E.left('question has 2 cells, expected 2x2 = 4'),
    );
  });

  it('says what is wrong with a path', () => {
    expect(check(['Soo#', '# #o', '   G'])).toEqual(E.left('cell (0, 3) is "#" in the answer but " " in the question'));
    expect(check(['Sooo', '#o#o', '   G'])).toEqual(E.left('path cell at (0, 1) touches 3 path cells, expected 2'));
    expect(check(['Soo ', '# # ', '   G'])).toEqual(E.left('path cell at (0, 2) touches 1 path cells, expected 2'));
    expect(check(['S   ', '# # ', '   G'])).toEqual(E.left('S at (0, 0) touches 0 path cells, expected 1'));
    const twoWide = mazeFromRows(['S    ', '     ', '    G']);
    // The path goes along the top and down the right; path cells below S give it a second way out.
    expect(checkPath(twoWide, mazeFromRows(['Soooo', 'oo  o', 'oo  G']), { start: 0, goal: 14 })).toEqual(
      E.left('S at (0, 0) touches 2 path cells, expected 1'),
    );
    expect(checkPath(twoWide, mazeFromRows(['Soooo', '    o', 'oo  G']), { start: 0, goal: 14 })).toEqual(
      E.left('path cell at (2, 0) touches 1 path cells, expected 2'),
    );
    // Degrees all fine, but a 2x2 loop sits apart from the path.
    const wide = mazeFromRows(['S   #   ', '    #   ', '   G#   ']);
    expect(checkPath(wide, mazeFromRows(['Sooo#oo ', '   o#oo ', '   G#   ']), { start: 0, goal: 19 })).toEqual(
      E.left('4 path cells are not on the path from S to G'),
    );
    expect(check(['Sooo', '# #o'])).toEqual(E.left('answer is 2x4 with 8 cells, question is 3x4'));
  });
});
