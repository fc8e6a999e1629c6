import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { distancesFrom } from './bfs.js';
import { CARVER_NAMES, CARVERS, type CarverName } from './carvers.js';
import { type Maze, neighbours, OPEN, WALL } from './grid.js';
import { type Lattice, latticeOf, type Opening, renderLattice, roomCell, roomCount } from './lattice.js';

/** Each room's number of openings, from the openings a carver returned. */
function degrees(l: Lattice, openings: readonly Opening[]): number[] {
  const deg = new Array<number>(roomCount(l)).fill(0);
  for (const [a, b] of openings) {
    deg[a]++;
    deg[b]++;
  }
  return deg;
}

/** Mean fraction of rooms that are dead ends (one opening), over `count` mazes of a carver. */
function deadEndFraction(name: CarverName, l: Lattice, count: number): number {
  const rng = createRng(1);
  let dead = 0;
  for (let k = 0; k < count; k++) dead += degrees(l, CARVERS[name](l, rng)).filter((d) => d === 1).length;
  return dead / (count * roomCount(l));
}

/** Whether a wall line between two room rows (or columns) runs across the whole maze with exactly one gap. */
function hasFullWallWithOneGap(m: Maze): boolean {
  const at = (r: number, c: number) => m.cells[r * m.width + c];
  for (let r = 2; r < m.height - 1; r += 2) {
    let gaps = 0;
    for (let c = 1; c < m.width - 1; c += 2) if (at(r, c) === OPEN) gaps++;
    if (gaps === 1) return true;
  }
  for (let c = 2; c < m.width - 1; c += 2) {
    let gaps = 0;
    for (let r = 1; r < m.height - 1; r += 2) if (at(r, c) === OPEN) gaps++;
    if (gaps === 1) return true;
  }
  return false;
}

/** A canonical key of the tree a carver drew, to count how often each spanning tree comes up. */
function treeKey(openings: readonly Opening[]): string {
  return openings
    .map(([a, b]) => (a < b ? `${a}-${b}` : `${b}-${a}`))
    .sort()
    .join(',');
}

describe.each(CARVER_NAMES)('carver %s', (name) => {
  it.each([
    [3, 3],
    [5, 7],
    [9, 9],
    [10, 8],
    [3, 21],
    [21, 21],
  ])('carves a spanning tree of the rooms of a %ix%i grid', (height, width) => {
    const l = latticeOf(height, width);
    const rng = createRng(height * 100 + width);
    for (let t = 0; t < 10; t++) {
      const openings = CARVERS[name](l, rng);
      // A tree on n rooms: n - 1 distinct openings between adjacent rooms, and every room reached.
      expect(openings).toHaveLength(roomCount(l) - 1);
      expect(new Set(openings.map(([a, b]) => (a < b ? `${a}-${b}` : `${b}-${a}`))).size).toBe(openings.length);
      for (const [a, b] of openings) {
        const [ra, ca, rb, cb] = [Math.floor(a / l.cols), a % l.cols, Math.floor(b / l.cols), b % l.cols];
        expect(Math.abs(ra - rb) + Math.abs(ca - cb)).toBe(1);
      }
      const maze = renderLattice(l, openings);
      const open = [...maze.cells].flatMap((c, i) => (c === WALL ? [] : [i]));
      expect(open).toHaveLength(2 * roomCount(l) - 1);
      const dist = distancesFrom(maze, roomCell(l, 0));
      expect(open.every((c) => dist[c] >= 0)).toBe(true);
      // Connected with cells - 1 edges between open cells: no loops.
      const edges = open.reduce(
        (e, c) => e + neighbours(maze, c).filter((nb) => nb > c && maze.cells[nb] !== WALL).length,
        0,
      );
      expect(edges).toBe(open.length - 1);
      // The border (and an even side's last row or column) stays wall.
      for (let i = 0; i < maze.cells.length; i++) {
        const [r, c] = [Math.floor(i / width), i % width];
        if (r === 0 || c === 0 || r >= 2 * l.rows || c >= 2 * l.cols) expect(maze.cells[i]).toBe(WALL);
      }
    }
  });

  it('is deterministic for a seed, and the seed matters', () => {
    const l = latticeOf(11, 11);
    const carve = (seed: number) => CARVERS[name](l, createRng(seed));
    expect(carve(4)).toEqual(carve(4));
    expect(treeKey(carve(4))).not.toBe(treeKey(carve(5)));
  });
});

describe('carvers differ in the mazes they make', () => {
  const l = latticeOf(21, 21);

  it('the backtracker makes far fewer dead ends than Kruskal, Prim and Wilson', () => {
    const backtracker = deadEndFraction('backtracker', l, 50);
    expect(backtracker).toBeLessThan(0.16);
    for (const other of ['kruskal', 'prim', 'wilson'] as const)
      expect(deadEndFraction(other, l, 50)).toBeGreaterThan(backtracker + 0.1);
  });

  it('Prim makes more dead ends than Kruskal', () => {
    expect(deadEndFraction('prim', l, 100)).toBeGreaterThan(deadEndFraction('kruskal', l, 100) + 0.01);
  });

  it('recursive division always leaves a wall across the whole maze with one gap (its first cut); the others rarely', () => {
    const count = (name: CarverName) => {
      const rng = createRng(2);
      let n = 0;
      for (let k = 0; k < 50; k++) if (hasFullWallWithOneGap(renderLattice(l, CARVERS[name](l, rng)))) n++;
      return n;
    };
    expect(count('division')).toBe(50);
    for (const other of ['backtracker', 'kruskal', 'prim', 'wilson'] as const) expect(count(other)).toBeLessThan(10);
  });

  it('Wilson draws every spanning tree equally often; the backtracker and Prim do not', () => {
    // A 2x3 room lattice has 15 spanning trees; chi-square with 14 degrees of freedom, 0.1% level: 36.1.
    const small = latticeOf(5, 7);
    const chiSquare = (name: CarverName) => {
      const rng = createRng(11);
      const samples = 6000;
      const counts = new Map<string, number>();
      for (let k = 0; k < samples; k++) {
        const key = treeKey(CARVERS[name](small, rng));
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const expected = samples / 15;
      const seen = [...counts.values()];
      return seen.reduce((s, x) => s + (x - expected) ** 2 / expected, 0) + (15 - seen.length) * expected;
    };
    expect(chiSquare('wilson')).toBeLessThan(36.1);
    expect(chiSquare('backtracker')).toBeGreaterThan(100);
    expect(chiSquare('prim')).toBeGreaterThan(100);
  });
});
