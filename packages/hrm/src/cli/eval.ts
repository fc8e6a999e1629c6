/**
 * `hrm eval`: score a checkpoint on unseen puzzles of its task (or the puzzles of a file), after every
 * segment and where the Q head halts; with a file, each puzzle's answer is judged by the task's exact
 * checker too.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { reasonerFor } from '../arch.js';
import { atSeqLen, sizeFree } from '../config.js';
import { PRESET_NAMES, presetNamed } from '../presets/node.js';
import type { TaskPreset } from '../presets/preset.js';
import { CliError, type Command, type Parsed, UsageError } from './args.js';
import {
  answersAtHalt,
  type GroupScore,
  HALT_MARGIN_OPTION,
  haltMarginOf,
  predictor,
  runExamples,
  scoreGroups,
  scoreRuns,
} from './evaluation.js';
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

/** The breakdown by group: one metric after the first and the last segment and at ACT's halt, a row per group. */
export function groupTable(groups: readonly GroupScore[], metric: string): string {
  const segments = groups[0]?.perSegment.length ?? 0;
  const head = ['group', 'count', 'segment 1', `segment ${segments}`, 'at halt', 'segments'];
  const rows = groups.map((g) => [
    `${g.group} ${g.value}`,
    String(g.count),
    ...[g.perSegment[0], g.perSegment[segments - 1], g.atHalt].map((s) => (s?.[metric] ?? Number.NaN).toFixed(4)),
    g.meanHaltSegment.toFixed(2),
  ]);
  const first = Math.max(head[0].length, ...rows.map((r) => r[0].length)) + 2;
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(first) : c.padStart(Math.max(12, head[i].length + 2)))).join('');
  return [`${metric} by group:`, line(head), ...rows.map(line)].join('\n');
}

/**
 * The task whose unseen puzzles `--on` asks for (a model of one generator scored on another's mazes),
 * or the checkpoint's own, and the model that scores it. Another task must have the same vocabulary
 * and sequence length, or, for a size-free model (the grid mixer without learned positions), the same
 * vocabulary: the same weights then run at the task's sequence length (9x9 mazes to 15x15).
 */
function scoredTask(args: Parsed, m: ModelFile): { task: TaskPreset; m: ModelFile } {
  const name = args.string('on');
  if (name === undefined) return { task: m.preset, m };
  const data = args.string('data');
  const other = presetNamed(name, data === undefined ? {} : { dataDir: data });
  if (!other) throw new UsageError(`unknown task '${name}' (known: ${PRESET_NAMES.join(', ')})`);
  const { vocabSize, seqLen } = other.model;
  const resized = seqLen !== m.model.seqLen;
  if (vocabSize !== m.model.vocabSize || (resized && !sizeFree(m.model)) || other.evaluate)
    throw new UsageError(
      `a ${m.preset.name} model cannot be scored on ${name}: it has vocabSize ${vocabSize} and seqLen ${seqLen}, the model ${m.model.vocabSize} and ${m.model.seqLen}` +
        (vocabSize === m.model.vocabSize && !other.evaluate
          ? ' (only a size-free model, the grid mixer without learned positions, runs at another length)'
          : ''),
    );
  if (!resized) return { task: other, m };
  const model = atSeqLen(m.model, seqLen);
  if (E.isLeft(model)) throw new UsageError(`the model cannot run on ${name}: ${model.left.join('; ')}`);
  return { task: other, m: { ...m, model: model.right, reasoner: reasonerFor(model.right) } };
}

export const evaluate: Command = {
  name: 'eval',
  summary: 'score a checkpoint on unseen puzzles (or those of a file), segment by segment',
  usage: '--checkpoint <file> [--size N [--on <task>] | --file <file>] [--segments N] [--halt-margin m] [--json]',
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
    'halt-margin': HALT_MARGIN_OPTION,
    on: {
      type: 'string',
      help: "score on another task's unseen puzzles of the same size (a maze9 model on maze9-mix), or of any size for a grid-mixer model without learned positions",
      value: '<task>',
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
    'haltMargin',
    'groups',
    'group',
    'value',
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
    const haltMargin = haltMarginOf(args);
    const json = args.flag('json');
    const folder = outFolder(args);
    const input = puzzleInput(args, false);
    const data = args.string('data');
    const stored = readModelFile(path, data === undefined ? {} : { dataDir: data });
    const segments = segmentsFlag ?? stored.model.haltMaxSteps;
    const { task, m } = scoredTask(args, stored);
    if (task.evaluate) {
      if (input) throw new UsageError(`${task.name} is evaluated on its own tasks; --file is for typed puzzles`);
      return evaluateTask(m, segments, folder, json);
    }
    if (input && task !== m.preset) throw new UsageError('give --file or --on, not both');
    const t0 = performance.now();
    const puzzles = input ? examplesOf(input, task) : undefined;
    const examples = puzzles?.map((p) => p.example) ?? task.evalExamples(size);
    const runs = runExamples(m, examples, segments, haltMargin);
    const r = scoreRuns(task, examples, runs);
    const groups = scoreGroups(task, examples, runs);
    const seconds = (performance.now() - t0) / 1000;
    const perSegment = r.perSegment.map((s, i) => ({ segment: i + 1, ...s }));
    if (json) {
      const answers = answersAtHalt(runs);
      puzzles?.forEach(({ given, example }, i) => {
        const verdict = judge(m, example, answers[i]);
        console.log(JSON.stringify(puzzleRecord(m, given, answers[i], verdict, runs.haltSegments[i])));
      });
      const { count, atHalt, meanHaltSegment: haltSegment } = r;
      const record = { event: 'eval', checkpoint: path, task: task.name, step: m.step, count, segments, haltMargin };
      const grouped = groups.map(({ group, value, count: n, perSegment: p, atHalt: h, meanHaltSegment }) => ({
        group,
        value,
        count: n,
        perSegment: p.map((s, i) => ({ segment: i + 1, ...s })),
        atHalt: h,
        haltSegment: meanHaltSegment,
      }));
      console.log(
        JSON.stringify({
          ...record,
          perSegment,
          atHalt,
          haltSegment,
          ...(groups.length > 0 ? { groups: grouped } : {}),
          seconds,
        }),
      );
      return 0;
    }
    const keys = Object.keys(r.perSegment[0] ?? {});
    // Another task's evaluation puzzles are unseen by its own models, not necessarily by this one.
    const what =
      input && 'file' in input
        ? `puzzles of ${input.file}`
        : task === m.preset
          ? 'unseen puzzles'
          : 'evaluation puzzles';
    const model = task === m.preset ? '' : ` (a ${m.preset.name} model)`;
    console.log(
      `${task.name}: ${r.count} ${what}, checkpoint ${path}${model} (step ${m.step}), ${seconds.toFixed(1)} s`,
    );
    const width = Math.max(12, ...keys.map((k) => k.length + 2));
    console.log(['segment', ...keys].map((k) => k.padStart(width)).join(''));
    r.perSegment.forEach((s, i) => {
      console.log([String(i + 1), ...keys.map((k) => s[k].toFixed(4))].map((v) => v.padStart(width)).join(''));
    });
    console.log(
      `with ACT halting${haltMargin === 0 ? '' : ` (margin ${haltMargin})`} (mean ${r.meanHaltSegment.toFixed(2)} segments): ${keys.map((k) => `${k} ${r.atHalt[k].toFixed(4)}`).join(', ')}`,
    );
    if (groups.length > 0) console.log(groupTable(groups, keys.includes('exact') ? 'exact' : (keys[0] ?? 'exact')));
    return 0;
  },
};
