/**
 * Random mazes with a start, a goal and an optimal path.
 *
 * Carving makes a *perfect* maze (exactly one path between any two cells) on the room lattice
 * (`lattice.ts`: rooms at odd positions, odd sizes use the whole grid with a wall border, an even size
 * leaves its last row or column wall) with one of the algorithms of `carvers.ts`, by default the
 * depth-first "recursive backtracker" (long winding corridors). `extraOpenings` then removes that many
 * more walls between rooms, making loops, so that S and G can have several shortest paths (as in
 * Maze-Hard, which has millions).
 *
 * S and G are open cells: with `placement: 'farthest'` (default) S is the far end of a BFS sweep from
 * a random cell and G the cell farthest from S (for a perfect maze that is a longest path, a diameter);
 * with `'random'` G is any cell at least `minPathLength` away; with `'corners'` they are the rooms of
 * two opposite corners of the lattice. A maze whose S and G are closer than `minPathLength` is
 * discarded and another one carved, up to `attempts` times.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Rng, shuffled } from '../rng.js';
import { distancesFrom, shortestPath } from './bfs.js';
import { CARVERS, type CarverName } from './carvers.js';
import { GOAL, type Maze, OPEN, PATH, START, WALL, withCells } from './grid.js';
import { latticeOf, renderLattice, roomCell } from './lattice.js';

/** The ways of placing S and G, by name (see `Placement`). */
export const PLACEMENTS = ['farthest', 'random', 'corners'] as const;
/** How S and G are chosen in a carved maze (see the module comment). */
export type Placement = (typeof PLACEMENTS)[number];

/** What `generateMaze` makes: the size, how many loops to open, and how S and G are placed. */
export interface MazeOptions {
  readonly height: number;
  readonly width: number;
  /** Walls between rooms to remove after carving (default 0: a perfect maze). */
  readonly extraOpenings?: number;
  /** Fewest steps from S to G (default 1). */
  readonly minPathLength?: number;
  readonly placement?: Placement;
  /** The carving algorithm (default `'backtracker'`, the depth-first one). */
  readonly carver?: CarverName;
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

/**
 * A perfect maze carved by `carver` (default the depth-first backtracker), plus `extra` walls between
 * rooms removed.
 */
export function carveMaze(
  height: number,
  width: number,
  extra: number,
  rng: Rng,
  carver: CarverName = 'backtracker',
): E.Either<string, Maze> {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 3 || width < 3)
    return E.left(`maze sides must be integers >= 3, got ${height}x${width}`);
  const lattice = latticeOf(height, width);
  const maze = renderLattice(lattice, CARVERS[carver](lattice, rng));
  if (extra <= 0) return E.right(maze);
  const walls: number[] = [];
  for (let r = 1; r < 2 * lattice.rows; r++)
    for (let c = 1; c < 2 * lattice.cols; c++)
      // Between two rooms: one coordinate odd (inside a room row/column), the other even.
      if (r % 2 !== c % 2 && maze.cells[r * width + c] === WALL) walls.push(r * width + c);
  if (extra > walls.length)
    return E.left(`extraOpenings ${extra} is more than the ${walls.length} walls between rooms`);
  return E.right(withCells(maze, shuffled(rng, walls).slice(0, extra), OPEN));
}

function farthest(dist: Int32Array, rng: Rng): number {
  let best = 0;
  for (let i = 0; i < dist.length; i++) if (dist[i] > best) best = dist[i];
  const ties: number[] = [];
  for (let i = 0; i < dist.length; i++) if (dist[i] === best) ties.push(i);
  return ties[rng.int(ties.length)];
}

/** S and G in opposite corner rooms: one of the two diagonals, either way round. */
function cornerEnds(maze: Maze, rng: Rng) {
  const l = latticeOf(maze.height, maze.width);
  const corners = [0, l.cols - 1, (l.rows - 1) * l.cols, l.rows * l.cols - 1].map((room) => roomCell(l, room));
  const diagonal = rng.int(2);
  const [start, goal] =
    rng.int(2) === 0 ? [corners[diagonal], corners[3 - diagonal]] : [corners[3 - diagonal], corners[diagonal]];
  return { start, goal, distance: distancesFrom(maze, start)[goal] };
}

/** S and G for a carved maze under the options, with their distance (possibly below `minLength`). */
function placeEnds(maze: Maze, rng: Rng, placement: Placement, minLength: number) {
  if (placement === 'corners') return cornerEnds(maze, rng);
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
    const carved = carveMaze(opts.height, opts.width, opts.extraOpenings ?? 0, rng, opts.carver);
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
