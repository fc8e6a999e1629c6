/**
 * Puzzle identifiers for ARC: one per (task, augmentation), so the model's puzzle embedding can learn
 * each variant (HRM's `identifier_map`). Names are `<task>|t<k>|<colours>`, e.g. `007bbfb7|t3|0271935846`
 * (HRM writes `<task>_t3_0271935846` and leaves the original bare; here every name has both parts, the
 * identity being `|t0|0123456789`). Id 0 is reserved for the blank puzzle that pads batches, as HRM's
 * `blank_identifier_id`; real names get 1, 2, ... in the order first seen, so the same name gets the
 * same id in the train and test splits.
 */
import * as E from 'fp-ts/lib/Either.js';
import { isDihedralId } from '../dihedral.js';
import type { ArcAugmentation } from './augment.js';
import { colourPermString, parseColourPerm } from './colours.js';

/** The name of puzzle id 0, the blank puzzle of padding rows. */
export const BLANK_PUZZLE_NAME = '<blank>';

/** The puzzle name of a task under an augmentation, `<task>|t<k>|<colours>`. */
export function arcPuzzleName(taskId: string, aug: ArcAugmentation): string {
  return `${taskId}|t${aug.dihedral}|${colourPermString(aug.colours)}`;
}

/** The task id and augmentation a name stands for. Splits from the right, so a task id may contain `|`. */
export function parseArcPuzzleName(name: string): E.Either<string, { taskId: string; aug: ArcAugmentation }> {
  const m = /^(.*)\|t([0-9])\|([0-9]{10})$/.exec(name);
  if (!m) return E.left(`puzzle name ${JSON.stringify(name)} is not <task>|t<k>|<10 colour digits>`);
  const k = Number(m[2]);
  const colours = parseColourPerm(m[3]);
  if (!isDihedralId(k)) return E.left(`puzzle name ${JSON.stringify(name)}: transform t${k} is not 0-7`);
  if (!colours) return E.left(`puzzle name ${JSON.stringify(name)}: ${m[3]} is not a colour permutation keeping 0`);
  return E.right({ taskId: m[1], aug: { dihedral: k, colours } });
}

/** Names to integer ids and back; id 0 is the blank. Grows as new names are asked for. */
export class PuzzleIdRegistry {
  private readonly byName = new Map<string, number>();
  private readonly names: string[] = [BLANK_PUZZLE_NAME];

  /** A registry that continues a saved list (index = id, entry 0 the blank), e.g. HRM's identifiers.json. */
  static fromNames(names: readonly string[]): E.Either<string, PuzzleIdRegistry> {
    if (names[0] !== BLANK_PUZZLE_NAME)
      return E.left(`entry 0 must be ${BLANK_PUZZLE_NAME}, got ${JSON.stringify(names[0])}`);
    const reg = new PuzzleIdRegistry();
    for (let i = 1; i < names.length; i++) {
      if (reg.byName.has(names[i]) || names[i] === BLANK_PUZZLE_NAME)
        return E.left(`name ${JSON.stringify(names[i])} appears twice (ids ${reg.byName.get(names[i]) ?? 0} and ${i})`);
      reg.idOf(names[i]);
    }
    return E.right(reg);
  }

  /** The id of `name`, assigning the next free one if it is new. */
  idOf(name: string): number {
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    if (name === BLANK_PUZZLE_NAME) return 0;
    const id = this.names.length;
    this.names.push(name);
    this.byName.set(name, id);
    return id;
  }

  /** The id of a known name, without assigning. */
  lookup(name: string): number | undefined {
    return name === BLANK_PUZZLE_NAME ? 0 : this.byName.get(name);
  }

  /** The name an id was assigned to, or undefined for an id not assigned yet. */
  nameOf(id: number): string | undefined {
    return this.names[id];
  }

  /** How many ids exist, blank included: the model's `numPuzzleIdentifiers`. */
  get size(): number {
    return this.names.length;
  }

  /** Every name by id, entry 0 the blank (the layout of HRM's identifiers.json). */
  toNames(): readonly string[] {
    return [...this.names];
  }
}
