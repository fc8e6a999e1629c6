/**
 * An exact Sudoku solver for 4x4, 6x6 and 9x9 grids: candidate bitmasks, constraint propagation
 * (naked singles eliminate a placed digit from the cell's peers; hidden singles place a digit that
 * fits only one cell of a row, column or box), and depth-first search on the unfilled cell with the
 * fewest candidates. It counts solutions up to a limit, so `limit: 2` tells unique from ambiguous
 * puzzles, and it can take its branching order from an `Rng` to produce random complete grids.
 *
 * Each search level copies the candidate array (81 x 16 bits) instead of undoing changes: the copy is
 * cheaper than an undo log at this size, and it keeps propagation simple.
 */
import type { Rng } from '../rng.js';
import { cellCount, checkShape, type SudokuGrid, type SudokuShape, unitTables } from './shape.js';

/** How `solveSudoku` searches: how many solutions to look for, and in what digit order. */
export interface SolveOptions {
  /** Stop after this many solutions (default 1). Use 2 to test uniqueness. */
  readonly limit?: number;
  /** Try candidate digits in a random order drawn from this generator (default: ascending). */
  readonly rng?: Rng;
}

/** What `solveSudoku` found, and how hard it had to look. */
export interface SolveResult {
  /** Solutions found, at most `limit`. */
  readonly count: number;
  /** The first solution found, if any. */
  readonly solution: SudokuGrid | undefined;
  /** True when the whole search tree was explored, so `count` is exact (not just "at least"). */
  readonly exhausted: boolean;
  /** Search nodes visited (a measure of difficulty for backtracking). */
  readonly nodes: number;
}

const POPCOUNT = new Uint8Array(1 << 9).map((_, m) => {
  let k = 0;
  for (let x = m; x; x &= x - 1) k++;
  return k;
});

/** The digit (1-based) of a mask with exactly one bit set. */
const digitOf = (bit: number): number => 32 - Math.clz32(bit);

interface FlatTables {
  readonly units: Int16Array;
  readonly peerStart: Int32Array;
  readonly peerList: Int16Array;
  /** For each cell, a bitmask of the (at most 27) units that contain it. */
  readonly unitsOfCell: Int32Array;
}

const flatCache = new Map<string, FlatTables>();

/** The unit and peer tables as flat typed arrays, built once per shape. */
function flatTables(shape: SudokuShape): FlatTables {
  const key = `${shape.size}:${shape.boxRows}x${shape.boxCols}`;
  const cached = flatCache.get(key);
  if (cached) return cached;
  const tables = unitTables(shape);
  const peerStart = new Int32Array(tables.peers.length + 1);
  tables.peers.forEach((p, i) => {
    peerStart[i + 1] = peerStart[i] + p.length;
  });
  const unitsOfCell = new Int32Array(tables.peers.length);
  tables.units.forEach((u, i) => {
    for (const c of u) unitsOfCell[c] |= 1 << i;
  });
  const flat = {
    unitsOfCell,
    units: Int16Array.from(tables.units.flatMap((u) => Array.from(u))),
    peerStart,
    peerList: Int16Array.from(tables.peers.flatMap((p) => Array.from(p))),
  };
  flatCache.set(key, flat);
  return flat;
}

class Search {
  private readonly n: number;
  private readonly cells: number;
  private readonly full: number;
  private readonly units: Int16Array;
  private readonly peerStart: Int32Array;
  private readonly peerList: Int16Array;
  private readonly unitsOfCell: Int32Array;
  private readonly cand: Uint16Array[] = [];
  private readonly done: Uint8Array[] = [];
  private readonly queue: Int16Array;
  private limit = 1;
  private rng: Rng | undefined;
  count = 0;
  nodes = 0;
  solution: number[] | undefined;

  constructor(shape: SudokuShape) {
    const flat = flatTables(shape);
    this.n = shape.size;
    this.cells = cellCount(shape);
    this.full = (1 << this.n) - 1;
    this.units = flat.units;
    this.peerStart = flat.peerStart;
    this.peerList = flat.peerList;
    this.unitsOfCell = flat.unitsOfCell;
    this.queue = new Int16Array(this.cells);
    // One candidate array per search depth; the depth is at most the number of cells.
    for (let d = 0; d <= this.cells; d++) {
      this.cand.push(new Uint16Array(this.cells));
      this.done.push(new Uint8Array(this.cells));
    }
  }

  /** Clears the counters for a new puzzle (a `Search` is reused across calls for its buffers). */
  reset(limit: number, rng: Rng | undefined): void {
    this.limit = limit;
    this.rng = rng;
    this.count = 0;
    this.nodes = 0;
    this.solution = undefined;
  }

  /** Sets up level 0 from the givens; false when two givens clash. */
  start(puzzle: SudokuGrid): boolean {
    const cand = this.cand[0];
    const done = this.done[0];
    cand.fill(this.full);
    done.fill(0);
    let q = 0;
    for (let i = 0; i < this.cells; i++) {
      const d = puzzle[i];
      if (d === 0) continue;
      cand[i] = 1 << (d - 1);
      this.queue[q++] = i;
    }
    return this.propagate(cand, done, q, (1 << (3 * this.n)) - 1);
  }

  /**
   * Propagates the singles in `queue[0..q)` to a fixed point. False on a contradiction: a cell with
   * no candidate, or a digit with no place in some unit. `dirty` marks the units whose candidates
   * changed since they were last checked for hidden singles: the others cannot have a new one, so
   * skipping them saves most of the scan deep in the search.
   */
  private propagate(cand: Uint16Array, done: Uint8Array, q0: number, dirty0: number): boolean {
    const { queue, peerStart, peerList, units, unitsOfCell, n, full } = this;
    let q = q0;
    let dirty = dirty0;
    for (;;) {
      // Naked singles: a solved cell removes its digit from every peer.
      for (let head = 0; head < q; head++) {
        const c = queue[head];
        if (done[c]) continue;
        done[c] = 1;
        const b = cand[c];
        for (let k = peerStart[c]; k < peerStart[c + 1]; k++) {
          const p = peerList[k];
          const v = cand[p];
          if (v & b) {
            const w = v & ~b;
            if (w === 0) return false;
            cand[p] = w;
            dirty |= unitsOfCell[p];
            if ((w & (w - 1)) === 0) queue[q++] = p;
          }
        }
      }
      q = 0;
      // Hidden singles: a digit that fits exactly one cell of a unit goes there.
      let todo = dirty;
      dirty = 0;
      while (todo) {
        const unitBit = todo & -todo;
        todo ^= unitBit;
        const u = (31 - Math.clz32(unitBit)) * n;
        let once = 0;
        let twice = 0;
        for (let k = u; k < u + n; k++) {
          const m = cand[units[k]];
          twice |= once & m;
          once |= m;
        }
        if (once !== full) return false;
        let hidden = once & ~twice;
        while (hidden) {
          const bit = hidden & -hidden;
          hidden ^= bit;
          let placed = false;
          for (let k = u; k < u + n; k++) {
            const c = units[k];
            if (cand[c] & bit) {
              if (cand[c] !== bit) {
                cand[c] = bit;
                dirty |= unitsOfCell[c];
                queue[q++] = c;
              }
              placed = true;
              break;
            }
          }
          // Another hidden single of this pass took the only cell this digit had.
          if (!placed) return false;
        }
      }
      if (q === 0) return true;
    }
  }

  /** Depth-first search from `depth`; true when the limit is reached (stop everything). */
  search(depth: number): boolean {
    this.nodes++;
    const cand = this.cand[depth];
    const done = this.done[depth];
    let best = -1;
    let bestCount = 99;
    for (let i = 0; i < this.cells; i++) {
      const k = POPCOUNT[cand[i]];
      if (k > 1 && k < bestCount) {
        best = i;
        bestCount = k;
        if (k === 2) break;
      }
    }
    if (best < 0) {
      this.count++;
      if (this.solution === undefined) this.solution = Array.from(cand, digitOf);
      return this.count >= this.limit;
    }
    const bits: number[] = [];
    for (let m = cand[best]; m; m &= m - 1) bits.push(m & -m);
    if (this.rng)
      for (let i = bits.length - 1; i > 0; i--) {
        const j = this.rng.int(i + 1);
        [bits[i], bits[j]] = [bits[j], bits[i]];
      }
    for (const bit of bits) {
      const next = this.cand[depth + 1];
      const nextDone = this.done[depth + 1];
      next.set(cand);
      nextDone.set(done);
      next[best] = bit;
      this.queue[0] = best;
      if (this.propagate(next, nextDone, 1, this.unitsOfCell[best]) && this.search(depth + 1)) return true;
    }
    return false;
  }
}

// Searches are not re-entrant, but nothing in a search calls back into `solveSudoku`, and JS runs one
// call at a time, so one per shape can be reused and its per-depth buffers allocated only once.
const searchCache = new Map<string, Search>();

function checkPuzzle(puzzle: SudokuGrid, shape: SudokuShape): void {
  const bad = checkShape(shape);
  if (bad) throw new RangeError(`solveSudoku: ${bad}`);
  if (puzzle.length !== cellCount(shape))
    throw new RangeError(`solveSudoku: puzzle has ${puzzle.length} cells, expected ${cellCount(shape)}`);
  puzzle.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0 || d > shape.size)
      throw new RangeError(`solveSudoku: cell ${i} holds ${d}, expected 0-${shape.size}`);
  });
}

/** Solves `puzzle` (0 = blank), counting solutions up to `opts.limit`. Throws only on malformed input. */
export function solveSudoku(puzzle: SudokuGrid, shape: SudokuShape, opts: SolveOptions = {}): SolveResult {
  checkPuzzle(puzzle, shape);
  const limit = opts.limit ?? 1;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`solveSudoku: limit must be >= 1, got ${limit}`);
  const key = `${shape.size}:${shape.boxRows}x${shape.boxCols}`;
  let s = searchCache.get(key);
  if (!s) {
    s = new Search(shape);
    searchCache.set(key, s);
  }
  s.reset(limit, opts.rng);
  if (!s.start(puzzle)) return { count: 0, solution: undefined, exhausted: true, nodes: 0 };
  const stopped = s.search(0);
  return { count: s.count, solution: s.solution, exhausted: !stopped, nodes: s.nodes };
}

/** The number of solutions, counting no further than `limit` (default 2: 0, 1, or "2 or more"). */
export function countSolutions(puzzle: SudokuGrid, shape: SudokuShape, limit = 2): number {
  return solveSudoku(puzzle, shape, { limit }).count;
}
