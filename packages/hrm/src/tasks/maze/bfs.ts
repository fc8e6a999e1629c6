/**
 * Breadth-first search over the non-wall cells of a maze: distances from a cell, one shortest path,
 * and the number of shortest paths (Maze-Hard has millions per maze, which is why exact match to the
 * one labelled path understates a model that finds *a* shortest path).
 */
import { type Maze, neighbours, WALL } from './grid.js';

/** Steps from `from` to every cell; -1 for walls and unreachable cells. */
export function distancesFrom(maze: Maze, from: number): Int32Array {
  const dist = new Int32Array(maze.cells.length).fill(-1);
  if (maze.cells[from] === WALL) return dist;
  const queue = new Int32Array(maze.cells.length);
  let head = 0;
  let tail = 0;
  dist[from] = 0;
  queue[tail++] = from;
  while (head < tail) {
    const c = queue[head++];
    for (const nb of neighbours(maze, c))
      if (dist[nb] < 0 && maze.cells[nb] !== WALL) {
        dist[nb] = dist[c] + 1;
        queue[tail++] = nb;
      }
  }
  return dist;
}

/**
 * One shortest path from `from` to `to` as a list of cells including both ends, or undefined when
 * `to` cannot be reached. Walks back from `to` along decreasing distance, taking the first neighbour
 * in `neighbours` order, so the choice among equal paths is fixed.
 */
export function shortestPath(maze: Maze, from: number, to: number): number[] | undefined {
  const dist = distancesFrom(maze, from);
  if (dist[to] < 0) return undefined;
  const path = [to];
  let c = to;
  while (c !== from) {
    const prev = neighbours(maze, c).find((nb) => dist[nb] === dist[c] - 1);
    // A BFS distance d > 0 always has a neighbour at d - 1.
    if (prev === undefined) throw new Error('shortestPath: broken distance field');
    c = prev;
    path.push(c);
  }
  return path.reverse();
}

/** How many distinct shortest paths join `from` and `to` (0 if unreachable); a float past 2^53. */
export function countShortestPaths(maze: Maze, from: number, to: number): number {
  const dist = distancesFrom(maze, from);
  if (dist[to] < 0) return 0;
  const order = Array.from(dist.keys())
    .filter((c) => dist[c] >= 0)
    .sort((a, b) => dist[a] - dist[b]);
  const ways = new Float64Array(dist.length);
  ways[from] = 1;
  for (const c of order) for (const nb of neighbours(maze, c)) if (dist[nb] === dist[c] + 1) ways[nb] += ways[c];
  return ways[to];
}
