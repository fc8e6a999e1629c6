/**
 * ARC task files to checked tasks. Each file is one task named by its file name; a file that is not
 * JSON, does not match the codec (missing fields, ragged rows, colours outside 0–9, grids over 30x30)
 * or has no demonstrations or no test inputs is reported with the task id and every reason, and is
 * not returned. Two files with the same task id are reported too (ARC-2 training reuses ARC-1 ids).
 */
import { formatValidationErrors } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { type Checked, type Problem, problem } from '../problems.js';
import { type ArcTask, ArcTaskFileCodec, toTask } from './types.js';

/** The task in one file's JSON text, `id` its name, or every problem found (each naming the task). */
export function parseArcTask(id: string, json: string): E.Either<readonly Problem[], ArcTask> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    return E.left([problem(id, `not JSON: ${e instanceof Error ? e.message : String(e)}`)]);
  }
  const file = ArcTaskFileCodec.decode(value);
  if (E.isLeft(file)) return E.left(formatValidationErrors(file.left).map((m) => problem(id, m)));
  const task = toTask(id, file.right);
  return E.isLeft(task) ? E.left(task.left.map((m) => problem(id, m))) : E.right(task.right);
}

/** Many task files at once, as `{ id, json }`; ids must be unique. */
export function parseArcTasks(files: readonly { readonly id: string; readonly json: string }[]): Checked<ArcTask> {
  const items: ArcTask[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const { id, json } of files) {
    if (seen.has(id)) {
      problems.push(problem(id, 'duplicate task id (another file has the same name)'));
      continue;
    }
    seen.add(id);
    const r = parseArcTask(id, json);
    if (E.isLeft(r)) problems.push(...r.left);
    else items.push(r.right);
  }
  return { items, problems };
}
