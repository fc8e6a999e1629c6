import { describe, expect, it } from 'vitest';
import { dataPath, hasDataDir } from '../data-dir.js';
import { distancesFrom } from './bfs.js';
import { encodeMaze } from './encoding.js';
import { loadMazeCsv } from './files.js';
import { cellsWith, type Maze, neighbours, PATH, withCells } from './grid.js';
import { mazeMetrics } from './metrics.js';

/** A shortest S–G path that avoids the labelled path's cells where it can. */
function otherShortestPath(question: Maze, label: Maze): Maze {
  const [s] = cellsWith(question, 'S');
  const [g] = cellsWith(question, 'G');
  const toGoal = distancesFrom(question, g);
  const cells: number[] = [];
  let cur = s;
  while (toGoal[cur] > 1) {
    const steps = neighbours(question, cur).filter((nb) => toGoal[nb] === toGoal[cur] - 1);
    cur = steps.find((nb) => label.cells[nb] !== PATH) ?? steps[0];
    cells.push(cur);
  }
  return withCells(question, cells, PATH);
}

/** The first Maze-Hard test maze, encoded (the tests that use it skip where the data folder is missing). */
function firstHardMaze() {
  const { question, answer } = loadMazeCsv(dataPath('maze-30x30-hard-1k/test.csv')).items[0];
  return { question, answer, inputs: encodeMaze(question), labels: encodeMaze(answer) };
}

describe('maze metrics', () => {
  it.skipIf(!hasDataDir())('counts a different shortest path of a Maze-Hard maze as valid but not exact', () => {
    const { question, answer, inputs, labels } = firstHardMaze();
    const other = otherShortestPath(question, answer);
    expect(other.cells).not.toBe(answer.cells);
    const m = mazeMetrics(
      [
        { inputs, labels, prediction: labels },
        { inputs, labels, prediction: encodeMaze(other) },
      ],
      30,
      30,
    );
    expect(m).toEqual({ count: 2, exact: 0.5, validOptimal: 1 });
  });

  it.skipIf(!hasDataDir())(
    'rejects a path with a gap, a wall walked through, a changed wall, and the bare question',
    () => {
      const { question, answer, inputs, labels } = firstHardMaze();
      const pathCells = cellsWith(answer, PATH);
      const gap = withCells(answer, [pathCells[5]], ' ');
      const wall = cellsWith(question, '#')[0];
      const noWall = withCells(answer, [wall], ' ');
      const throughWall = withCells(answer, [wall], PATH);
      const m = mazeMetrics(
        [gap, noWall, throughWall, question].map((p) => ({ inputs, labels, prediction: encodeMaze(p) })),
        30,
        30,
      );
      expect(m).toEqual({ count: 4, exact: 0, validOptimal: 0 });
    },
  );

  it('rejects a longer path around an obstacle', () => {
    // In an open 3x5 room, S to G along the top is 4 steps; down, along and up is 6.
    const q: Maze = { height: 3, width: 5, cells: ['S   G', '     ', '     '].join('') };
    const long: Maze = { ...q, cells: ['S   G', 'o   o', 'ooooo'].join('') };
    const short: Maze = { ...q, cells: ['SoooG', '     ', '     '].join('') };
    const m = mazeMetrics(
      [long, short].map((p) => ({ inputs: encodeMaze(q), labels: encodeMaze(short), prediction: encodeMaze(p) })),
      3,
      5,
    );
    expect(m).toEqual({ count: 2, exact: 0.5, validOptimal: 0.5 });
  });

  it('rejects tokens of the wrong length', () => {
    expect(() => mazeMetrics([{ inputs: [1], labels: [1], prediction: [1] }], 2, 2)).toThrow(/item 0/);
  });
});
