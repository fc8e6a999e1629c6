/**
 * Reading a text file for a loader (node:fs): a file that cannot be read is a problem for that file,
 * reported like any bad line, not an exception that loses the other files' results.
 */
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { type Problem, problem } from './problems.js';

/** The UTF-8 text of the file at `path`, or a problem naming the file and why it cannot be read. */
export function readText(path: string): E.Either<Problem, string> {
  try {
    return E.right(readFileSync(path, 'utf8'));
  } catch (e) {
    return E.left(problem(path, `cannot read: ${e instanceof Error ? e.message : String(e)}`));
  }
}
