import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { countShortestPaths, distancesFrom, shortestPath } from './bfs.js';
import { carveMaze } from './generate.js';
import { type Maze, mazeFromRows, neighbours, WALL } from './grid.js';

/** Every simple path of the shortest length, by exhaustive depth-first enumeration. */
function bruteForceShortest(maze: Maze, from: number, to: number): { length: number; count: number } {
  let best = Number.POSITIVE_INFINITY;
  let count = 0;
  const seen = new Uint8Array(maze.cells.length);
  const go = (c: number, d: number): void => {
    if (d > best) return;
    if (c === to) {
      if (d < best) {
        best = d;
        count = 0;
      }
      count++;
      return;
    }
    seen[c] = 1;
    for (const nb of neighbours(maze, c)) if (!seen[nb] && maze.cells[nb] !== WALL) go(nb, d + 1);
    seen[c] = 0;
  };
  go(from, 0);
  return { length: best, count };
}

describe('maze BFS', () => {
  it('measures distances and finds a shortest path on a hand-drawn maze', () => {
    const m = mazeFromRows(['S  #', '## #', '   G']);
    const d = distancesFrom(m, 0);
    expect(Array.from(d)).toEqual([0, 1, 2, -1, -1, -1, 3, -1, 6, 5, 4, 5]);
    expect(shortestPath(m, 0, 11)).toEqual([0, 1, 2, 6, 10, 11]);
    expect(shortestPath(mazeFromRows(['S#G']), 0, 2)).toBeUndefined();
  });

  it('counts the 6 corner-to-corner shortest paths of an open 3x3 room', () => {
    const m = mazeFromRows(['   ', '   ', '   ']);
    expect(countShortestPaths(m, 0, 8)).toBe(6);
    expect(countShortestPaths(mazeFromRows(['S#G']), 0, 2)).toBe(0);
  });

  it('agrees with exhaustive search on small mazes with loops', () => {
    const rng = createRng(2);
    for (let t = 0; t < 20; t++) {
      const carved = carveMaze(7, 7, 1 + rng.int(4), rng);
      if (E.isLeft(carved)) throw new Error(carved.left);
      const m = carved.right;
      const open = Array.from(m.cells.matchAll(/ /g), (x) => x.index ?? 0);
      const a = open[rng.int(open.length)];
      const b = open[rng.int(open.length)];
      const brute = bruteForceShortest(m, a, b);
      expect(distancesFrom(m, a)[b]).toBe(brute.length);
      expect(countShortestPaths(m, a, b)).toBe(brute.count);
      expect(shortestPath(m, a, b)).toHaveLength(brute.length + 1);
    }
  });
});
