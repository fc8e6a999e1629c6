/**
 * The room lattice every carver works on: rooms sit at odd (row, col) grid positions, so an H x W grid
 * holds floor((H-1)/2) x floor((W-1)/2) rooms (odd sides use the whole grid with a wall border; an even
 * side leaves its last row or column wall). Two rooms next to each other are joined by opening the one
 * cell between them. A carver chooses which pairs to join; this module turns the choice into a grid.
 */
import { type Maze, OPEN, WALL } from './grid.js';

/** The rooms of a grid: `rows` x `cols` of them, numbered row-major from 0. */
export interface Lattice {
  readonly height: number;
  readonly width: number;
  readonly rows: number;
  readonly cols: number;
}

/** Two adjacent rooms to join, by room number (`a < b` is not required). */
export type Opening = readonly [number, number];

/** The room lattice of a `height` x `width` grid: rooms at odd (row, column), walls between them. */
export function latticeOf(height: number, width: number): Lattice {
  return { height, width, rows: Math.floor((height - 1) / 2), cols: Math.floor((width - 1) / 2) };
}

export function roomCount(l: Lattice): number {
  return l.rows * l.cols;
}

/** The grid cell of room `room`. */
export function roomCell(l: Lattice, room: number): number {
  const rr = Math.floor(room / l.cols);
  const rc = room % l.cols;
  return (2 * rr + 1) * l.width + (2 * rc + 1);
}

/** The grid cell between two adjacent rooms: the midpoint of their grid positions. */
export function wallCell(l: Lattice, a: number, b: number): number {
  const [ra, ca] = [Math.floor(a / l.cols), a % l.cols];
  const [rb, cb] = [Math.floor(b / l.cols), b % l.cols];
  return (ra + rb + 1) * l.width + (ca + cb + 1);
}

/** The rooms next to `room`, in a fixed order (up, down, left, right), as the depth-first carver has always drawn them. */
export function roomNeighbours(l: Lattice, room: number): number[] {
  const rr = Math.floor(room / l.cols);
  const rc = room % l.cols;
  const out: number[] = [];
  if (rr > 0) out.push(room - l.cols);
  if (rr < l.rows - 1) out.push(room + l.cols);
  if (rc > 0) out.push(room - 1);
  if (rc < l.cols - 1) out.push(room + 1);
  return out;
}

/** Every pair of adjacent rooms once, row-major: the walls a carver may open. */
export function allWalls(l: Lattice): Opening[] {
  const out: Opening[] = [];
  for (let room = 0; room < roomCount(l); room++)
    for (const nb of roomNeighbours(l, room)) if (nb > room) out.push([room, nb]);
  return out;
}

/** The grid with every room open and the given openings made; everything else is wall. */
export function renderLattice(l: Lattice, openings: Iterable<Opening>): Maze {
  const cells = new Array<string>(l.height * l.width).fill(WALL);
  for (let room = 0; room < roomCount(l); room++) cells[roomCell(l, room)] = OPEN;
  for (const [a, b] of openings) cells[wallCell(l, a, b)] = OPEN;
  return { height: l.height, width: l.width, cells: cells.join('') };
}
