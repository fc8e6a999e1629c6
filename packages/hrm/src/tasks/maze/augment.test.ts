import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { DIHEDRAL_IDS } from '../dihedral.js';
import { createRng } from '../rng.js';
import { dihedralMaze, inverseDihedralMaze } from './augment.js';
import { distancesFrom } from './bfs.js';
import { checkPath, checkQuestion } from './check.js';
import { generateMaze } from './generate.js';

describe('maze dihedral augmentation', () => {
  it('keeps items valid and optimal, and its inverse restores them', () => {
    const r = generateMaze(createRng(3), { height: 9, width: 13, extraOpenings: 4 });
    if (E.isLeft(r)) throw new Error(r.left);
    const { question, answer, pathLength } = r.right;
    for (const k of DIHEDRAL_IDS) {
      const q = dihedralMaze(question, k);
      const a = dihedralMaze(answer, k);
      expect([q.height, q.width]).toEqual([1, 3, 6, 7].includes(k) ? [13, 9] : [9, 13]);
      const ends = checkQuestion(q);
      if (E.isLeft(ends)) throw new Error(ends.left);
      expect(checkPath(q, a, ends.right)).toEqual(E.right(pathLength));
      expect(distancesFrom(q, ends.right.start)[ends.right.goal]).toBe(pathLength);
      expect(inverseDihedralMaze(q, k)).toEqual(question);
      expect(inverseDihedralMaze(a, k)).toEqual(answer);
    }
  });
});
