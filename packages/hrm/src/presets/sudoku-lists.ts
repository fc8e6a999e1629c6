/**
 * Sudoku on the four hard public lists of the tdoku benchmark (17-clue minimal puzzles, magictour
 * top-1465, forum hardest 1905 11+, forum hardest 1106), the sources HRM's Sudoku-Extreme was built
 * from. A fixed tenth of each list is held out for evaluation, chosen by a hash of the puzzle's line (so
 * the split does not move when a list is reordered or grows, and no puzzle is in both parts); training
 * draws from the rest, each puzzle under a random augmentation of the official kind (digit permutation,
 * band, row, stack and column shuffles, transpose) per use. The evaluation set takes the lists in turn,
 * so that any prefix of it is balanced, and `hrm eval` scores each list on its own.
 */
import { join } from 'node:path';
import { SUDOKU_9, sudokuExample } from '../tasks/index.js';
import { loadSudokuFile } from '../tasks/node.js';
import { augmentedSudokuBatch } from './data-files.js';
import { must, once, requireDataFiles } from './data-folder.js';
import type { TaskPreset } from './preset.js';
import { SUDOKU9_MODEL, SUDOKU9_TRAINING, sudokuPreset } from './sudoku.js';

/** The lists, by the name their scores carry, in the data folder. */
export const SUDOKU_LISTS = {
  '17-clue': 'sudoku/tdoku_puzzles2_17_clue.txt',
  magictour: 'sudoku/tdoku_puzzles3_magictour_top1465.txt',
  'forum-1905': 'sudoku/tdoku_puzzles5_forum_hardest_1905_11plus.txt',
  'forum-1106': 'sudoku/tdoku_puzzles6_forum_hardest_1106.txt',
} as const;
type ListName = keyof typeof SUDOKU_LISTS;
const LIST_NAMES = Object.keys(SUDOKU_LISTS) as ListName[];

/** FNV-1a, 32 bits: a fixed hash of a line, the same on every machine and in every version. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Whether a list's line is in the evaluation tenth. */
export const isHeldOut = (row: string): boolean => fnv1a(row.trim()) % 10 === 0;

/** Lists' items in turn (the first of each, then the second of each...) until every list is used up. */
function interleave<T>(lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const l of lists) if (i < l.length) out.push(l[i] as T);
  return out;
}

export function sudokuListsPreset(dir: string): TaskPreset {
  const base = sudokuPreset({
    name: 'sudoku-lists',
    shape: SUDOKU_9,
    givens: [17, 17],
    model: SUDOKU9_MODEL,
    train: SUDOKU9_TRAINING,
  });
  const files = Object.values(SUDOKU_LISTS);
  const part = (heldOut: boolean) =>
    once(() => {
      requireDataFiles('sudoku-lists', dir, files);
      return LIST_NAMES.map((name) => {
        const path = join(dir, SUDOKU_LISTS[name]);
        return must(
          loadSudokuFile(path, SUDOKU_9, (row) => isHeldOut(row) === heldOut),
          path,
        ).map((item) => ({ list: name, item }));
      });
    });
  const train = once(() =>
    part(false)()
      .flat()
      .map(({ item }) => item),
  );
  const test = once(() =>
    interleave(part(true)()).map(({ list, item }) => ({ list, example: sudokuExample(item.puzzle, item.solution) })),
  );
  // Which list an evaluation puzzle is from, by its tokens.
  const listOf = once(() => new Map(test().map((t) => [t.example.inputs.join(','), t.list])));
  return {
    ...base,
    summary:
      '9x9 Sudoku: the tdoku hard lists (17-clue, magictour top-1465, forum hardest 1905 11+ and 1106), 9 in 10 of each for training (augmented), the tenth held out',
    trainBatch: (seed, step, batchSize) => augmentedSudokuBatch(train(), seed, step, batchSize),
    evalExamples: (n) =>
      test()
        .slice(0, n)
        .map((t) => t.example),
    groups: (e) => {
      const list = listOf().get(e.inputs.join(','));
      // The list, then the givens bucket every Sudoku preset has.
      return { ...(list ? { list } : {}), ...base.groups?.(e) };
    },
  };
}
