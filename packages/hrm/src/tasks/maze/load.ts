/**
 * Maze-Hard CSVs (`question,answer` header, one maze per row, each field H·W characters) to checked
 * items. Every row is validated as `check.ts` describes, and its path length compared with the BFS
 * optimum; any failure is a problem with the file, line and reason, and the row is not returned.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Checked, numberedLines, type Problem, problem } from '../problems.js';
import { distancesFrom } from './bfs.js';
import { checkPath, checkQuestion } from './check.js';
import type { Maze } from './grid.js';

/** One checked maze from a CSV, with where it came from. */
export interface MazeItem {
  readonly source: string;
  /** 1-based line in the file (the header is line 1). */
  readonly line: number;
  readonly question: Maze;
  readonly answer: Maze;
  /** Steps from S to G along the labelled path. */
  readonly pathLength: number;
}

/** What `parseMazeCsv` expects of the rows. */
export interface MazeCsvOptions {
  /** Grid size (default 30x30, Maze-Hard's). */
  readonly height?: number;
  readonly width?: number;
  /** Report labelled paths longer than the BFS optimum (default true: Maze-Hard's all are optimal). */
  readonly requireOptimal?: boolean;
}

/** One data row to an item, or the reason it is not one. */
export function checkMazeRow(
  row: string,
  height: number,
  width: number,
  requireOptimal: boolean,
): E.Either<string, Omit<MazeItem, 'source' | 'line'>> {
  // The maze alphabet has no comma or quote, so a plain split is exact; a quote means another format.
  if (row.includes('"')) return E.left('quoted CSV fields are not supported');
  const fields = row.split(',');
  if (fields.length !== 2) return E.left(`expected 2 fields (question,answer), got ${fields.length}`);
  const n = height * width;
  const [q, a] = fields;
  if (q.length !== n) return E.left(`question has ${q.length} characters, expected ${n}`);
  if (a.length !== n) return E.left(`answer has ${a.length} characters, expected ${n}`);
  const question: Maze = { height, width, cells: q };
  const answer: Maze = { height, width, cells: a };
  const ends = checkQuestion(question);
  if (E.isLeft(ends)) return ends;
  const steps = checkPath(question, answer, ends.right);
  if (E.isLeft(steps)) return E.left(`answer: ${steps.left}`);
  if (requireOptimal) {
    const best = distancesFrom(question, ends.right.start)[ends.right.goal];
    if (steps.right !== best) return E.left(`labelled path has ${steps.right} steps, the shortest has ${best}`);
  }
  return E.right({ question, answer, pathLength: steps.right });
}

/** The items of a Maze-Hard CSV's text, checked row by row; `source` names the file in each problem. */
export function parseMazeCsv(text: string, source: string, opts: MazeCsvOptions = {}): Checked<MazeItem> {
  const height = opts.height ?? 30;
  const width = opts.width ?? 30;
  const items: MazeItem[] = [];
  const problems: Problem[] = [];
  const lines = numberedLines(text);
  if (lines.length === 0)
    return { items, problems: [problem(source, 'empty file, expected a question,answer header')] };
  if (lines[0].text !== 'question,answer')
    problems.push(
      problem(source, `expected the header "question,answer", got ${JSON.stringify(lines[0].text.slice(0, 40))}`, 1),
    );
  if (lines.length === 1) problems.push(problem(source, 'no mazes after the header'));
  for (const { line, text: row } of lines.slice(1)) {
    const r = checkMazeRow(row, height, width, opts.requireOptimal ?? true);
    if (E.isLeft(r)) problems.push(problem(source, r.left, line));
    else items.push({ source, line, ...r.right });
  }
  return { items, problems };
}
