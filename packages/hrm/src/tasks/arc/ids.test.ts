import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { IDENTITY_AUGMENTATION } from './augment.js';
import { arcPuzzleName, BLANK_PUZZLE_NAME, PuzzleIdRegistry, parseArcPuzzleName } from './ids.js';

describe('ARC puzzle ids', () => {
  it('names a (task, augmentation) and reads the name back', () => {
    const aug = { dihedral: 3 as const, colours: [0, 2, 7, 1, 9, 3, 5, 8, 4, 6] };
    expect(arcPuzzleName('007bbfb7', aug)).toBe('007bbfb7|t3|0271935846');
    expect(arcPuzzleName('x', IDENTITY_AUGMENTATION)).toBe('x|t0|0123456789');
    expect(parseArcPuzzleName('007bbfb7|t3|0271935846')).toEqual(E.right({ taskId: '007bbfb7', aug }));
    expect(parseArcPuzzleName('a|b|t0|0123456789')).toEqual(E.right({ taskId: 'a|b', aug: IDENTITY_AUGMENTATION }));
  });

  it('says why a name is not a puzzle name', () => {
    expect(parseArcPuzzleName('007bbfb7')).toEqual(
      E.left('puzzle name "007bbfb7" is not <task>|t<k>|<10 colour digits>'),
    );
    expect(parseArcPuzzleName('x|t8|0123456789')).toEqual(
      E.left('puzzle name "x|t8|0123456789": transform t8 is not 0-7'),
    );
    expect(parseArcPuzzleName('x|t1|1023456789')).toEqual(
      E.left('puzzle name "x|t1|1023456789": 1023456789 is not a colour permutation keeping 0'),
    );
  });

  it('reserves 0 for the blank and numbers names from 1 in first-seen order', () => {
    const reg = new PuzzleIdRegistry();
    expect(reg.lookup(BLANK_PUZZLE_NAME)).toBe(0);
    expect([reg.idOf('a'), reg.idOf('b'), reg.idOf('a')]).toEqual([1, 2, 1]);
    expect(reg.lookup('c')).toBeUndefined();
    expect(reg.size).toBe(3);
    expect(reg.nameOf(2)).toBe('b');
    expect(reg.nameOf(0)).toBe(BLANK_PUZZLE_NAME);
    expect(reg.toNames()).toEqual([BLANK_PUZZLE_NAME, 'a', 'b']);
  });

  it('continues from a saved list and rejects a broken one', () => {
    const r = PuzzleIdRegistry.fromNames([BLANK_PUZZLE_NAME, 'a', 'b']);
    if (E.isLeft(r)) throw new Error(r.left);
    expect([r.right.lookup('b'), r.right.idOf('c')]).toEqual([2, 3]);
    expect(PuzzleIdRegistry.fromNames(['a'])).toEqual(E.left('entry 0 must be <blank>, got "a"'));
    expect(PuzzleIdRegistry.fromNames([BLANK_PUZZLE_NAME, 'a', 'a'])).toEqual(
      E.left('name "a" appears twice (ids 1 and 2)'),
    );
  });
});
