/**
 * Maze presets: training on freshly generated perfect mazes (one path between any two cells, so the
 * labelled shortest path is the only one and exact match is well defined), S and G at random cells
 * a minimum distance apart; evaluation on a fixed set training never draws.
 */
import * as E from 'fp-ts/lib/Either.js';
import {
  checkPath,
  checkQuestion,
  countShortestPaths,
  createRng,
  decodeMaze,
  distancesFrom,
  type Example,
  encodeMaze,
  generateMaze,
  MAZE_VOCAB_SIZE,
  mazeExample,
  mazeFromRows,
  mazeMetrics,
  mazeRows,
  shortestPath,
  toBatch,
} from '../tasks/index.js';
import { SMALL_MODEL, type TaskPreset, tokenAccuracy, type Verdict, verdict } from './preset.js';

const EVAL_SEED = 0x3a2e_e7a1;

function generate(size: number, minPath: number, seed: number, count: number, avoid?: ReadonlySet<string>): Example[] {
  const rng = createRng(seed);
  const out: Example[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const made = generateMaze(rng, {
      height: size,
      width: size,
      placement: 'random',
      minPathLength: minPath,
      attempts: 50,
    });
    if (E.isLeft(made)) continue;
    const key = made.right.question.cells;
    if (avoid?.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(mazeExample(made.right.question, made.right.answer));
  }
  return out;
}

/**
 * The rows of a maze typed by a person: its lines, or the size² characters of one line in row-major
 * order (a Maze-Hard CSV field). Rows are not trimmed: a maze's border cells may be open (spaces).
 */
function mazeRowsOf(text: string, size: number): string[] {
  const lines = text.split(/\r?\n/).filter((r) => r.length > 0);
  const [only] = lines;
  if (lines.length === 1 && only !== undefined && only.length === size * size)
    return Array.from({ length: size }, (_, r) => only.slice(r * size, (r + 1) * size));
  return lines;
}

/** An exact checker's verdict on a predicted maze: a path from S to G as short as any, and whether only one is. */
function mazeVerdict(inputs: readonly number[], answer: readonly number[], size: number): Verdict {
  const question = decodeMaze(inputs, size, size);
  const ends = checkQuestion(question);
  if (E.isLeft(ends)) return verdict(`the question is not a maze: ${ends.left}`, false);
  const { start, goal } = ends.right;
  const ambiguous = countShortestPaths(question, start, goal) > 1;
  const steps = checkPath(question, decodeMaze(answer, size, size), ends.right);
  if (E.isLeft(steps)) return verdict(steps.left, ambiguous);
  const best = distancesFrom(question, start)[goal];
  return verdict(
    steps.right === best ? undefined : `the path has ${steps.right} steps, a shortest has ${best}`,
    ambiguous,
  );
}

export function mazePreset(
  name: string,
  size: number,
  model: Omit<TaskPreset['model'], 'vocabSize' | 'seqLen'>,
  train: TaskPreset['train'],
): TaskPreset {
  const seqLen = size * size;
  const minPath = 2;
  const evalCache = new Map<number, Example[]>();
  const evalSet = (n: number) => {
    let cached = evalCache.get(n);
    if (!cached) {
      cached = generate(size, minPath, EVAL_SEED, n);
      evalCache.set(n, cached);
    }
    return cached;
  };
  let avoid: Set<string> | undefined;
  const decode = (tokens: readonly number[]) => decodeMaze(tokens, size, size);
  return {
    name,
    summary: `${size}x${size} perfect mazes, S and G at random cells (generated; the path is the unique shortest one)`,
    model: { ...model, vocabSize: MAZE_VOCAB_SIZE, seqLen },
    train,
    trainBatch: (seed, step, batchSize) => {
      avoid ??= new Set(evalSet(1000).map((e) => decode(e.inputs).cells));
      const b = toBatch(generate(size, minPath, seed * 1_000_003 + step, batchSize, avoid), { seqLen });
      if (E.isLeft(b)) throw b.left;
      return b.right;
    },
    evalExamples: evalSet,
    parse: (text) => {
      const rows = mazeRowsOf(text, size);
      if (rows.length !== size || rows.some((r) => r.length !== size))
        return {
          error: `expected ${size} rows of ${size} characters, or one line of ${size * size} ('#' wall, ' ' open, S, G)`,
        };
      const question = mazeFromRows(rows);
      if (/[^# SG]/.test(question.cells)) return { error: "a maze uses only '#', ' ', 'S' and 'G'" };
      const ends = checkQuestion(question);
      if (E.isLeft(ends)) return { error: ends.left };
      const path = shortestPath(question, ends.right.start, ends.right.goal);
      if (!path) return { error: 'G cannot be reached from S' };
      const answer = {
        ...question,
        cells: [...question.cells].map((c, i) => (path.slice(1, -1).includes(i) ? 'o' : c)).join(''),
      };
      return { example: { inputs: encodeMaze(question), labels: encodeMaze(answer), puzzleId: 0 } };
    },
    format: (tokens) => mazeRows(decode(tokens)).join('\n'),
    score: (examples, predictions) => {
      const m = mazeMetrics(
        examples.map((e, i) => ({ inputs: e.inputs, labels: e.labels, prediction: predictions[i] })),
        size,
        size,
      );
      return { exact: m.exact, token: tokenAccuracy(examples, predictions), valid: m.validOptimal };
    },
    check: (example, answer) => mazeVerdict(example.inputs, answer, size),
    difficulty: (e) => `path of ${e.labels.filter((t) => t === 5).length + 1} steps`,
  };
}

const smallMaze = {
  ...SMALL_MODEL,
  haltMaxSteps: 8,
  posEncodings: 'learned',
  // A token-mixing MLP (TRM's mlp_t): on 9x9 mazes it reached 3% exact in 750 steps where attention
  // was still at 0% (bench notes); a maze of fixed size has fixed neighbour positions, like a grid.
  mlpT: true,
} as const;

const mazeTraining = {
  batchSize: 32,
  lr: 3e-3,
  lrWarmupSteps: 100,
  lrMinRatio: 0.1,
  puzzleEmbLr: 3e-3,
  weightDecay: 0.1,
  puzzleEmbWeightDecay: 0.1,
} as const;

export const MAZE9 = mazePreset('maze9', 9, smallMaze, mazeTraining);

export const MAZE11 = mazePreset('maze11', 11, smallMaze, mazeTraining);
