/**
 * Five ways to carve a perfect maze (a spanning tree of the room lattice), each leaving its own
 * fingerprint, so that a model trained on one generator can be tested on the others:
 * - `backtracker`: depth-first walk that backs up at dead ends — few dead ends, long winding corridors;
 * - `kruskal`: walls opened in random order unless they would close a loop — many short dead ends;
 * - `prim`: grows one tree by a random wall of its frontier — the most dead ends, short spiky branches;
 * - `wilson`: loop-erased random walks — every spanning tree equally likely (a uniform spanning tree);
 * - `division`: recursive division of an open field by walls with one gap — long straight walls and corridors.
 * Each returns the openings between rooms, exactly rooms - 1 of them, and draws only from `rng`.
 */
import type { Rng } from '../rng.js';
import { shuffled } from '../rng.js';
import { allWalls, type Lattice, type Opening, roomCount, roomNeighbours } from './lattice.js';

/** The carving algorithms, by name (see the module comment for what each makes). */
export const CARVER_NAMES = ['backtracker', 'kruskal', 'prim', 'wilson', 'division'] as const;
/** A carving algorithm's name. */
export type CarverName = (typeof CARVER_NAMES)[number];

/** A carving algorithm: the openings of a spanning tree of the lattice's rooms. */
export type Carver = (l: Lattice, rng: Rng) => Opening[];

/**
 * The recursive backtracker. Its random draws (a start row, a start column, then one neighbour per
 * step among the unvisited ones in up/down/left/right order) are the ones `carveMaze` has always made,
 * so mazes of a seed stay the same.
 */
function backtracker(l: Lattice, rng: Rng): Opening[] {
  const visited = new Uint8Array(roomCount(l));
  const first = rng.int(l.rows) * l.cols + rng.int(l.cols);
  const stack = [first];
  visited[first] = 1;
  const out: Opening[] = [];
  while (stack.length > 0) {
    const room = stack[stack.length - 1];
    const next = roomNeighbours(l, room).filter((nb) => !visited[nb]);
    if (next.length === 0) {
      stack.pop();
      continue;
    }
    const nb = next[rng.int(next.length)];
    visited[nb] = 1;
    out.push([room, nb]);
    stack.push(nb);
  }
  return out;
}

/** Randomised Kruskal: every wall in a random order, opened when its rooms are not yet connected (union-find). */
function kruskal(l: Lattice, rng: Rng): Opening[] {
  const parent = Array.from({ length: roomCount(l) }, (_, i) => i);
  const root = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r];
    // Path compression: later finds are near-constant time.
    let y = x;
    while (parent[y] !== r) [parent[y], y] = [r, parent[y]];
    return r;
  };
  const out: Opening[] = [];
  for (const [a, b] of shuffled(rng, allWalls(l))) {
    const [ra, rb] = [root(a), root(b)];
    if (ra === rb) continue;
    parent[ra] = rb;
    out.push([a, b]);
  }
  return out;
}

/** Randomised Prim: from a random room, repeatedly open a random wall of the frontier that leads to a new room. */
function prim(l: Lattice, rng: Rng): Opening[] {
  const inTree = new Uint8Array(roomCount(l));
  const frontier: Opening[] = [];
  const add = (room: number) => {
    inTree[room] = 1;
    for (const nb of roomNeighbours(l, room)) if (!inTree[nb]) frontier.push([room, nb]);
  };
  add(rng.int(roomCount(l)));
  const out: Opening[] = [];
  while (frontier.length > 0) {
    const i = rng.int(frontier.length);
    const wall = frontier[i];
    // Swap-remove: the frontier's order does not matter, only which wall is drawn.
    frontier[i] = frontier[frontier.length - 1];
    frontier.pop();
    if (inTree[wall[1]]) continue;
    out.push(wall);
    add(wall[1]);
  }
  return out;
}

/**
 * Wilson's algorithm: from each room outside the tree, a random walk until it meets the tree, with its
 * loops erased (only the last exit from each room is kept), added to the tree. This samples spanning
 * trees uniformly, so it is the generator with no bias of its own.
 */
function wilson(l: Lattice, rng: Rng): Opening[] {
  const n = roomCount(l);
  const inTree = new Uint8Array(n);
  const exit = new Int32Array(n);
  inTree[rng.int(n)] = 1;
  const out: Opening[] = [];
  for (const start of shuffled(
    rng,
    Array.from({ length: n }, (_, i) => i),
  )) {
    let room = start;
    while (!inTree[room]) {
      const nbs = roomNeighbours(l, room);
      exit[room] = nbs[rng.int(nbs.length)];
      room = exit[room];
    }
    for (room = start; !inTree[room]; room = exit[room]) {
      inTree[room] = 1;
      out.push([room, exit[room]]);
    }
  }
  return out;
}

/**
 * Recursive division: an open field of rooms is split by a wall with one gap, across its longer side
 * (either way when square), and each half is split again down to single rooms. In room terms a split
 * joins its two halves by the one gap and nothing else, so the gaps are the openings (one per split,
 * rooms - 1 in all), and a strip one room wide, split crosswise again and again, becomes a straight corridor.
 */
function division(l: Lattice, rng: Rng): Opening[] {
  const out: Opening[] = [];
  const todo: [number, number, number, number][] = [[0, 0, l.rows, l.cols]];
  for (let part = todo.pop(); part !== undefined; part = todo.pop()) {
    const [r0, c0, h, w] = part;
    if (h * w <= 1) continue;
    const across = h > w || (h === w && rng.int(2) === 0);
    if (across) {
      // A wall between room rows r0+k-1 and r0+k, with a gap in one column.
      const k = 1 + rng.int(h - 1);
      const c = c0 + rng.int(w);
      out.push([(r0 + k - 1) * l.cols + c, (r0 + k) * l.cols + c]);
      todo.push([r0, c0, k, w], [r0 + k, c0, h - k, w]);
    } else {
      const k = 1 + rng.int(w - 1);
      const r = r0 + rng.int(h);
      out.push([r * l.cols + c0 + k - 1, r * l.cols + c0 + k]);
      todo.push([r0, c0, h, k], [r0, c0 + k, h, w - k]);
    }
  }
  return out;
}

/** Each carver by its name. */
export const CARVERS: Readonly<Record<CarverName, Carver>> = { backtracker, kruskal, prim, wilson, division };

/** Whether `name` is one of `CARVER_NAMES` (for names from flags and files). */
export function isCarverName(name: string): name is CarverName {
  return (CARVER_NAMES as readonly string[]).includes(name);
}
