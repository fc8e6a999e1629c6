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

/** `count` distinct training mazes of the seed from the mix, none of whose questions is in `avoid`. */
export function trainMazes(
  mix: MazeMix,
  size: number,
  minPath: number,
  seed: number,
  count: number,
  avoid: ReadonlySet<string>,
): Example[] {
  const rng = createRng(seed);
  const out: Example[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const made = draw(rng, size, minPath, pickOne(rng, mix.carvers), pickOne(rng, mix.placements));
    if (!made) continue;
    const k = mix.dihedral ? pickOne(rng, DIHEDRAL_IDS) : 0;
    const question = k === 0 ? made.question : dihedralMaze(made.question, k);
    const key = questionKey(question);
    if (avoid.has(key) || seen.has(key)) continue;
    seen.add(key);
    const answer = k === 0 ? made.answer : dihedralMaze(made.answer, k);
    out.push({ inputs: encodeMaze(question), labels: encodeMaze(answer), puzzleId: 0 });
  }
  return out;
}
