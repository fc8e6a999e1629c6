/**
 * How loaders report bad input: every problem names where it is (a file and line, or a task id) and
 * why, and a loader returns all of them rather than stopping at the first or silently skipping an
 * item. `Checked` keeps the good items next to the problems, so a caller can decide: `allOrNothing`
 * for training data (any problem is an error), or use the good items and print the rest.
 */
import * as E from 'fp-ts/lib/Either.js';

/** One thing wrong with loader input: where it is and why. */
export interface Problem {
  /** The file path, or the task id for ARC. */
  readonly source: string;
  /** 1-based line number, when the source is a line-oriented file. */
  readonly line?: number;
  readonly reason: string;
}

/** A loader's result: the items that passed, and a problem for each that did not. */
export interface Checked<T> {
  readonly items: readonly T[];
  readonly problems: readonly Problem[];
}

export function problem(source: string, reason: string, line?: number): Problem {
  return line === undefined ? { source, reason } : { source, line, reason };
}

/** `file:line: reason`, or `source: reason` without a line. */
export function formatProblem(p: Problem): string {
  return p.line === undefined ? `${p.source}: ${p.reason}` : `${p.source}:${p.line}: ${p.reason}`;
}

/** Right with every item when there was no problem, otherwise Left with every problem. */
export function allOrNothing<T>(checked: Checked<T>): E.Either<readonly Problem[], readonly T[]> {
  return checked.problems.length === 0 ? E.right(checked.items) : E.left(checked.problems);
}

/**
 * The lines of a text file with their 1-based numbers. A final newline does not make an extra empty
 * line, and a CR before LF is dropped (files written on Windows), but any other empty line is kept so
 * that the loader reports it instead of quietly shifting the numbering.
 */
export function numberedLines(text: string): { readonly line: number; readonly text: string }[] {
  const parts = text.split('\n');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((t, i) => ({ line: i + 1, text: t.endsWith('\r') ? t.slice(0, -1) : t }));
}
