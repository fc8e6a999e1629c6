/**
 * Times the solver on the shared hard 9x9 lists: labels every puzzle (solution and uniqueness check)
 * and reports wall time, per-puzzle mean and worst case, and search nodes.
 *
 *   npx tsx bench/src/sudoku-solver.ts [file ...]
 *
 * Defaults to the 300 hardest-for-backtracking puzzles (tdoku_puzzles6) and the 1,172 magictour ones.
 */
import { readFileSync } from 'node:fs';
import { isSolutionOf, numberedLines, parseGrid, SUDOKU_9, solveSudoku } from '@hrm/hrm/tasks';
import { dataPath } from '@hrm/hrm/tasks/node';
import * as E from 'fp-ts/lib/Either.js';

const DATA = dataPath('sudoku');
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : [`${DATA}/tdoku_puzzles6_forum_hardest_1106.txt`, `${DATA}/tdoku_puzzles3_magictour_top1465.txt`];

for (const file of files) {
  const puzzles = numberedLines(readFileSync(file, 'utf8')).map(({ line, text }) => {
    const g = parseGrid(text, SUDOKU_9);
    if (E.isLeft(g)) throw new Error(`${file}:${line}: ${g.left}`);
    return g.right;
  });
  // Warm the JIT on a few puzzles so the timing is of the compiled solver.
  for (const p of puzzles.slice(0, 20)) solveSudoku(p, SUDOKU_9, { limit: 2 });
  let worst = 0;
  let nodes = 0;
  let bad = 0;
  const t0 = performance.now();
  // CPU time as well as wall time: on a shared machine the wall clock includes other processes' turns.
  const cpu0 = process.cpuUsage();
  for (const p of puzzles) {
    const s = performance.now();
    const r = solveSudoku(p, SUDOKU_9, { limit: 2 });
    worst = Math.max(worst, performance.now() - s);
    nodes += r.nodes;
    if (r.count !== 1 || !r.solution || !isSolutionOf(p, r.solution, SUDOKU_9)) bad++;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `${file.split('/').pop()}: ${puzzles.length} puzzles labelled (unique solution checked) in ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU, ` +
      `${((cpuMs / puzzles.length) * 1000).toFixed(0)} µs CPU/puzzle, worst ${worst.toFixed(1)} ms, ` +
      `${(nodes / puzzles.length).toFixed(1)} nodes/puzzle, ${bad} not uniquely solved`,
  );
}
