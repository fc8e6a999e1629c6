/**
 * Mazes as HRM's Maze-Hard stores them: an H x W grid of characters in row-major order, `#` a wall,
 * a space an open cell, `S` the start, `G` the goal, and (in answers) `o` an open cell on the path.
 * Moves are to the 4 neighbours inside the grid; any cell that is not a wall can be walked through.
 */

export interface Maze {
  readonly height: number;
  readonly width: number;
  /** `height * width` characters, row-major. */
  readonly cells: string;
}

export const WALL = '#';
export const OPEN = ' ';
export const START = 'S';
export const GOAL = 'G';
export const PATH = 'o';

/** A maze from its rows of characters; throws when the rows differ in length. */
export function mazeFromRows(rows: readonly string[]): Maze {
  const width = rows.length === 0 ? 0 : rows[0].length;
  if (rows.some((r) => r.length !== width)) throw new RangeError('mazeFromRows: rows have different lengths');
  return { height: rows.length, width, cells: rows.join('') };
}

/** The maze's rows of characters, top to bottom (for printing, or to transform as a grid). */
export function mazeRows(maze: Maze): string[] {
  return Array.from({ length: maze.height }, (_, r) => maze.cells.slice(r * maze.width, (r + 1) * maze.width));
}

/** `(row, col)` 0-based, for messages. */
export function cellName(maze: Maze, cell: number): string {
  return `(${Math.floor(cell / maze.width)}, ${cell % maze.width})`;
}

/** The in-grid 4-neighbours of a cell, in a fixed order (up, down, left, right). */
export function neighbours(maze: Maze, cell: number): number[] {
  const { width, height } = maze;
  const r = Math.floor(cell / width);
  const c = cell % width;
  const out: number[] = [];
  if (r > 0) out.push(cell - width);
  if (r < height - 1) out.push(cell + width);
  if (c > 0) out.push(cell - 1);
  if (c < width - 1) out.push(cell + 1);
  return out;
}

/** Every index where `ch` appears. */
export function cellsWith(maze: Maze, ch: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < maze.cells.length; i++) if (maze.cells[i] === ch) out.push(i);
  return out;
}

/** A copy of the maze with the given cells set to `ch`. */
export function withCells(maze: Maze, cells: Iterable<number>, ch: string): Maze {
  const chars = maze.cells.split('');
  for (const c of cells) chars[c] = ch;
  return { ...maze, cells: chars.join('') };
}

/** The maze `m` placed in a `size` x `size` grid of walls with its top-left cell at (`top`, `left`). */
export function embedMaze(m: Maze, size: number, top: number, left: number): Maze {
  if (m.height === size && m.width === size) return m;
  if (top < 0 || left < 0 || top + m.height > size || left + m.width > size)
    throw new RangeError(
      `embedMaze: a ${m.height}x${m.width} maze at (${top}, ${left}) is outside a ${size}x${size} grid`,
    );
  const cells = new Array<string>(size * size).fill(WALL);
  for (let r = 0; r < m.height; r++)
    for (let c = 0; c < m.width; c++) cells[(top + r) * size + left + c] = m.cells[r * m.width + c] as string;
  return { height: size, width: size, cells: cells.join('') };
}
