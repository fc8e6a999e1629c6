/**
 * The task data of HRM: Sudoku, Maze-Hard and ARC, with HRM's encodings, augmentations,
 * loaders that report every bad item, generators, and metrics. Pure code with no file system access,
 * so it also runs in a browser; the loaders that read files are in `./node.ts`.
 *
 * Each task turns its items into `Example`s (token sequences and a puzzle id); `toBatch` makes the
 * model's `Batch` from them, and `trainBatches` / `testBatches` order them as HRM's `puzzle_dataset.py`.
 *
 * @packageDocumentation
 * @module @hrm/hrm/tasks
 */

// ARC
export type { ArcAugmentation } from './arc/augment.js';
export { arcAugmentations, augmentGrid, augmentTask, IDENTITY_AUGMENTATION, unaugmentGrid } from './arc/augment.js';
export type { ColourPerm } from './arc/colours.js';
export { applyColours, IDENTITY_COLOURS, invertColourPerm, randomColourPerm } from './arc/colours.js';
export type {
  ArcBuildOptions,
  ArcExample,
  ArcExampleMeta,
  ArcGroup,
  ArcPuzzle,
  ArcSplits,
  ArcTaskAugmentations,
} from './arc/dataset.js';
export { allExamples, buildArcGroups, hrmArcSplits, samplerGroups } from './arc/dataset.js';
export type { Offset } from './arc/encoding.js';
export {
  ARC_EOS,
  ARC_PAD,
  ARC_SEQ_LEN,
  ARC_VOCAB_SIZE,
  cropArcTokens,
  encodeArcGrid,
  encodeArcPair,
  randomArcOffset,
} from './arc/encoding.js';
export { arcPuzzleName, BLANK_PUZZLE_NAME, PuzzleIdRegistry, parseArcPuzzleName } from './arc/ids.js';
export { parseArcTask, parseArcTasks } from './arc/load.js';
export type { ArcAttempts, ArcSubmission } from './arc/submission.js';
export { arcSubmission } from './arc/submission.js';
export type { ArcGrid, ArcPair, ArcTask, ArcTestPair } from './arc/types.js';
export { ARC_MAX_SIDE, ArcGridCodec, ArcTaskFileCodec } from './arc/types.js';
export type { ArcPrediction, ArcScores, ArcTaskResult, ArcVotes, Candidate } from './arc/vote.js';
export { collectVotes, rankCandidates, scoreArc } from './arc/vote.js';
// Shared
export type { BatchOptions, Example } from './batch.js';
export { IGNORE_LABEL, toBatch } from './batch.js';
export type { DihedralId, Grid } from './dihedral.js';
export { DIHEDRAL_IDS, DIHEDRAL_INVERSE, dihedral, inverseDihedral, isDihedralId } from './dihedral.js';
// Maze
export { dihedralMaze, inverseDihedralMaze } from './maze/augment.js';
export { countShortestPaths, distancesFrom, shortestPath } from './maze/bfs.js';
export type { Carver, CarverName } from './maze/carvers.js';
export { CARVER_NAMES, CARVERS, isCarverName } from './maze/carvers.js';
export type { Ends } from './maze/check.js';
export { checkPath, checkQuestion } from './maze/check.js';
export { decodeMaze, encodeMaze, MAZE_CHARSET, MAZE_PAD, MAZE_VOCAB_SIZE, mazeExample } from './maze/encoding.js';
export type { GeneratedMaze, MazeOptions, Placement } from './maze/generate.js';
export { carveMaze, generateMaze, PLACEMENTS } from './maze/generate.js';
export type { Maze } from './maze/grid.js';
export { embedMaze, mazeFromRows, mazeRows } from './maze/grid.js';
export type { Lattice, Opening } from './maze/lattice.js';
export { latticeOf, renderLattice } from './maze/lattice.js';
export type { MazeCsvOptions, MazeItem } from './maze/load.js';
export { checkMazeRow, parseMazeCsv } from './maze/load.js';
export type { MazeMetrics, MazeScored } from './maze/metrics.js';
export { isOptimalPath, mazeMetrics } from './maze/metrics.js';
export type { Checked, Problem } from './problems.js';
export { allOrNothing, formatProblem, numberedLines } from './problems.js';
export type { Rng } from './rng.js';
export { createRng, invertPermutation, isPermutation, pickOne, randomPermutation, shuffled } from './rng.js';
export type { Group, PuzzleExamples, TrainOrderOptions } from './sampler.js';
export { testBatches, trainBatches } from './sampler.js';
// Sudoku
export type { SudokuAugmentation, SudokuAugmentationParts } from './sudoku/augment.js';
export {
  applySudokuAugmentation,
  inverseSudokuAugmentation,
  makeSudokuAugmentation,
  randomSudokuAugmentation,
  sudokuCellSource,
} from './sudoku/augment.js';
export {
  decodeSudoku,
  encodeSudoku,
  SUDOKU_BLANK,
  SUDOKU_PAD,
  sudokuExample,
  sudokuSeqLen,
  sudokuVocabSize,
} from './sudoku/encoding.js';
export type { GeneratedSudoku, GenerateOptions } from './sudoku/generate.js';
export { generateSudoku, randomSolvedGrid } from './sudoku/generate.js';
export { findConflict, formatGrid, givenCount, isSolutionOf, isSolved, parseGrid } from './sudoku/grid.js';
export type { SudokuItem } from './sudoku/load.js';
export { labelSudokuLine, parseSudokuList } from './sudoku/load.js';
export type { SudokuMetrics, SudokuScored } from './sudoku/metrics.js';
export { sudokuMetrics } from './sudoku/metrics.js';
export type { SudokuGrid, SudokuShape } from './sudoku/shape.js';
export { SUDOKU_4, SUDOKU_6, SUDOKU_9 } from './sudoku/shape.js';
export type { SolveOptions, SolveResult } from './sudoku/solver.js';
export { countSolutions, solveSudoku } from './sudoku/solver.js';
