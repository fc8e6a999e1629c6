/**
 * The rules a Maze-Hard item obeys, as checks that say what is wrong: a question has only `# SG`,
 * exactly one S and one G; an answer is the question with some open cells turned into `o`, and those
 * cells with S and G form one simple path from S to G. A path is accepted only when every `o` cell
 * touches exactly two path cells and S and G exactly one, which is exactly the shape of a shortest
 * path (a shortest path never runs alongside itself, else it could cut the corner).
 */
import * as E from 'fp-ts/lib/Either.js';
import { cellName, cellsWith, GOAL, type Maze, neighbours, OPEN, PATH, START } from './grid.js';

/** The cell indices (row-major) of a maze's start S and goal G. */
export interface Ends {
  readonly start: number;
  readonly goal: number;
}

const QUESTION_CHARS = new Set(['#', ' ', 'S', 'G']);

/** Where S and G are in a well-formed question, or the first thing wrong with it (size, a stray character, not one S and one G). */
export function checkQuestion(q: Maze): E.Either<string, Ends> {
  if (q.cells.length !== q.height * q.width)
    return E.left(`question has ${q.cells.length} cells, expected ${q.height}x${q.width} = ${q.height * q.width}`);
  for (let i = 0; i < q.cells.length; i++)
    if (!QUESTION_CHARS.has(q.cells[i]))
      return E.left(`question cell ${cellName(q, i)} is ${JSON.stringify(q.cells[i])}, expected one of "# SG"`);
  const starts = cellsWith(q, START);
  const goals = cellsWith(q, GOAL);
  if (starts.length !== 1) return E.left(`question has ${starts.length} S cells, expected 1`);
  if (goals.length !== 1) return E.left(`question has ${goals.length} G cells, expected 1`);
  return E.right({ start: starts[0], goal: goals[0] });
}

/** The number of steps of the path that `answer` marks on `question`, or why it is not a valid path. */
export function checkPath(question: Maze, answer: Maze, ends: Ends): E.Either<string, number> {
  if (
    answer.height !== question.height ||
    answer.width !== question.width ||
    answer.cells.length !== question.cells.length
  )
    return E.left(
      `answer is ${answer.height}x${answer.width} with ${answer.cells.length} cells, question is ${question.height}x${question.width}`,
    );
  const onPath = new Uint8Array(question.cells.length);
  let size = 0;
  for (let i = 0; i < question.cells.length; i++) {
    const a = answer.cells[i];
    const q = question.cells[i];
    if (a !== q && !(q === OPEN && a === PATH))
      return E.left(
        `cell ${cellName(question, i)} is ${JSON.stringify(a)} in the answer but ${JSON.stringify(q)} in the question`,
      );
    if (a === PATH || i === ends.start || i === ends.goal) {
      onPath[i] = 1;
      size++;
    }
  }
  const pathNeighbours = (c: number) => neighbours(question, c).filter((nb) => onPath[nb]);
  for (let i = 0; i < onPath.length; i++) {
    if (!onPath[i]) continue;
    const k = pathNeighbours(i).length;
    const end = i === ends.start || i === ends.goal;
    if (k !== (end ? 1 : 2))
      return E.left(
        `${end ? answer.cells[i] : 'path cell'} at ${cellName(question, i)} touches ${k} path cells, expected ${end ? 1 : 2}`,
      );
  }
  // With those degrees, the part holding S is a simple path that ends at G; anything else is a loop.
  let prev = -1;
  let cur = ends.start;
  let steps = 0;
  while (cur !== ends.goal) {
    const next = pathNeighbours(cur).find((nb) => nb !== prev);
    if (next === undefined) return E.left('the path from S does not reach G');
    prev = cur;
    cur = next;
    steps++;
  }
  if (steps + 1 !== size) return E.left(`${size - steps - 1} path cells are not on the path from S to G`);
  return E.right(steps);
}
