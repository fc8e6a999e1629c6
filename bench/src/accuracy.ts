/**
 * Accuracy against compute: HRM with the one-step gradient, HRM with full BPTT and TRM (its
 * last-cycle window), trained on the same task for the same wall-clock budget from several seeds;
 * exact accuracy on fixed unseen puzzles against training seconds and against optimiser steps.
 *
 *   npx tsx bench/src/accuracy.ts            sudoku6 (120 s per run) and maze9 (180 s), 3 seeds
 *   npx tsx bench/src/accuracy.ts --quick    sudoku4, 1 seed, 8 s per run
 *
 * Every run is its own child process on one wasm thread, two at a time, so runs compete equally
 * for the two cores. All methods share the task preset's width, depth and N x T cycles; the
 * learning rate is constant after warm-up (a cosine schedule would need the step count, which
 * a time budget does not fix). Evaluation time is not counted in the budget.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { currentBackend, key } from '@hrm/core';
import { modelConfig, trainConfig } from '@hrm/hrm';
import { batchesOf, presetNamed, run } from '@hrm/hrm/node';
import { lineChart, type Series, writeChart } from './chart.js';
import { fmt, formatMachine, formatTable, machineInfo, writeResults } from './lib.js';

const METHODS = {
  'HRM one-step': { arch: 'hrm', gradWindow: 'one-step' },
  'HRM BPTT': { arch: 'hrm', gradWindow: 'bptt' },
  TRM: { arch: 'trm' },
} as const;
type Method = keyof typeof METHODS;

interface Point {
  readonly step: number;
  readonly seconds: number;
  readonly exact: number;
}

interface RunRecord {
  readonly task: string;
  readonly method: Method;
  readonly seed: number;
  readonly points: readonly Point[];
  readonly steps: number;
}

// ---------------------------------------------------------------------------------------------
// A child: one run, printing its record as the last line of stdout.

async function child(task: string, method: Method, seed: number, budget: number, evalEvery: number, evalSize: number) {
  const preset = presetNamed(task);
  if (!preset) throw new Error(`unknown task ${task}`);
  // The same N x T for every method (TRM's own defaults would run more cycles per segment).
  const { hCycles, lCycles } = modelConfig(preset.model);
  const model = modelConfig({ ...preset.model, hCycles, lCycles, ...METHODS[method] });
  const train = trainConfig({ ...preset.train, totalSteps: 1_000_000, lrMinRatio: 1, seed });
  const evaluation = batchesOf(preset.evalExamples(evalSize), model.seqLen);
  const points: Point[] = [{ step: 0, seconds: 0, exact: 0 }];
  const start = performance.now();
  let evalSeconds = 0;
  let evalStarted = 0;
  const trainSeconds = () => (performance.now() - start) / 1000 - evalSeconds;
  const result = await run({
    model,
    train,
    key: key(seed),
    data: (_k, step) => preset.trainBatch(seed, step, train.batchSize),
    logEvery: evalEvery,
    log: (r) => {
      // The train record of an evaluation step comes just before the evaluation itself.
      if (r.event === 'train') evalStarted = performance.now();
      if (r.event === 'eval') {
        const seconds = trainSeconds() - (performance.now() - evalStarted) / 1000;
        evalSeconds += (performance.now() - evalStarted) / 1000;
        const last = (r.perSegment as { exactAccuracy: number }[]).at(-1);
        points.push({ step: Number(r.step), seconds, exact: last?.exactAccuracy ?? 0 });
      }
    },
    evaluation: { every: evalEvery, batches: () => evaluation },
    shouldStop: () => trainSeconds() >= budget,
  });
  const record: RunRecord = { task, method, seed, points, steps: result.state.step };
  console.log(JSON.stringify(record));
}

// ---------------------------------------------------------------------------------------------
// The parent: every (task, method, seed), two children at a time.

function spawnChild(args: readonly string[]): Promise<RunRecord> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--conditions=@hrm/source', '--import', 'tsx', script, '--child', ...args], {
      env: { ...process.env, HRM_WASM_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`run ${args.join(' ')} failed (exit ${code})`));
      else resolve(JSON.parse(last) as RunRecord);
    });
  });
}

async function pool<T>(jobs: readonly (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/**
 * Across seeds, at every x where some run evaluated: the mean, lowest and highest accuracy, each
 * run counted at its latest evaluation up to x (runs evaluate at different times).
 */
function spread(runs: readonly RunRecord[], x: (p: Point) => number): [number, number, number, number][] {
  const xs = [...new Set(runs.flatMap((r) => r.points.map(x)))].sort((a, b) => a - b);
  const at = (r: RunRecord, v: number) =>
    r.points.filter((p) => x(p) <= v).reduce((best, p) => (x(p) >= x(best) ? p : best), r.points[0]).exact;
  return xs.map((v) => {
    const ys = runs.map((r) => at(r, v));
    return [v, ys.reduce((a, b) => a + b, 0) / ys.length, Math.min(...ys), Math.max(...ys)];
  });
}

async function parent(quick: boolean) {
  const tasks = quick ? ['sudoku4'] : ['sudoku6', 'maze9'];
  const seeds = quick ? [0] : [0, 1, 2];
  const budgets: Record<string, number> = quick ? { sudoku4: 8 } : { sudoku6: 120, maze9: 180 };
  const evalEvery = quick ? 10 : 50;
  const evalSize = quick ? 32 : 256;
  const machine = machineInfo();
  console.log(formatMachine(machine));
  console.log(
    `backend ${currentBackend().name} (1 thread per run, 2 runs at a time); ${JSON.stringify(budgets)} s of training per run; ` +
      `exact accuracy after halt_max_steps segments on ${evalSize} unseen puzzles every ${evalEvery} steps\n`,
  );
  const jobs = tasks.flatMap((task) =>
    (Object.keys(METHODS) as Method[]).flatMap((method) =>
      seeds.map(
        (seed) => () =>
          spawnChild([task, method, String(seed), String(budgets[task]), String(evalEvery), String(evalSize)]),
      ),
    ),
  );
  const runs = await pool(jobs, 2);

  const rows = tasks.flatMap((task) =>
    (Object.keys(METHODS) as Method[]).map((method) => {
      const mine = runs.filter((r) => r.task === task && r.method === method);
      const finals = mine.map((r) => r.points.at(-1)?.exact ?? 0);
      const steps = mine.map((r) => r.steps);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return [
        task,
        method,
        fmt(mean(finals), 3),
        `${fmt(Math.min(...finals), 3)}–${fmt(Math.max(...finals), 3)}`,
        fmt(mean(steps), 0),
        fmt(mean(steps) / budgets[task], 2),
      ];
    }),
  );
  console.log(formatTable(['task', 'method', 'exact (mean)', 'exact (range)', 'steps', 'steps/s'], rows));

  const suffix = quick ? '-quick' : '';
  const runsOn = { backend: 'wasm', threadsPerRun: 1, runsAtATime: 2 };
  writeResults(`accuracy${suffix}`, { machine, runsOn, budgetSeconds: budgets, evalEvery, evalSize, seeds, runs });
  const charts: string[] = [];
  for (const task of tasks)
    for (const [axis, x, label] of [
      ['time', (p: Point) => p.seconds, 'training seconds (one thread)'],
      ['steps', (p: Point) => p.step, 'optimiser steps'],
    ] as const) {
      const series: Series[] = (Object.keys(METHODS) as Method[]).map((method) => {
        const band = spread(
          runs.filter((r) => r.task === task && r.method === method),
          x,
        );
        return {
          name: method,
          points: band.map(([v, mean]) => [v, mean] as const),
          band: band.map(([v, , lo, hi]) => [v, lo, hi] as const),
        };
      });
      charts.push(
        writeChart(
          `accuracy-${task}-${axis}${suffix}`,
          lineChart({
            title: `${task}: exact accuracy against ${axis === 'time' ? 'training time' : 'steps'} (band: range over ${seeds.length} seed${seeds.length > 1 ? 's' : ''})`,
            xLabel: label,
            yLabel: 'exact accuracy (unseen puzzles)',
            yMin: 0,
            yMax: 1,
            series,
          }),
        ),
      );
    }
  console.log(`\ncharts: ${charts.join(', ')}`);
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  const [task, method, seed, budget, evalEvery, evalSize] = argv.slice(1);
  await child(task, method as Method, Number(seed), Number(budget), Number(evalEvery), Number(evalSize));
} else await parent(argv.includes('--quick'));
