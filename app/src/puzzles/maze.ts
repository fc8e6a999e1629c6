/**
 * Mazes as the page handles them: '#' wall, ' ' open, 'S' start, 'G' goal (and 'o' on the model's path);
 * the library's generator, shortest paths and path checker.
 */
import {
  CARVER_NAMES,
  type CarverName,
  checkPath,
  checkQuestion,
  countShortestPaths,
  createRng,
  decodeMaze,
  distancesFrom,
  encodeMaze,
  generateMaze,
  type Maze,
  PLACEMENTS,
  type Placement,
  pickOne,
} from '@hrm/hrm/tasks';
import * as E from 'fp-ts/lib/Either.js';
import type { PuzzleTask, Verdict } from './types.js';

const NAMES: Readonly<Record<string, string>> = {
  '#': 'wall',
  ' ': 'open',
  S: 'start',
  G: 'goal',
  o: 'path',
  '?': 'unreadable',
};

/** A task of `size` x `size` perfect mazes with S and G at random cells, as the maze presets generate them. */
/** The carvers and S/G placements a task's model was trained on (its preset's mix), to draw new mazes from. */
export interface MazeDraw {
  readonly carvers: readonly CarverName[];
  readonly placements: readonly Placement[];
}

/** The first maze presets: depth-first backtracker, S and G at random cells. */
const BACKTRACKER: MazeDraw = { carvers: ['backtracker'], placements: ['random'] };

/** Every carver and placement (the `-mix` presets). */
export const EVERY_MAZE: MazeDraw = { carvers: CARVER_NAMES, placements: PLACEMENTS };

export function mazeTask(name: string, size: number, draw: MazeDraw = BACKTRACKER): PuzzleTask {
  const maze = (cells: readonly string[]): Maze => ({ height: size, width: size, cells: cells.join('') });
  return {
    name,
    title: draw === BACKTRACKER ? `${size}x${size} maze` : `${size}x${size} maze (any carver)`,
    kind: 'maze',
    rows: size,
    cols: size,
    palette: [
      { value: '#', label: 'Wall', keys: ['w', 'W', '#'] },
      { value: ' ', label: 'Open', keys: ['o', 'O', 'Backspace', 'Delete', '.'] },
      { value: 'S', label: 'Start', keys: ['s', 'S'] },
      { value: 'G', label: 'Goal', keys: ['g', 'G'] },
    ],
    defaultBrush: ' ',
    textHelp: `${size} rows of ${size} characters: '#' wall, space open, S start, G goal.`,
    empty: () =>
      Array.from({ length: size * size }, (_, i) => {
        const r = Math.floor(i / size);
        const c = i % size;
        return r === 0 || c === 0 || r === size - 1 || c === size - 1 ? '#' : ' ';
      }),
    generate: (seed) => {
      const rng = createRng(seed);
      for (;;) {
        const made = generateMaze(rng, {
          height: size,
          width: size,
          // pickOne spends no random number on a one-item choice: a one-carver task draws what it always did.
          carver: pickOne(rng, draw.carvers),
          placement: pickOne(rng, draw.placements),
          minPathLength: 2,
          attempts: 50,
        });
        if (E.isRight(made)) return [...made.right.question.cells];
      }
    },
    toText: (cells) =>
      Array.from({ length: size }, (_, r) => cells.slice(r * size, (r + 1) * size).join('')).join('\n'),
    fromText: (text) => {
      const rows = text.split(/\r?\n/).filter((r) => r.trim().length > 0);
      if (rows.length !== size) return { error: `expected ${size} rows, got ${rows.length}` };
      const padded = rows.map((r) => r.padEnd(size, ' '));
      const long = padded.findIndex((r) => r.length !== size);
      if (long >= 0) return { error: `row ${long + 1} has ${padded[long].length} characters, expected ${size}` };
      const cells = padded.join('');
      const bad = [...cells].findIndex((ch) => !'# SG'.includes(ch));
      if (bad >= 0) return { error: `'${cells[bad]}' in row ${Math.floor(bad / size) + 1}: use '#', space, S or G` };
      return [...cells];
    },
    edit: (cells, index, value) =>
      cells.map((c, i) => (i === index ? value : (value === 'S' || value === 'G') && c === value ? ' ' : c)),
    check: (cells) => {
      const q = maze(cells);
      const ends = checkQuestion(q);
      if (E.isLeft(ends)) return { ok: false, message: `Not a maze yet: ${ends.left}.` };
      const { start, goal } = ends.right;
      const paths = countShortestPaths(q, start, goal);
      if (paths === 0) return { ok: false, message: 'Unsolvable: G cannot be reached from S.' };
      if (paths > 1)
        return {
          ok: false,
          message: `Ambiguous: ${paths} shortest paths lead from S to G. The model was trained on perfect mazes, with exactly one; add a wall.`,
        };
      const steps = distancesFrom(q, start)[goal];
      return { ok: true, inputs: encodeMaze(q), note: `One shortest path, ${steps} steps from S to G.` };
    },
    decode: (tokens) => [...decodeMaze(tokens, size, size).cells],
    verdict: (cells, tokens): Verdict => {
      const q = maze(cells);
      const ends = checkQuestion(q);
      if (E.isLeft(ends)) return { kind: 'wrong', text: `Wrong: ${ends.left}.` };
      const steps = checkPath(q, decodeMaze(tokens, size, size), ends.right);
      if (E.isLeft(steps)) return { kind: 'wrong', text: `Wrong: ${steps.left}.` };
      const shortest = distancesFrom(q, ends.right.start)[ends.right.goal];
      if (steps.right === shortest)
        return { kind: 'solved', text: `Solved: a shortest path from S to G, ${shortest} steps, through open cells.` };
      return {
        kind: 'valid',
        text: `A valid path from S to G, but ${steps.right} steps where the shortest has ${shortest}.`,
      };
    },
    describe: (value) => NAMES[value] ?? value,
    edges: () => ({ right: false, bottom: false }),
  };
}
