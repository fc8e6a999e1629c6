/**
 * `hrm solve`: solve a puzzle given as an argument or on standard input, or every puzzle of a file in
 * one process, and judge each answer with the task's exact checker: valid (the rules kept), correct
 * where the puzzle has one solution, ambiguous where it has several. Exits 1 when an answer is not valid.
 */
import type { Verdict } from '../presets/preset.js';
import type { Example } from '../tasks/index.js';
import { type Command, UsageError } from './args.js';
import { answersAtHalt, type ExampleRuns, HALT_MARGIN_OPTION, haltMarginOf, runExamples } from './evaluation.js';
import { MAX_SEGMENTS, type ModelFile, readModelFile } from './model-file.js';
import { examplesOf, judge, puzzleInput, puzzleRecord } from './puzzles.js';
import { fieldsHelp } from './vocabulary.js';

/** The answer after each segment, with the Q head's logits, for --trace. */
function traceOf(m: ModelFile, runs: ExampleRuns, i: number) {
  return runs.answers.map((answers, k) => ({
    segment: k + 1,
    answer: m.preset.format(answers[i]),
    qHalt: runs.qHalt[k][i],
    qContinue: runs.qContinue[k][i],
  }));
}

/** Each segment's answer for a person: the Q values, where ACT halts, and whether the answer is valid yet. */
function printTrace(m: ModelFile, runs: ExampleRuns, i: number, example: Example): void {
  for (const s of traceOf(m, runs, i)) {
    const halts = s.segment === runs.haltSegments[i] ? '  <- ACT halts here' : '';
    const valid = judge(m, example, runs.answers[s.segment - 1][i]).valid ? '  (valid)' : '';
    console.log(
      `segment ${s.segment}: q_halt ${s.qHalt.toFixed(3)}, q_continue ${s.qContinue.toFixed(3)}${halts}${valid}`,
    );
    console.log(`${s.answer}\n`);
  }
}

/** `valid: the puzzle's one solution, after 2 segments` and the like. */
function verdictLine(v: Verdict, haltSegment: number): string {
  const after = `after ${haltSegment} segment${haltSegment === 1 ? '' : 's'}`;
  if (!v.valid) return `not valid: ${v.reason ?? 'the answer breaks the rules'} (${after})`;
  return v.ambiguous
    ? `valid: one of the puzzle’s solutions (it has several), ${after}`
    : `valid: the puzzle’s one solution, ${after}`;
}

export const solve: Command = {
  name: 'solve',
  summary: 'solve puzzles (one given, or every puzzle of a file), each judged by an exact checker',
  usage: '--checkpoint <file> [<puzzle> | --file <file> | < puzzle.txt] [--halt-margin m] [--trace] [--json]',
  options: {
    checkpoint: { type: 'string', help: 'a checkpoint written by hrm train', value: '<file>' },
    file: {
      type: 'string',
      help: 'many puzzles: one per line (a maze as its rows joined), or JSON lines {"puzzle": ...}',
      value: '<file>',
    },
    segments: {
      type: 'string',
      help: `segments to run, at most ${MAX_SEGMENTS} (default: the model’s halt_max_steps)`,
      value: '<N>',
    },
    'halt-margin': HALT_MARGIN_OPTION,
    trace: { type: 'boolean', help: 'show the answer and the Q values after each segment' },
    json: { type: 'boolean', help: 'print one JSON line per puzzle' },
  },
  notes: [
    'Exit status: 0 when every answer is valid, 1 when one is not (or on an error), 2 on a usage error.',
    '',
    fieldsHelp([
      'event',
      'line',
      'puzzle',
      'answer',
      'valid',
      'correct',
      'ambiguous',
      'reason',
      'haltSegment',
      'perSegment',
      'segment',
      'qHalt',
      'qContinue',
    ]),
  ].join('\n'),
  run: (args) => {
    const path = args.string('checkpoint');
    if (!path) throw new UsageError('--checkpoint is required');
    const segmentsFlag = args.number('segments', { integer: true, min: 1, max: MAX_SEGMENTS });
    const haltMargin = haltMarginOf(args);
    const input = puzzleInput(args, true);
    if (!input) throw new UsageError('give the puzzle as an argument, with --file, or on standard input');
    const m = readModelFile(path);
    const puzzles = examplesOf(input, m.preset);
    const examples = puzzles.map((p) => p.example);
    const runs = runExamples(m, examples, segmentsFlag ?? m.model.haltMaxSteps, haltMargin);
    const answers = answersAtHalt(runs);
    const trace = args.flag('trace');
    let allValid = true;
    puzzles.forEach(({ given, example }, i) => {
      const verdict = judge(m, example, answers[i]);
      allValid &&= verdict.valid;
      const halt = runs.haltSegments[i];
      if (args.flag('json')) {
        const record = puzzleRecord(m, given, answers[i], verdict, halt);
        console.log(JSON.stringify(trace ? { ...record, perSegment: traceOf(m, runs, i) } : record));
        return;
      }
      if (puzzles.length > 1)
        console.log(`${i > 0 ? '\n' : ''}puzzle ${i + 1}${given.line ? ` (line ${given.line})` : ''}:`);
      if (trace) printTrace(m, runs, i, example);
      console.log(m.preset.format(answers[i]));
      console.log(verdictLine(verdict, halt));
    });
    return allValid ? 0 : 1;
  },
};
