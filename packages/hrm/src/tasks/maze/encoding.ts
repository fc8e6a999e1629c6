/**
 * HRM's Maze-Hard tokens (`build_maze_dataset.py`): the characters of `CHARSET = "# SGo"` become ids
 * 1..5 and PAD is 0, so vocab = 6 and the sequence is the H·W cells in row-major order (900 for
 * 30x30). The label is the answer grid (the question with the path cells `o`), covering every cell.
 */
import type { Example } from '../batch.js';
import type { Maze } from './grid.js';

/** The maze characters in token order: character i is token i + 1. */
export const MAZE_CHARSET = '# SGo';
/** The padding token, 0; no maze cell encodes to it. */
export const MAZE_PAD = 0;
/** Tokens in all: PAD and the 5 characters. */
export const MAZE_VOCAB_SIZE = MAZE_CHARSET.length + 1;

/** Characters to ids; a character outside the charset is an error (the reference asserts the same). */
export function encodeMaze(maze: Maze): number[] {
  return Array.from(maze.cells, (ch, i) => {
    const id = MAZE_CHARSET.indexOf(ch);
    if (id < 0) throw new RangeError(`encodeMaze: cell ${i} is ${JSON.stringify(ch)}, not one of "${MAZE_CHARSET}"`);
    return id + 1;
  });
}

/**
 * Ids to a maze. An id outside 1..5 (PAD, or a bad prediction) becomes `?`, which no check accepts,
 * so a decoded prediction cannot pass for a valid grid by accident.
 */
export function decodeMaze(tokens: readonly number[], height: number, width: number): Maze {
  if (tokens.length !== height * width)
    throw new RangeError(`decodeMaze: ${tokens.length} tokens for a ${height}x${width} maze`);
  const cells = tokens.map((t) =>
    Number.isInteger(t) && t >= 1 && t <= MAZE_CHARSET.length ? MAZE_CHARSET[t - 1] : '?',
  );
  return { height, width, cells: cells.join('') };
}

/** Maze and Maze-Hard use a single puzzle id, 0. */
export function mazeExample(question: Maze, answer: Maze, puzzleId = 0): Example {
  return { inputs: encodeMaze(question), labels: encodeMaze(answer), puzzleId };
}
