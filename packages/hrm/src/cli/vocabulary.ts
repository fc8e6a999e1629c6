/**
 * The one vocabulary of the `hrm` command's JSON records: `train`, its evaluations, `eval` and `solve`
 * name the same thing the same way (the progress line and the tables use the same words), so a script
 * reads `exact` wherever an exact accuracy is. --help lists the fields each command writes.
 */

/** Every field name a JSON record of `hrm` uses, with its meaning. */
export const FIELDS = {
  event: 'what the record is: start, resume, train, eval, checkpoint, end, or puzzle',
  task: 'the task preset',
  model: 'the model config',
  train: 'the training config',
  seed: 'the run seed',
  checkpoint: 'the checkpoint file',
  path: 'the file written or read',
  step: 'optimiser steps taken',
  stopped: 'true when the run stopped early (a signal, --minutes, a closed stdout)',
  lr: 'the learning rate of the step',
  loss: 'the LM loss of the step',
  stepsPerSecond: 'training steps per second of this process',
  count: 'puzzles scored',
  segments: 'segments run per puzzle',
  segment: 'a segment, from 1',
  perSegment: 'the metrics (or the answer) after each segment',
  atHalt: 'the metrics of the answers at the segment where the Q head halts (ACT)',
  haltSegment: 'the segment where the Q head halts (mean over puzzles, or of the puzzles that halted in a step)',
  haltMargin: 'how far the Q head had to say halt (hrm eval --halt-margin; 0: the model’s own rule)',
  halt: 'fraction of puzzles whose Q head says halt after the segment',
  exact: 'fraction of puzzles whose whole answer equals the label',
  token: 'fraction of tokens (cells) equal to the label',
  blank: 'Sudoku: fraction of the blank cells filled right',
  valid:
    'fraction of answers (or, for one puzzle, whether the answer) an exact checker accepts: a completion keeping the givens and the Sudoku rules; a shortest path from S to G',
  correct: 'whether the answer is the puzzle’s one solution (absent when the puzzle has several)',
  ambiguous: 'whether the puzzle has more than one solution (valid answers then differ from the label)',
  reason: 'why the answer is not valid',
  line: 'the line of the puzzle in --file',
  puzzle: 'the puzzle as given',
  answer: 'the answer, drawn',
  qHalt: 'the Q head’s halt logit',
  qContinue: 'the Q head’s continue logit',
  groups:
    'the scores per group of puzzles (by generator, placement, path length...): each with group, value, count, perSegment, atHalt and haltSegment',
  group: 'a grouping of the puzzles (generator, placement, path...)',
  value: 'the group within a grouping (prim, corners, 9-16...)',
  seconds: 'wall time of the evaluation',
  files: 'files the evaluation wrote (ARC: submission.json)',
  metrics: 'a task’s own metrics (ARC: pass1, pass2, pass2Fraction, tasks)',
  pass1: 'ARC: fraction of tasks with every test output right at the first attempt',
  pass2: 'ARC: fraction of tasks with every test output right within two attempts',
  pass2Fraction: 'ARC: mean fraction of a task’s test outputs right within two attempts',
  tasks: 'ARC: tasks scored',
} as const;

export type Field = keyof typeof FIELDS;

/** The --help section listing `fields` with their meanings. */
export function fieldsHelp(fields: readonly Field[]): string {
  const width = Math.max(...fields.map((f) => f.length));
  return ['JSON fields:', ...fields.map((f) => `  ${f.padEnd(width)}  ${FIELDS[f]}`)].join('\n');
}
