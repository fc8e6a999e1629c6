/**
 * `hrm eval`: score a checkpoint on unseen puzzles of its task (or the puzzles of a file), after every
 * segment and where the Q head halts; with a file, each puzzle's answer is judged by the task's exact
 * checker too.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { CliError, type Command, type Parsed, UsageError } from './args.js';
import { answersAtHalt, predictor, runExamples, scoreRuns } from './evaluation.js';
import { MAX_SEGMENTS, type ModelFile, readModelFile } from './model-file.js';
import { examplesOf, judge, puzzleInput, puzzleRecord } from './puzzles.js';
import { fieldsHelp } from './vocabulary.js';

/** The most puzzles `--size` asks for (the generated sets are made in memory, the data files hold fewer). */
export const MAX_EVAL_SIZE = 100_000;

/** Checks the folder of the files an evaluation writes before it runs (it can take minutes). */
function outFolder(args: Parsed): string {
  const folder = args.string('out') ?? '.';
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new CliError(`cannot write in ${resolve(folder)}: the folder does not exist`);
  return folder;
}

/** A task evaluated as a whole (ARC: votes across augmentations), with the files it writes. */
function evaluateTask(m: ModelFile, segments: number, folder: string, json: boolean): number {
  const evaluation = m.preset.evaluate;
  if (!evaluation) throw new Error(`${m.preset.name} has no task evaluation`);
  const t0 = performance.now();
  const result = evaluation(predictor(m), segments);
  const written = Object.entries(result.files ?? {}).map(([name, doc]) => {
    const target = join(folder, name);
    const ok = writeFileAtomic(target, [new TextEncoder().encode(JSON.stringify(doc))]);
    if (E.isLeft(ok)) throw new CliError(`cannot write ${target}: ${ok.left}`);
    return target;
  });
  const seconds = (performance.now() - t0) / 1000;
  if (json) {
    const record = { event: 'eval', checkpoint: m.path, task: m.preset.name, step: m.step, segments };
    console.log(JSON.stringify({ ...record, metrics: result.metrics, files: written, seconds }));
  } else console.log(`${result.report}${written.length > 0 ? `\nwrote ${written.join(', ')}` : ''}`);
  return 0;
}

export const evaluate: Command = {
  name: 'eval',
  summary: 'score a checkpoint on unseen puzzles (or those of a file), segment by segment',
  usage: '--checkpoint <file> [--size N | --file <file>] [--segments N] [--json]',
  maxPositionals: 0,
  options: {
    checkpoint: { type: 'string', help: 'a checkpoint written by hrm train', value: '<file>' },
    size: { type: 'string', help: `unseen puzzles to score, at most ${MAX_EVAL_SIZE}`, value: '<N>', default: '1000' },
    file: {
      type: 'string',
      help: 'score these puzzles instead: one per line, or JSON lines {"puzzle": ...}; with --json, a line per puzzle',
      value: '<file>',
    },
    segments: {
      type: 'string',
      help: `segments to run, at most ${MAX_SEGMENTS} (default: the model’s halt_max_steps; more lets it think longer)`,
      value: '<N>',
    },
    json: { type: 'boolean', help: 'print JSON: with --file a line per puzzle, then the scores' },
    data: { type: 'string', help: 'the folder of the data files (default: $HRM_DATA)', value: '<folder>' },
    out: {
      type: 'string',
      help: 'folder for files the evaluation writes (ARC: submission.json)',
      value: '<folder>',
      default: '.',
    },
  },
  notes: fieldsHelp([
    'event',
    'checkpoint',
    'task',
    'step',
    'count',
    'segments',
    'perSegment',
    'segment',
    'exact',
    'token',
    'blank',
    'valid',
    'atHalt',
    'haltSegment',
    'seconds',
    'line',
    'puzzle',
    'answer',
    'correct',
    'ambiguous',
    'reason',
  ]),
  run: (args) => {
    const path = args.string('checkpoint');
    if (!path) throw new UsageError('--checkpoint is required');
    const size = args.number('size', { integer: true, min: 1, max: MAX_EVAL_SIZE }) ?? 1000;
    const segmentsFlag = args.number('segments', { integer: true, min: 1, max: MAX_SEGMENTS });
    const json = args.flag('json');
    const folder = outFolder(args);
    const input = puzzleInput(args, false);
    const data = args.string('data');
    const m = readModelFile(path, data === undefined ? {} : { dataDir: data });
    const segments = segmentsFlag ?? m.model.haltMaxSteps;
    if (m.preset.evaluate) {
      if (input) throw new UsageError(`${m.preset.name} is evaluated on its own tasks; --file is for typed puzzles`);
      return evaluateTask(m, segments, folder, json);
    }
    const t0 = performance.now();
    const puzzles = input ? examplesOf(input, m.preset) : undefined;
    const examples = puzzles?.map((p) => p.example) ?? m.preset.evalExamples(size);
    const runs = runExamples(m, examples, segments);
    const r = scoreRuns(m.preset, examples, runs);
    const seconds = (performance.now() - t0) / 1000;
    const perSegment = r.perSegment.map((s, i) => ({ segment: i + 1, ...s }));
    if (json) {
      const answers = answersAtHalt(runs);
      puzzles?.forEach(({ given, example }, i) => {
        const verdict = judge(m, example, answers[i]);
        console.log(JSON.stringify(puzzleRecord(m, given, answers[i], verdict, runs.haltSegments[i])));
      });
      const { count, atHalt, meanHaltSegment: haltSegment } = r;
      const record = { event: 'eval', checkpoint: path, task: m.preset.name, step: m.step, count, segments };
      console.log(JSON.stringify({ ...record, perSegment, atHalt, haltSegment, seconds }));
      return 0;
    }
    const keys = Object.keys(r.perSegment[0] ?? {});
    const what = input && 'file' in input ? `puzzles of ${input.file}` : 'unseen puzzles';
    console.log(`${m.preset.name}: ${r.count} ${what}, checkpoint ${path} (step ${m.step}), ${seconds.toFixed(1)} s`);
    const width = Math.max(12, ...keys.map((k) => k.length + 2));
    console.log(['segment', ...keys].map((k) => k.padStart(width)).join(''));
    r.perSegment.forEach((s, i) => {
      console.log([String(i + 1), ...keys.map((k) => s[k].toFixed(4))].map((v) => v.padStart(width)).join(''));
    });
    console.log(
      `with ACT halting (mean ${r.meanHaltSegment.toFixed(2)} segments): ${keys.map((k) => `${k} ${r.atHalt[k].toFixed(4)}`).join(', ')}`,
    );
    return 0;
  },
};
