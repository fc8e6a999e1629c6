/**
 * Random mazes with a start, a goal and an optimal path.
 *
 * Carving is the depth-first "recursive backtracker": rooms sit at odd (row, col) positions, walls
 * between them are knocked out along a random depth-first walk, which gives a *perfect* maze (exactly
 * one path between any two cells, long winding corridors). Odd sizes use the whole grid with a wall
 * border; for an even size the last row or column stays wall. `extraOpenings` then removes that many
 * more walls between rooms, making loops, so that S and G can have several shortest paths (as in
 * Maze-Hard, which has millions).
 *
 * S and G are open cells: with `placement: 'farthest'` (default) S is the far end of a BFS sweep from
 * a random cell and G the cell farthest from S (for a perfect maze that is a longest path, a diameter);
 * with `'random'` G is any cell at least `minPathLength` away. A maze whose S and G are closer than
 * `minPathLength` is discarded and another one carved, up to `attempts` times.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Rng, shuffled } from '../rng.js';
import { distancesFrom, shortestPath } from './bfs.js';
import { GOAL, type Maze, OPEN, PATH, START, WALL, withCells } from './grid.js';

/** What `generateMaze` makes: the size, how many loops to open, and how S and G are placed. */
export interface MazeOptions {
  readonly height: number;
  readonly width: number;
  /** Walls between rooms to remove after carving (default 0: a perfect maze). */
  readonly extraOpenings?: number;
  /** Fewest steps from S to G (default 1). */
  readonly minPathLength?: number;
  readonly placement?: 'farthest' | 'random';
  /** Mazes to carve before giving up on `minPathLength` (default 20). */
  readonly attempts?: number;
}

/** A generated maze item: the question, its answer, and the length of the marked path. */
export interface GeneratedMaze {
  readonly question: Maze;
  /** The question with one shortest path's cells (between S and G) marked `o`. */
  readonly answer: Maze;
  /** Steps from S to G along a shortest path. */
  readonly pathLength: number;
}

/** A perfect maze by depth-first carving, plus `extra` walls between rooms removed. */
export function carveMaze(height: number, width: number, extra: number, rng: Rng): E.Either<string, Maze> {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 3 || width < 3)
    return E.left(`maze sides must be integers >= 3, got ${height}x${width}`);
  const cells = new Array<string>(height * width).fill(WALL);
  const rooms = { rows: Math.floor((height - 1) / 2), cols: Math.floor((width - 1) / 2) };
  const at = (rr: number, rc: number) => (2 * rr + 1) * width + (2 * rc + 1);
  const visited = new Uint8Array(rooms.rows * rooms.cols);
  const stack: [number, number][] = [[rng.int(rooms.rows), rng.int(rooms.cols)]];
  visited[stack[0][0] * rooms.cols + stack[0][1]] = 1;
  cells[at(stack[0][0], stack[0][1])] = OPEN;
  while (stack.length > 0) {
    const [rr, rc] = stack[stack.length - 1];
    const next = (
      [
        [rr - 1, rc],
        [rr + 1, rc],
        [rr, rc - 1],
        [rr, rc + 1],
      ] as [number, number][]
    ).filter(([a, b]) => a >= 0 && a < rooms.rows && b >= 0 && b < rooms.cols && !visited[a * rooms.cols + b]);
    if (next.length === 0) {
      stack.pop();
      continue;
    }
    const [a, b] = next[rng.int(next.length)];
    visited[a * rooms.cols + b] = 1;
    // The wall between two rooms is at the midpoint of their grid positions.
    cells[(rr + a + 1) * width + (rc + b + 1)] = OPEN;
    cells[at(a, b)] = OPEN;
    stack.push([a, b]);
  }
  if (extra > 0) {
    const walls: number[] = [];
    for (let r = 1; r < 2 * rooms.rows; r++)
      for (let c = 1; c < 2 * rooms.cols; c++)
        // Between two rooms: one coordinate odd (inside a room row/column), the other even.
        if (r % 2 !== c % 2 && cells[r * width + c] === WALL) walls.push(r * width + c);
    if (extra > walls.length)
      return E.left(`extraOpenings ${extra} is more than the ${walls.length} walls between rooms`);
    for (const w of shuffled(rng, walls).slice(0, extra)) cells[w] = OPEN;
  }
  return E.right({ height, width, cells: cells.join('') });
}

function farthest(dist: Int32Array, rng: Rng): number {
  let best = 0;
  for (let i = 0; i < dist.length; i++) if (dist[i] > best) best = dist[i];
  const ties: number[] = [];
  for (let i = 0; i < dist.length; i++) if (dist[i] === best) ties.push(i);
  return ties[rng.int(ties.length)];
}

/** S and G for a carved maze under the options, with their distance (possibly below `minLength`). */
function placeEnds(maze: Maze, rng: Rng, placement: 'farthest' | 'random', minLength: number) {
  const open: number[] = [];
  for (let i = 0; i < maze.cells.length; i++) if (maze.cells[i] !== WALL) open.push(i);
  const seed = open[rng.int(open.length)];
  if (placement === 'farthest') {
    const start = farthest(distancesFrom(maze, seed), rng);
    const dist = distancesFrom(maze, start);
    const goal = farthest(dist, rng);
    return { start, goal, distance: dist[goal] };
  }
  const dist = distancesFrom(maze, seed);
  const far = open.filter((c) => dist[c] >= minLength);
  const goal = far.length > 0 ? far[rng.int(far.length)] : farthest(dist, rng);
  return { start: seed, goal, distance: dist[goal] };
}

/**
 * A random maze with S, G and a shortest path between them marked, drawn from `rng`. Left when the sides
 * are not integers of at least 3, or when no maze in `attempts` has S and G `minPathLength` apart.
 */
export function generateMaze(rng: Rng, opts: MazeOptions): E.Either<string, GeneratedMaze> {
  const minLength = Math.max(1, opts.minPathLength ?? 1);
  const attempts = opts.attempts ?? 20;
  let longest = 0;
  for (let a = 0; a < attempts; a++) {
    const carved = carveMaze(opts.height, opts.width, opts.extraOpenings ?? 0, rng);
    if (E.isLeft(carved)) return carved;
    const ends = placeEnds(carved.right, rng, opts.placement ?? 'farthest', minLength);
    longest = Math.max(longest, ends.distance);
    if (ends.distance < minLength) continue;
    const question = withCells(withCells(carved.right, [ends.start], START), [ends.goal], GOAL);
    const path = shortestPath(question, ends.start, ends.goal);
    // S and G were picked among cells BFS reached from each other, so a path exists.
    if (!path) throw new Error('generateMaze: S cannot reach G');
    return E.right({
      question,
      answer: withCells(question, path.slice(1, -1), PATH),
      pathLength: path.length - 1,
    });
  }
  return E.left(
    `no ${opts.height}x${opts.width} maze with S and G ${minLength} steps apart in ${attempts} attempts (longest reached: ${longest})`,
  );
}
