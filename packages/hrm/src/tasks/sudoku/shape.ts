/**
 * Sudoku grid shapes: a size-n grid is split into boxes of `boxRows` x `boxCols` cells
 * (n = boxRows·boxCols). Rows come in *bands* of `boxRows` rows (n / boxRows bands) and columns in
 * *stacks* of `boxCols` columns (n / boxCols stacks). A grid is a flat row-major array of n² numbers,
 * 0 for a blank and 1..n for a digit.
 */

export interface SudokuShape {
  readonly size: number;
  readonly boxRows: number;
  readonly boxCols: number;
}

/** 4x4 with 2x2 boxes, for quick tests and small models. */
export const SUDOKU_4: SudokuShape = { size: 4, boxRows: 2, boxCols: 2 };
/** 6x6 with boxes 2 rows high and 3 columns wide: 3 bands of 2 rows, 2 stacks of 3 columns. */
export const SUDOKU_6: SudokuShape = { size: 6, boxRows: 2, boxCols: 3 };
/** The standard 9x9 with 3x3 boxes, the shape of HRM's Sudoku data. */
export const SUDOKU_9: SudokuShape = { size: 9, boxRows: 3, boxCols: 3 };

/** A grid as a flat row-major array of `size²` cells, 0 for a blank and 1..size for a digit. */
export type SudokuGrid = readonly number[];

export function cellCount(shape: SudokuShape): number {
  return shape.size * shape.size;
}

export function boxOf(shape: SudokuShape, row: number, col: number): number {
  const stacks = shape.size / shape.boxCols;
  return Math.floor(row / shape.boxRows) * stacks + Math.floor(col / shape.boxCols);
}

/**
 * The 3n units (rows, then columns, then boxes) as lists of cell indices. Built once per shape and
 * cached, because the solver asks for them on every call.
 */
export interface UnitTables {
  readonly units: readonly Int16Array[];
  /** For each cell, the other cells sharing a row, column or box. */
  readonly peers: readonly Int16Array[];
}

const tableCache = new Map<string, UnitTables>();

export function unitTables(shape: SudokuShape): UnitTables {
  const key = `${shape.size}:${shape.boxRows}x${shape.boxCols}`;
  const cached = tableCache.get(key);
  if (cached) return cached;
  const n = shape.size;
  const units: number[][] = [];
  for (let r = 0; r < n; r++) units.push(Array.from({ length: n }, (_, c) => r * n + c));
  for (let c = 0; c < n; c++) units.push(Array.from({ length: n }, (_, r) => r * n + c));
  const boxes: number[][] = Array.from({ length: n }, () => []);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) boxes[boxOf(shape, r, c)].push(r * n + c);
  units.push(...boxes);
  const peers = Array.from({ length: n * n }, (_, cell) => {
    const set = new Set<number>();
    for (const u of units) if (u.includes(cell)) for (const p of u) if (p !== cell) set.add(p);
    return Int16Array.from([...set].sort((a, b) => a - b));
  });
  const tables = { units: units.map((u) => Int16Array.from(u)), peers };
  tableCache.set(key, tables);
  return tables;
}

/** Checks that a shape is well formed (positive box sides whose product is the size, at most 9 digits). */
export function checkShape(shape: SudokuShape): string | undefined {
  const { size, boxRows, boxCols } = shape;
  if (![size, boxRows, boxCols].every((x) => Number.isInteger(x) && x >= 1))
    return `shape sides must be positive integers, got ${size} with ${boxRows}x${boxCols} boxes`;
  if (boxRows * boxCols !== size) return `${boxRows}x${boxCols} boxes do not tile a ${size}x${size} grid`;
  // Digits are encoded as one character each in files and as bits of a 16-bit mask in the solver.
  if (size > 9) return `sizes above 9 are not supported, got ${size}`;
  return undefined;
}
