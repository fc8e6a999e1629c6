/**
 * ARC tasks from disk (node:fs): a `.json` file, or a folder searched recursively (ConceptARC keeps
 * one folder per concept). Files are read in sorted path order so that results do not depend on the
 * file system's listing order. Also writes a submission file.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { type Checked, type Problem, problem } from '../problems.js';
import { readText } from '../read-text.js';
import { parseArcTasks } from './load.js';
import type { ArcSubmission } from './submission.js';
import type { ArcTask } from './types.js';

function jsonFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const full = join(path, name);
      return statSync(full).isDirectory() ? jsonFiles(full) : name.endsWith('.json') ? [full] : [];
    });
}

/**
 * The tasks in a `.json` file or under a folder (recursively, in sorted path order), each named by its file
 * name; unreadable and invalid files are reported in `problems`, each by its path, and left out.
 */
export function loadArcTasks(path: string): Checked<ArcTask> {
  let paths: string[];
  try {
    paths = jsonFiles(path);
  } catch (e) {
    return { items: [], problems: [problem(path, `cannot read: ${e instanceof Error ? e.message : String(e)}`)] };
  }
  const unreadable: Problem[] = [];
  const files: { id: string; json: string; path: string }[] = [];
  for (const p of paths) {
    const text = readText(p);
    if (E.isLeft(text)) unreadable.push(text.left);
    else files.push({ id: basename(p, '.json'), json: text.right, path: p });
  }
  const parsed = parseArcTasks(files);
  // A task's problems name its file (the id alone does not say where it is), the first file of a duplicate id.
  const pathOf = new Map(files.map((f) => [f.id, f.path]).reverse() as [string, string][]);
  const located = parsed.problems.map((p) => ({ ...p, source: pathOf.get(p.source) ?? p.source }));
  return { items: parsed.items, problems: [...unreadable, ...located] };
}

/** Writes `submission` as JSON to `path`; a Left holds the file system's error. */
export function writeArcSubmission(path: string, submission: ArcSubmission): E.Either<Error, void> {
  try {
    writeFileSync(path, JSON.stringify(submission));
    return E.right(undefined);
  } catch (e) {
    return E.left(e instanceof Error ? e : new Error(String(e)));
  }
}
