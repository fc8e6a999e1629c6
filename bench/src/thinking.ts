/**
 * Thinking longer at test time: a trained model run for 1..32 segments (its training horizon is
 * halt_max_steps), exact accuracy after each; and the number of segments the ACT Q head chooses,
 * on the easiest and the hardest third of the unseen puzzles.
 *
 *   npx tsx bench/src/thinking.ts            every committed checkpoint, 1000 puzzles, 32 segments
 *   npx tsx bench/src/thinking.ts --quick    the 4x4 checkpoint, 100 puzzles, 8 segments
 *
 * Uses the checkpoints in packages/hrm/checkpoints (see its README for how each was trained).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentBackend } from '@hrm/core';
import { haltingSegment, predictSegments } from '@hrm/hrm';
import { batchesOf, readModelFile } from '@hrm/hrm/node';
import type { Example } from '@hrm/hrm/tasks';
import { barChart, lineChart, writeChart } from './chart.js';
import { fmt, formatMachine, formatTable, machineInfo, writeResults } from './lib.js';

const quick = process.argv.includes('--quick');
const dir = fileURLToPath(new URL('../../packages/hrm/checkpoints', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.safetensors'))
  .filter((f) => !quick || f.startsWith('sudoku4'))
  .sort();
const count = quick ? 100 : 1000;
const maxSegments = quick ? 8 : 32;

/** Blanks (cells whose input differs from the label): the puzzle's difficulty for both tasks. */
const blanks = (e: Example) => e.inputs.filter((t, i) => t !== e.labels[i]).length;

interface TaskResult {
  readonly checkpoint: string;
  readonly task: string;
  readonly haltMaxSteps: number;
  readonly count: number;
  /** Exact accuracy after 1..maxSegments segments. */
  readonly exactBySegments: readonly number[];
  /** Exact accuracy where the Q head halts, within the training horizon (halt_max_steps). */
  readonly exactAtHalt: number;
  /** Fraction of the easiest / hardest third that halts at segment 1..halt_max_steps. */
  readonly haltEasy: readonly number[];
  readonly haltHard: readonly number[];
  readonly meanHaltEasy: number;
  readonly meanHaltHard: number;
  readonly seconds: number;
}

function evaluateCheckpoint(file: string): TaskResult {
  const t0 = performance.now();
  const m = readModelFile(join(dir, file));
  const examples = m.preset.evalExamples(count);
  const right: boolean[][] = Array.from({ length: maxSegments }, () => []);
  const halts: number[] = [];
  const rightAtHalt: boolean[] = [];
  for (const batch of batchesOf(examples, m.model.seqLen)) {
    const offset = halts.length;
    const trace = predictSegments(m.reasoner, m.params, m.buffers, batch, maxSegments);
    const isRight = (s: number, i: number) => trace[s].tokens[i].every((t, k) => t === examples[offset + i].labels[k]);
    trace.forEach((_, s) => {
      for (let i = 0; i < trace[s].tokens.length; i++) right[s].push(isRight(s, i));
    });
    // ACT as trained: halt where the Q head says so, at the latest at halt_max_steps.
    haltingSegment(trace.slice(0, m.model.haltMaxSteps), m.model).forEach((h, i) => {
      halts.push(h);
      rightAtHalt.push(isRight(h - 1, i));
    });
  }
  const mean = (xs: readonly boolean[]) => xs.filter(Boolean).length / Math.max(xs.length, 1);
  const order = examples.map((e, i) => [blanks(e), i] as const).sort((a, b) => a[0] - b[0]);
  const third = Math.floor(order.length / 3);
  const easy = order.slice(0, third).map(([, i]) => halts[i]);
  const hard = order.slice(order.length - third).map(([, i]) => halts[i]);
  const histogram = (hs: readonly number[]) =>
    Array.from({ length: m.model.haltMaxSteps }, (_, s) => hs.filter((h) => h === s + 1).length / hs.length);
  const average = (hs: readonly number[]) => hs.reduce((a, b) => a + b, 0) / hs.length;
  return {
    checkpoint: file,
    task: m.preset.name,
    haltMaxSteps: m.model.haltMaxSteps,
    count: examples.length,
    exactBySegments: right.map(mean),
    exactAtHalt: mean(rightAtHalt),
    haltEasy: histogram(easy),
    haltHard: histogram(hard),
    meanHaltEasy: average(easy),
    meanHaltHard: average(hard),
    seconds: (performance.now() - t0) / 1000,
  };
}

const machine = machineInfo();
console.log(formatMachine(machine));
console.log(
  `backend ${currentBackend().name}; ${count} unseen puzzles per checkpoint, up to ${maxSegments} segments\n`,
);
const results = files.map(evaluateCheckpoint);

const shown = [1, 2, 4, 8, 16, 32].filter((s) => s <= maxSegments);
console.log(
  formatTable(
    ['task', 'halt_max', ...shown.map((s) => `exact@${s}`), 'exact at halt', 'halt easy', 'halt hard'],
    results.map((r) => [
      r.task,
      String(r.haltMaxSteps),
      ...shown.map((s) => fmt(r.exactBySegments[s - 1], 3)),
      fmt(r.exactAtHalt, 3),
      fmt(r.meanHaltEasy, 2),
      fmt(r.meanHaltHard, 2),
    ]),
  ),
);

const suffix = quick ? '-quick' : '';
writeResults(`thinking${suffix}`, { machine, backend: currentBackend().name, count, maxSegments, results });
const charts = [
  writeChart(
    `thinking-accuracy${suffix}`,
    lineChart({
      title: 'Thinking longer: exact accuracy vs segments at test time',
      xLabel: 'segments run (training horizon: halt_max_steps)',
      yLabel: 'exact accuracy (unseen puzzles)',
      logX: true,
      yMin: 0,
      yMax: 1,
      series: results.map((r) => ({ name: r.task, points: r.exactBySegments.map((a, s) => [s + 1, a] as const) })),
    }),
  ),
  ...results.map((r) =>
    writeChart(
      `thinking-halting-${r.task}${suffix}`,
      barChart({
        title: `${r.task}: the segment where the Q head halts, easiest vs hardest third`,
        xLabel: 'segment at which the Q head halts',
        yLabel: 'fraction of puzzles',
        groups: r.haltEasy.map((_, s) => String(s + 1)),
        series: [
          { name: `easiest third (mean ${r.meanHaltEasy.toFixed(2)})`, values: r.haltEasy },
          { name: `hardest third (mean ${r.meanHaltHard.toFixed(2)})`, values: r.haltHard },
        ],
      }),
    ),
  ),
];
console.log(`\ncharts: ${charts.join(', ')}`);
