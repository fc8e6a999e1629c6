/**
 * The maze presets' data: maze9 draws what it drew before carvers and placements were added (its
 * committed checkpoint and evaluation set stay as they are), and maze9-mix draws from every carver and
 * placement under the dihedral transforms, with a balanced evaluation set training never draws in any
 * orientation.
 */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  checkPath,
  checkQuestion,
  createRng,
  DIHEDRAL_IDS,
  decodeMaze,
  dihedralMaze,
  distancesFrom,
  embedMaze,
  generateMaze,
  mazeRows,
} from '../tasks/index.js';
import { MAZE9, MAZE9_MIX, MAZE15_MIX } from './maze.js';
import { BACKTRACKER_ONLY, evalMazes, largestSide, trainMazes } from './maze-data.js';

const rowsOf = (tokens: readonly number[]) => mazeRows(decodeMaze(tokens, 9, 9));

/** The examples of a batch's rows (inputs and labels). */
function batchExamples(b: ReturnType<typeof MAZE9.trainBatch>): { inputs: number[]; labels: number[] }[] {
  const inputs = Array.from(b.inputs.data());
  const labels = Array.from(b.labels.data());
  return Array.from({ length: inputs.length / 81 }, (_, r) => ({
    inputs: inputs.slice(r * 81, (r + 1) * 81),
    labels: labels.slice(r * 81, (r + 1) * 81),
  }));
}

describe('maze9: the puzzles of the committed checkpoint', () => {
  it('evaluates on the mazes it always has', () => {
    const [first] = MAZE9.evalExamples(1);
    expect(rowsOf(first.labels)).toEqual([
      '#########',
      '#    G  #',
      '#####o###',
      '#   #ooo#',
      '# # ###o#',
      '# #   #o#',
      '##### #o#',
      '#   Sooo#',
      '#########',
    ]);
  });

  it('trains on the mazes it always has: the backtracker, S and G at random cells, no transforms', () => {
    const [first] = batchExamples(MAZE9.trainBatch(0, 0, 2));
    expect(rowsOf(first.labels)).toEqual([
      '#########',
      '#G  #ooo#',
      '#o###o#o#',
      '#ooooo#o#',
      '# #####o#',
      '#   #ooo#',
      '#####o# #',
      '#    S# #',
      '#########',
    ]);
  });

  it('groups its evaluation mazes by path length only (one carver, one placement)', () => {
    const groups = MAZE9.evalExamples(20).map((e) => MAZE9.groups?.(e));
    expect(groups.every((g) => g && Object.keys(g).join() === 'path')).toBe(true);
  });
});

describe('maze9-mix', () => {
  it('evaluates on every (carver, placement) pair in turn, a set whose prefixes are balanced', () => {
    const tags = MAZE9_MIX.evalExamples(45).map((e) => MAZE9_MIX.groups?.(e));
    const pairs = tags.map((t) => `${t?.generator}/${t?.placement}`);
    expect(new Set(pairs.slice(0, 15)).size).toBe(15);
    expect(pairs.slice(15, 30)).toEqual(pairs.slice(0, 15));
    expect(MAZE9_MIX.evalExamples(20)).toEqual(MAZE9_MIX.evalExamples(45).slice(0, 20));
  });

  it('evaluation mazes are what their tags say: S and G farthest apart, or in opposite corners', () => {
    for (const e of MAZE9_MIX.evalExamples(150)) {
      const q = decodeMaze(e.inputs, 9, 9);
      const ends = checkQuestion(q);
      if (E.isLeft(ends)) throw new Error(ends.left);
      const dist = distancesFrom(q, ends.right.start);
      const steps = checkPath(q, decodeMaze(e.labels, 9, 9), ends.right);
      expect(steps).toEqual(E.right(dist[ends.right.goal]));
      const placement = MAZE9_MIX.groups?.(e).placement;
      if (placement === 'farthest') expect(Math.max(...dist)).toBe(dist[ends.right.goal]);
      if (placement === 'corners') expect([10, 16, 64, 70]).toContain(ends.right.start);
    }
  });

  it('never trains on an evaluation maze, in any orientation', () => {
    const unseen = new Set<string>();
    for (const e of MAZE9_MIX.evalExamples(3000))
      for (const k of DIHEDRAL_IDS) unseen.add(dihedralMaze(decodeMaze(e.inputs, 9, 9), k).cells);
    let corners = 0;
    for (let step = 0; step < 40; step++)
      for (const e of batchExamples(MAZE9_MIX.trainBatch(0, step, 64))) {
        const q = decodeMaze(e.inputs, 9, 9);
        expect(unseen.has(q.cells)).toBe(false);
        const ends = checkQuestion(q);
        if (E.isLeft(ends)) throw new Error(ends.left);
        if ([10, 16, 64, 70].includes(ends.right.start) && [10, 16, 64, 70].includes(ends.right.goal)) corners++;
      }
    // About a third of 2,560 training mazes have S and G in opposite corners (and a few random placements).
    expect(corners).toBeGreaterThan(700);
  });

  it('is a pure function of (seed, step)', () => {
    const a = batchExamples(MAZE9_MIX.trainBatch(3, 7, 8));
    expect(batchExamples(MAZE9_MIX.trainBatch(3, 7, 8))).toEqual(a);
    expect(batchExamples(MAZE9_MIX.trainBatch(3, 8, 8))).not.toEqual(a);
  });
});

describe('maze15-mix', () => {
  it('draws 15x15 mazes of every carver, solvable and never an evaluation maze', () => {
    expect(MAZE15_MIX.model.seqLen).toBe(225);
    const examples = MAZE15_MIX.evalExamples(30);
    const groupsOf = MAZE15_MIX.groups;
    if (!groupsOf) throw new Error('no groups');
    expect(new Set(examples.map((e) => groupsOf(e).generator)).size).toBe(5);
    const unseen = new Set(examples.map((e) => decodeMaze(e.inputs, 15, 15).cells));
    const inputs = Array.from(MAZE15_MIX.trainBatch(0, 0, 16).inputs.data());
    for (let r = 0; r < 16; r++) {
      const q = decodeMaze(inputs.slice(r * 225, (r + 1) * 225), 15, 15);
      expect(unseen.has(q.cells)).toBe(false);
      expect(E.isRight(checkQuestion(q))).toBe(true);
    }
  });
});

describe('maze15-mix curriculum', () => {
  /** The walled-in box around a batch row's open cells, and whether its path is a shortest S-G path. */
  const boxesOf = (step: number, n: number) => {
    const b = MAZE15_MIX.trainBatch(0, step, n);
    const inputs = Array.from(b.inputs.data());
    const labels = Array.from(b.labels.data());
    return Array.from({ length: n }, (_, r) => {
      const q = decodeMaze(inputs.slice(r * 225, (r + 1) * 225), 15, 15);
      const a = decodeMaze(labels.slice(r * 225, (r + 1) * 225), 15, 15);
      const open = [...q.cells].flatMap((c, i) => (c === '#' ? [] : [i]));
      const rows = open.map((i) => Math.floor(i / 15));
      const cols = open.map((i) => i % 15);
      const ends = checkQuestion(q);
      if (E.isLeft(ends)) throw new Error(ends.left);
      const steps = checkPath(q, a, ends.right);
      return {
        height: Math.max(...rows) - Math.min(...rows) + 3,
        width: Math.max(...cols) - Math.min(...cols) + 3,
        top: Math.min(...rows) - 1,
        shortest: E.isRight(steps) && steps.right === distancesFrom(q, ends.right.start)[ends.right.goal],
      };
    });
  };

  it('starts on 5x5 mazes walled into the grid, grows two sides every 1,000 steps, and labels shortest paths', () => {
    const first = boxesOf(0, 32);
    expect(first.every((m) => m.height <= 5 && m.width <= 5 && m.shortest)).toBe(true);
    // Even offsets keep the rooms on the grid's lattice; more than one offset is used.
    expect(first.every((m) => m.top % 2 === 0)).toBe(true);
    expect(new Set(first.map((m) => m.top)).size).toBeGreaterThan(1);
    const curriculum = { ...BACKTRACKER_ONLY, curriculum: { smallest: 5, stepsPerSide: 1000 } };
    expect([0, 999, 1000, 2999, 5000, 90_000].map((step) => largestSide(curriculum, 15, step))).toEqual([
      5, 5, 7, 9, 15, 15,
    ]);
    const full = boxesOf(6000, 64);
    expect(full.every((m) => m.shortest)).toBe(true);
    const fullSize = full.filter((m) => m.height === 15 && m.width === 15).length;
    // Half at the full size (a binomial draw of 64: 20-44 holds with probability > 0.999), the rest smaller.
    expect(fullSize).toBeGreaterThan(20);
    expect(fullSize).toBeLessThan(44);
  });

  it('refuses to place a maze outside the grid', () => {
    expect(() => embedMaze({ height: 5, width: 5, cells: '#'.repeat(25) }, 9, 6, 0)).toThrow(/outside a 9x9 grid/);
  });
});

describe('maze mixes', () => {
  it('a mix of one carver and one placement draws what generateMaze draws, spending nothing on choices', () => {
    const rng = createRng(5);
    const direct: string[] = [];
    while (direct.length < 3) {
      const m = generateMaze(rng, { height: 9, width: 9, placement: 'random', minPathLength: 2, attempts: 50 });
      if (E.isRight(m)) direct.push(m.right.question.cells);
    }
    const mixed = evalMazes(BACKTRACKER_ONLY, 9, 2, 5, 3).map((t) => decodeMaze(t.example.inputs, 9, 9).cells);
    expect(mixed).toEqual(direct);
  });

  it('with transforms, a training maze is the maze drawn without them under one of the 8 symmetries, each of them used', () => {
    const used = new Set<number>();
    for (let seed = 0; seed < 60; seed++) {
      const mix = { carvers: ['kruskal', 'prim'], placements: ['random', 'corners'] } as const;
      const [plain] = trainMazes({ ...mix, dihedral: false }, 9, 2, seed, 1, new Set());
      const [turned] = trainMazes({ ...mix, dihedral: true }, 9, 2, seed, 1, new Set());
      const q = decodeMaze(plain.inputs, 9, 9);
      const a = decodeMaze(plain.labels, 9, 9);
      const k = DIHEDRAL_IDS.find(
        (d) =>
          dihedralMaze(q, d).cells === decodeMaze(turned.inputs, 9, 9).cells &&
          dihedralMaze(a, d).cells === decodeMaze(turned.labels, 9, 9).cells,
      );
      expect(k).toBeDefined();
      if (k !== undefined) used.add(k);
    }
    expect(used.size).toBe(8);
  });
});
