/**
 * Datasets of generated puzzles (4x4, 6x6 and 9x9 Sudoku, 9x9 and 11x11 mazes) in the official layout, so
 * that a model for one of this library's own tasks can be trained by the official code: the training
 * puzzles are those `hrm train` draws (its batches for steps 0, 1, ... of the seed), the test puzzles the
 * fixed evaluation set `hrm eval` scores. Sudoku is augmented as the official Sudoku builder does it, mazes
 * with the 8 dihedral transforms when asked, as the official maze builder does it.
 */
import type { TaskPreset } from '../presets/preset.js';
import type { Example } from '../tasks/batch.js';
import { IGNORE_LABEL } from '../tasks/batch.js';
import type { DihedralId } from '../tasks/dihedral.js';
import { dihedralMaze } from '../tasks/maze/augment.js';
import { decodeMaze, encodeMaze } from '../tasks/maze/encoding.js';
import type { Rng } from '../tasks/rng.js';
import { applySudokuAugmentation, randomSudokuAugmentation } from '../tasks/sudoku/augment.js';
import { SUDOKU_4, SUDOKU_6, SUDOKU_9, type SudokuShape } from '../tasks/sudoku/shape.js';
import type { DatasetSource } from './layout.js';

const SUDOKU_SHAPES: Readonly<Record<string, SudokuShape>> = {
  sudoku4: SUDOKU_4,
  sudoku6: SUDOKU_6,
  sudoku9: SUDOKU_9,
};
const MAZE_SIDES: Readonly<Record<string, number>> = { maze9: 9, maze11: 11 };

/** The generated tasks this builds. */
export const GENERATED_TASKS: readonly string[] = [...Object.keys(SUDOKU_SHAPES), ...Object.keys(MAZE_SIDES)];

/** The first `n` training examples `hrm train` draws for `seed`, back from its batches. */
function trainExamples(preset: TaskPreset, n: number, seed: number): Example[] {
  const out: Example[] = [];
  const batchSize = 64;
  for (let step = 0; out.length < n; step++) {
    const b = preset.trainBatch(seed, step, batchSize);
    const inputs = b.inputs.data();
    const labels = b.labels.data();
    const ids = b.puzzleIds.data();
    const len = preset.model.seqLen;
    for (let r = 0; r < ids.length && out.length < n; r++) {
      const row = (a: ArrayLike<number>) => Array.from(a).slice(r * len, (r + 1) * len);
      // The batch marks ignored labels; the dataset keeps PAD (0) for them, as the official files do.
      out.push({ inputs: row(inputs), labels: row(labels).map((t) => (t === IGNORE_LABEL ? 0 : t)), puzzleId: ids[r] });
    }
  }
  return out;
}

export interface GeneratedOptions {
  readonly trainSize: number;
  readonly testSize: number;
  readonly seed: number;
  /** Sudoku: augmentations per training puzzle. Mazes: any value above 0 adds the 8 dihedral transforms. */
  readonly numAug: number;
  readonly rng: Rng;
}

/** One augmented copy of a Sudoku example (tokens are digits + 1, blank 1). */
function augmentSudoku(shape: SudokuShape, ex: Example, rng: Rng): Example {
  const aug = randomSudokuAugmentation(shape, rng);
  const through = (tokens: readonly number[]) =>
    applySudokuAugmentation(
      aug,
      tokens.map((t) => t - 1),
    ).map((d) => d + 1);
  return { inputs: through(ex.inputs), labels: through(ex.labels), puzzleId: ex.puzzleId };
}

function transformMaze(side: number, ex: Example, k: DihedralId): Example {
  const through = (tokens: readonly number[]) => encodeMaze(dihedralMaze(decodeMaze(tokens, side, side), k));
  return { inputs: through(ex.inputs), labels: through(ex.labels), puzzleId: ex.puzzleId };
}

/** The dataset of a generated task's preset, or undefined for a task that is not generated. */
export function generatedDataset(preset: TaskPreset, opts: GeneratedOptions): DatasetSource | undefined {
  const shape = SUDOKU_SHAPES[preset.name];
  const side = MAZE_SIDES[preset.name];
  if (!shape && !side) return undefined;
  return {
    vocabSize: preset.model.vocabSize,
    seqLen: preset.model.seqLen,
    *groups(split) {
      if (split === 'test') {
        for (const ex of preset.evalExamples(opts.testSize)) yield [[ex]];
        return;
      }
      for (const ex of trainExamples(preset, opts.trainSize, opts.seed)) {
        if (shape) yield [[ex], ...Array.from({ length: opts.numAug }, () => [augmentSudoku(shape, ex, opts.rng)])];
        else if (opts.numAug > 0) yield ([0, 1, 2, 3, 4, 5, 6, 7] as const).map((k) => [transformMaze(side, ex, k)]);
        else yield [[ex]];
      }
    },
    identifiers: () => ['<blank>'],
  };
}
