/**
 * Where a maze preset's puzzles come from: a mix of carving algorithms and S/G placement rules, each
 * training maze under a random dihedral transform when asked. Training mazes are drawn at random from
 * the mix; the evaluation set goes through every (carver, placement) pair in turn, so that any prefix
 * of it is balanced and each pair can be scored on its own. A mix of one carver and one placement
 * without transforms draws exactly what the presets drew before mixes existed (no random numbers are
 * spent on choices that are not there), so their checkpoints and evaluation sets do not move.
 */
import * as E from 'fp-ts/lib/Either.js';
import {
  type CarverName,
  createRng,
  DIHEDRAL_IDS,
  dihedralMaze,
  type Example,
  embedMaze,
  encodeMaze,
  generateMaze,
  type Maze,
  mazeExample,
  type Placement,
  pickOne,
  type Rng,
} from '../tasks/index.js';

/** What a maze preset draws from. */
export interface MazeMix {
  readonly carvers: readonly CarverName[];
  readonly placements: readonly Placement[];
  /** Training mazes under a random one of the 8 symmetries of the square (evaluation mazes as carved). */
  readonly dihedral: boolean;
  /** Training on smaller mazes first (evaluation mazes are always the full size). */
  readonly curriculum?: MazeCurriculum;
}

/**
 * A curriculum by size: training mazes of side `smallest` (odd, at least 5) at first, the largest side
 * allowed growing by 2 every `stepsPerSide` steps up to the grid's. A smaller maze sits in the grid at a
 * random even offset with walls all round, so its rooms stay on the grid's room lattice; half the mazes
 * of a batch take the largest side allowed, the rest a smaller side at random, so short paths (the
 * local rule of extending a path) are seen all along while most compute goes to the hardest size.
 */
export interface MazeCurriculum {
  readonly smallest: number;
  readonly stepsPerSide: number;
}

/** The largest training side the curriculum allows at `step` (the grid's side without one). */
export function largestSide(mix: MazeMix, size: number, step: number): number {
  const c = mix.curriculum;
  if (!c) return size;
  const side = c.smallest + 2 * Math.floor(step / c.stepsPerSide);
  return Math.min(size, side);
}

/** A side for one training maze: `largest` half the time, else an odd side from `smallest` up, at random. */
function drawSide(rng: Rng, smallest: number, largest: number): number {
  if (largest <= smallest || rng.int(2) === 0) return largest;
  return smallest + 2 * rng.int((largest - smallest) / 2);
}

/** The mix of the first maze presets: the depth-first backtracker, S and G at random cells. */
export const BACKTRACKER_ONLY: MazeMix = { carvers: ['backtracker'], placements: ['random'], dihedral: false };

/** An evaluation maze with where it came from. */
export interface TaggedExample {
  readonly example: Example;
  readonly carver: CarverName;
  readonly placement: Placement;
}

/** The question's cells, the key that tells mazes apart (its answer follows from it). */
const questionKey = (m: Maze) => m.cells;

function draw(rng: Rng, size: number, minPath: number, carver: CarverName, placement: Placement) {
  const made = generateMaze(rng, {
    height: size,
    width: size,
    carver,
    placement,
    minPathLength: minPath,
    attempts: 50,
  });
  return E.isLeft(made) ? undefined : made.right;
}

/**
 * `count` distinct evaluation mazes of the seed, the i-th from the i-th (carver, placement) pair in
 * turn, so that `evalMazes(n)` is a prefix of `evalMazes(m)` for n < m.
 */
export function evalMazes(mix: MazeMix, size: number, minPath: number, seed: number, count: number): TaggedExample[] {
  const pairs = mix.carvers.flatMap((carver) => mix.placements.map((placement) => ({ carver, placement })));
  const rng = createRng(seed);
  const out: TaggedExample[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const { carver, placement } = pairs[out.length % pairs.length];
    const made = draw(rng, size, minPath, carver, placement);
    if (!made || seen.has(questionKey(made.question))) continue;
    seen.add(questionKey(made.question));
    out.push({ example: mazeExample(made.question, made.answer), carver, placement });
  }
  return out;
}

/** The questions training must never draw: the evaluation mazes and, when training transforms, every transform of them. */
export function unseenKeys(mix: MazeMix, evalQuestions: readonly Maze[]): Set<string> {
  const keys = new Set<string>();
  for (const q of evalQuestions)
    for (const k of mix.dihedral ? DIHEDRAL_IDS : [0 as const]) keys.add(questionKey(dihedralMaze(q, k)));
  return keys;
}

/**
 * `count` distinct training mazes of the seed from the mix, none of whose questions is in `avoid`; with a
 * curriculum, of sides up to `largest` (see `MazeCurriculum`).
 */
export function trainMazes(
  mix: MazeMix,
  size: number,
  minPath: number,
  seed: number,
  count: number,
  avoid: ReadonlySet<string>,
  largest: number = size,
): Example[] {
  const rng = createRng(seed);
  const out: Example[] = [];
  const seen = new Set<string>();
  const smallest = mix.curriculum?.smallest ?? size;
  while (out.length < count) {
    // Without a curriculum no random number goes to the side, so the draws stay as they were.
    const side = mix.curriculum ? drawSide(rng, smallest, largest) : size;
    const made = draw(rng, side, minPath, pickOne(rng, mix.carvers), pickOne(rng, mix.placements));
    if (!made) continue;
    // An even offset keeps a smaller maze's rooms on the grid's room lattice.
    const offset = () => (side < size ? 2 * rng.int((size - side) / 2 + 1) : 0);
    const top = offset();
    const left = offset();
    const placed = {
      question: embedMaze(made.question, size, top, left),
      answer: embedMaze(made.answer, size, top, left),
    };
    const k = mix.dihedral ? pickOne(rng, DIHEDRAL_IDS) : 0;
    const question = k === 0 ? placed.question : dihedralMaze(placed.question, k);
    const key = questionKey(question);
    if (avoid.has(key) || seen.has(key)) continue;
    seen.add(key);
    const answer = k === 0 ? placed.answer : dihedralMaze(placed.answer, k);
    out.push({ inputs: encodeMaze(question), labels: encodeMaze(answer), puzzleId: 0 });
  }
  return out;
}
