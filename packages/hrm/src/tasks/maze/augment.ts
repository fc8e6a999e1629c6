/**
 * Optional dihedral augmentation for mazes (`build_maze_dataset.py --aug`; off by default in HRM, as
 * it is here): one of the 8 symmetries of the square applied identically to question and answer. The
 * rules of a maze do not depend on orientation, so a transformed item is still a valid item with an
 * optimal path. Non-square mazes swap height and width under transforms 1, 3, 6, 7.
 */
import { type DihedralId, dihedral, inverseDihedral } from '../dihedral.js';
import { type Maze, mazeFromRows, mazeRows } from './grid.js';

function onRows(maze: Maze, f: (g: string[][]) => string[][]): Maze {
  return mazeFromRows(f(mazeRows(maze).map((r) => r.split(''))).map((r) => r.join('')));
}

/** Transform k of a maze (a new maze); the height and width swap under transforms 1, 3, 6 and 7. */
export function dihedralMaze(maze: Maze, k: DihedralId): Maze {
  return onRows(maze, (g) => dihedral(g, k));
}

/** Undoes `dihedralMaze(·, k)`: maps a prediction for a transformed maze back to the original orientation. */
export function inverseDihedralMaze(maze: Maze, k: DihedralId): Maze {
  return onRows(maze, (g) => inverseDihedral(g, k));
}
