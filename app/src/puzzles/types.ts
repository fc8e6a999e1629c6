/**
 * A task as the page handles it: a grid of cells the person edits (each cell a one-character value), how
 * to make a fresh puzzle, the exact check before the model runs, and the exact verdict on an answer.
 * `sudoku.ts` and `maze.ts` implement it with the library's generators, solver and checkers.
 */

/** One value a cell can take, with its button label and the keys that set it. */
export interface PaletteEntry {
  readonly value: string;
  readonly label: string;
  readonly keys: readonly string[];
}

/** What the exact checker says about a puzzle before the model runs. */
export type Checked =
  | { readonly ok: true; readonly inputs: readonly number[]; readonly note: string }
  | { readonly ok: false; readonly message: string };

/** The exact checker's verdict on the model's answer. */
export interface Verdict {
  readonly kind: 'solved' | 'valid' | 'wrong';
  readonly text: string;
}

export interface PuzzleTask {
  /** The checkpoint's task name: sudoku4, sudoku6, maze9. */
  readonly name: string;
  /** For people: "4x4 Sudoku". */
  readonly title: string;
  readonly kind: 'sudoku' | 'maze';
  readonly rows: number;
  readonly cols: number;
  /** The values a person can put in a cell, in palette order. */
  readonly palette: readonly PaletteEntry[];
  /** The palette entry a click applies before the person picks one (undefined: a click only selects). */
  readonly defaultBrush: string | undefined;
  /** How the text box explains the format. */
  readonly textHelp: string;
  /** An empty puzzle. */
  empty(): string[];
  /** A fresh puzzle from the library's generator. */
  generate(seed: number): string[];
  /** The puzzle as text (one line of digits, or maze rows), and back (or why the text is not one). */
  toText(cells: readonly string[]): string;
  fromText(text: string): string[] | { readonly error: string };
  /** The cells after a person sets cell `index` to `value` (a maze keeps one S and one G). */
  edit(cells: readonly string[], index: number, value: string): string[];
  /** The exact check: tokens for the model, or why it should not run (ambiguous, unsolvable, malformed). */
  check(cells: readonly string[]): Checked;
  /** The cells a predicted token sequence shows. */
  decode(tokens: readonly number[]): string[];
  /** The exact verdict on predicted tokens for the puzzle `cells`. */
  verdict(cells: readonly string[], tokens: readonly number[]): Verdict;
  /** How a screen reader names a cell value ("blank", "3", "wall"). */
  describe(value: string): string;
  /** Sudoku box edges: whether a thick line follows the cell on its right and below it. */
  edges(index: number): { readonly right: boolean; readonly bottom: boolean };
}
