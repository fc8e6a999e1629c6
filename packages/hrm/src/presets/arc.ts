/**
 * ARC-AGI-1 on a subset of the evaluation tasks, as HRM trains and scores ARC: each task under the
 * identity and `numAug` dihedral + colour augmentations, each (task, augmentation) its own puzzle
 * id; the evaluation tasks' demonstrations are trained on and their test outputs held out; answers
 * are voted across augmentations (mapped back, cropped), ranked by votes then mean sigmoid(q_halt),
 * scored at pass@1 and pass@2, and written as an ARC Prize submission.
 */
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import {
  ARC_SEQ_LEN,
  ARC_VOCAB_SIZE,
  allExamples,
  arcSubmission,
  collectVotes,
  createRng,
  cropArcTokens,
  type Example,
  hrmArcSplits,
  type Problem,
  PuzzleIdRegistry,
  scoreArc,
  toBatch,
} from '../tasks/index.js';
import { dataDir, loadArcTasks } from '../tasks/node.js';
import { requireDataFiles } from './data-folder.js';
import { DataError, SMALL_MODEL, type TaskPreset } from './preset.js';

/** The ARC-AGI-1 evaluation tasks, a folder of task files in the data folder. */
const ARC_FOLDER = 'arc-agi-1/evaluation';

export interface ArcPresetOptions {
  /** How many evaluation tasks (in id order) make the subset. */
  readonly tasks: number;
  /** Augmentations per task besides the identity. */
  readonly numAug: number;
  /** The data folder (default: `HRM_DATA`, else the user cache). */
  readonly dataDir?: string;
}

/** Every bad task file with its first problem, one line: `ARC data: 2 bad task files: <path>: <reason>; ...`. */
function badFiles(problems: readonly Problem[]): string {
  const first = new Map<string, string>();
  for (const p of problems) if (!first.has(p.source)) first.set(p.source, p.reason);
  const listed = [...first].map(([path, reason]) => `${path}: ${reason}`).join('; ');
  return `ARC data: ${first.size} bad task file${first.size === 1 ? '' : 's'}: ${listed}`;
}

export function arcPreset({ tasks, numAug, dataDir: dir = dataDir() }: ArcPresetOptions): TaskPreset {
  requireDataFiles('arc', dir, [ARC_FOLDER]);
  const loaded = loadArcTasks(join(dir, ARC_FOLDER));
  if (loaded.problems.length > 0) throw new DataError(badFiles(loaded.problems));
  if (loaded.items.length === 0) throw new DataError(`${join(dir, ARC_FOLDER)}: no ARC task files in the folder`);
  const evaluation = [...loaded.items].sort((a, b) => a.id.localeCompare(b.id)).slice(0, tasks);
  const registry = new PuzzleIdRegistry();
  const splits = hrmArcSplits([], evaluation, numAug, createRng(2024), registry);
  if (E.isLeft(splits)) throw new Error(`ARC splits: ${splits.left}`);
  const train = allExamples(splits.right.train);
  const test = allExamples(splits.right.test);
  const batch = (examples: readonly Example[]) => {
    const b = toBatch(examples, { seqLen: ARC_SEQ_LEN });
    if (E.isLeft(b)) throw b.left;
    return b.right;
  };
  return {
    name: 'arc',
    summary: `ARC-AGI-1: ${evaluation.length} evaluation tasks x ${numAug + 1} augmentations (demonstrations trained on, test outputs held out)`,
    model: {
      vocabSize: ARC_VOCAB_SIZE,
      seqLen: ARC_SEQ_LEN,
      ...SMALL_MODEL,
      numPuzzleIdentifiers: registry.size,
      haltMaxSteps: 2,
      posEncodings: 'learned',
    },
    train: {
      batchSize: 8,
      lr: 1e-3,
      lrWarmupSteps: 10,
      lrMinRatio: 1,
      puzzleEmbLr: 1e-2,
      weightDecay: 0.1,
      puzzleEmbWeightDecay: 0.1,
    },
    trainBatch: (seed, step, batchSize) => {
      const rng = createRng(seed * 1_000_003 + step);
      return batch(Array.from({ length: batchSize }, () => train[rng.int(train.length)]));
    },
    evalExamples: (n) => test.slice(0, n),
    parse: () => ({
      error: 'ARC puzzles are evaluated as whole tasks, not typed in: hrm eval --checkpoint <an arc checkpoint>',
    }),
    format: (tokens) => JSON.stringify(cropArcTokens(tokens)),
    score: (examples, predictions) => ({
      exact:
        examples.filter((e, i) => e.labels.every((t, k) => t === 0 || t === predictions[i][k])).length /
        Math.max(examples.length, 1),
    }),
    evaluate: (predict, segments) => {
      const { tokens, qHalt } = predict(test, segments);
      const votes = collectVotes(
        test.map((e, i) => ({
          puzzleName: e.meta.puzzleName,
          testIndex: e.meta.index,
          tokens: tokens[i],
          qHaltLogit: qHalt[i],
        })),
      );
      if (E.isLeft(votes)) throw new Error(votes.left);
      const scores = scoreArc(evaluation, votes.right, [1, 2]);
      if (E.isLeft(scores)) throw new Error(scores.left);
      const s = scores.right;
      return {
        metrics: {
          pass1: s.allTestsSolved[0],
          pass2: s.allTestsSolved[1],
          pass2Fraction: s.meanTestFraction[1],
          tasks: s.tasks,
        },
        report: `ARC-AGI-1 subset: ${s.tasks} tasks, ${test.length} augmented test inputs voted; pass@1 ${s.allTestsSolved[0].toFixed(3)}, pass@2 ${s.allTestsSolved[1].toFixed(3)} (HRM: all test inputs of a task right); pass@2 ${s.meanTestFraction[1].toFixed(3)} (TRM: fraction of test inputs)`,
        files: { 'submission.json': arcSubmission(evaluation, votes.right) },
      };
    },
  };
}
