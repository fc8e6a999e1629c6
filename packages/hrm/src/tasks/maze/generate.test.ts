import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { countShortestPaths, distancesFrom } from './bfs.js';
import { CARVER_NAMES } from './carvers.js';
import { checkPath, checkQuestion } from './check.js';
import { carveMaze, generateMaze, PLACEMENTS } from './generate.js';
import { type Maze, mazeRows, neighbours, WALL } from './grid.js';

/** Open cells and the edges between them: a maze is perfect (a tree) when edges = cells - 1 and all connect. */
function graphSize(m: Maze): { cells: number; edges: number; connected: boolean } {
  let cells = 0;
  let edges = 0;
  let first = -1;
  for (let i = 0; i < m.cells.length; i++) {
    if (m.cells[i] === WALL) continue;
    cells++;
    if (first < 0) first = i;
    edges += neighbours(m, i).filter((nb) => nb > i && m.cells[nb] !== WALL).length;
  }
  const reached = Array.from(distancesFrom(m, first)).filter((d) => d >= 0).length;
  return { cells, edges, connected: reached === cells };
}

/**
 * Checks that a generated maze is perfect (connected, a tree) and that its answer is a valid path of
 * its `pathLength` from S to G; returns S, G and every open cell's distance from S.
 */
function expectPerfectWithPath(r: ReturnType<typeof generateMaze>) {
  if (E.isLeft(r)) throw new Error(r.left);
  const { question, answer, pathLength } = r.right;
  const g = graphSize(question);
  expect(g.connected).toBe(true);
  expect(g.edges).toBe(g.cells - 1);
  const ends = checkQuestion(question);
  if (E.isLeft(ends)) throw new Error(ends.left);
  expect(checkPath(question, answer, ends.right)).toEqual(E.right(pathLength));
  return { question, pathLength, ...ends.right, dist: distancesFrom(question, ends.right.start) };
}

describe('maze generator', () => {
  it.each([9, 11, 13])('carves perfect %ix%i mazes with a far-apart S and G and an optimal path', (n) => {
    const rng = createRng(n);
    for (let t = 0; t < 5; t++) {
      const { question, pathLength, start, goal, dist } = expectPerfectWithPath(
        generateMaze(rng, { height: n, width: n }),
      );
      expect(dist[goal]).toBe(pathLength);
      // 'farthest' placement: G is as far from S as any cell is.
      expect(Math.max(...dist)).toBe(pathLength);
      expect(countShortestPaths(question, start, goal)).toBe(1);
    }
  });

  it('knocks out extra walls so that several shortest paths appear', () => {
    const rng = createRng(7);
    let several = 0;
    for (let t = 0; t < 10; t++) {
      const r = generateMaze(rng, { height: 13, width: 13, extraOpenings: 12, placement: 'random', minPathLength: 10 });
      if (E.isLeft(r)) throw new Error(r.left);
      const { question, answer, pathLength } = r.right;
      const g = graphSize(question);
      expect(g.edges).toBe(g.cells - 1 + 12);
      const ends = checkQuestion(question);
      if (E.isLeft(ends)) throw new Error(ends.left);
      expect(checkPath(question, answer, ends.right)).toEqual(E.right(pathLength));
      expect(pathLength).toBeGreaterThanOrEqual(10);
      expect(distancesFrom(question, ends.right.start)[ends.right.goal]).toBe(pathLength);
      if (countShortestPaths(question, ends.right.start, ends.right.goal) > 1) several++;
    }
    expect(several).toBeGreaterThan(0);
  });

  it('handles even sizes by leaving the last row and column as wall', () => {
    const r = carveMaze(10, 8, 0, createRng(1));
    if (E.isLeft(r)) throw new Error(r.left);
    const rows = Array.from({ length: 10 }, (_, i) => r.right.cells.slice(i * 8, i * 8 + 8));
    expect(rows[9]).toBe('########');
    expect(rows.every((row) => row[7] === '#')).toBe(true);
    expect(graphSize(r.right).connected).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const make = (seed: number) => generateMaze(createRng(seed), { height: 11, width: 11, extraOpenings: 3 });
    expect(make(5)).toEqual(make(5));
    expect(make(5)).not.toEqual(make(6));
  });

  it('says when it cannot do what was asked', () => {
    expect(generateMaze(createRng(1), { height: 9, width: 9, minPathLength: 500, attempts: 3 })).toEqual(
      E.left(
        expect.stringMatching(/^no 9x9 maze with S and G 500 steps apart in 3 attempts \(longest reached: \d+\)$/),
      ),
    );
    expect(generateMaze(createRng(1), { height: 2, width: 9 })).toEqual(
      E.left('maze sides must be integers >= 3, got 2x9'),
    );
    expect(generateMaze(createRng(1), { height: 5, width: 5, extraOpenings: 9 })).toEqual(
      E.left('extraOpenings 9 is more than the 1 walls between rooms'),
    );
  });

  it('keeps the mazes of a seed as they were before carvers and placements were added', () => {
    // Committed checkpoints and their evaluation sets are drawn with the defaults: they must not move.
    const r = generateMaze(createRng(0), { height: 9, width: 9 });
    if (E.isLeft(r)) throw new Error(r.left);
    expect(mazeRows(r.right.answer)).toEqual([
      '#########',
      '#ooS#ooo#',
      '#o###o#o#',
      '#ooooo#o#',
      '# #####o#',
      '#   #ooo#',
      '#####o# #',
      '#Goooo# #',
      '#########',
    ]);
    const random = generateMaze(createRng(0), { height: 9, width: 9, placement: 'random', minPathLength: 2 });
    if (E.isLeft(random)) throw new Error(random.left);
    expect(mazeRows(random.right.answer)).toEqual([
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

  it.each(CARVER_NAMES.flatMap((carver) => PLACEMENTS.map((placement) => [carver, placement] as const)))(
    'carves with %s and places S and G by %s: a perfect maze with its unique shortest path',
    (carver, placement) => {
      const rng = createRng(3);
      for (let t = 0; t < 5; t++) {
        const { pathLength, start, goal, dist } = expectPerfectWithPath(
          generateMaze(rng, { height: 9, width: 11, carver, placement, minPathLength: 2 }),
        );
        expect(pathLength).toBeGreaterThanOrEqual(2);
        if (placement === 'farthest') expect(Math.max(...dist)).toBe(pathLength);
        if (placement === 'corners') {
          // Rooms of opposite corners of the 4x5 room lattice: (1, 1) and (7, 9), or (1, 9) and (7, 1).
          const corners = [1 * 11 + 1, 1 * 11 + 9, 7 * 11 + 1, 7 * 11 + 9];
          expect(corners).toContain(start);
          expect(corners.indexOf(goal)).toBe(3 - corners.indexOf(start));
        }
      }
    },
  );

  it('corner placement uses both diagonals, either way round', () => {
    const rng = createRng(9);
    const seen = new Set<string>();
    for (let t = 0; t < 40; t++) {
      const r = generateMaze(rng, { height: 9, width: 9, placement: 'corners', carver: 'kruskal' });
      if (E.isLeft(r)) throw new Error(r.left);
      const ends = checkQuestion(r.right.question);
      if (E.isLeft(ends)) throw new Error(ends.left);
      seen.add(`${ends.right.start}-${ends.right.goal}`);
    }
    expect([...seen].sort()).toEqual(['10-70', '16-64', '64-16', '70-10']);
  });

  it('a carver changes the maze, not the S/G rule or the size', () => {
    const a = generateMaze(createRng(4), { height: 9, width: 9, carver: 'backtracker' });
    const b = generateMaze(createRng(4), { height: 9, width: 9 });
    const c = generateMaze(createRng(4), { height: 9, width: 9, carver: 'prim' });
    expect(a).toEqual(b);
    expect(c).not.toEqual(b);
  });
});
