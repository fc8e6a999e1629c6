/**
 * Accuracy against compute: HRM with the one-step gradient, HRM with full BPTT and TRM (its
 * last-cycle window), trained on the same task for the same wall-clock budget from several seeds;
 * exact accuracy on fixed unseen puzzles against training seconds and against optimiser steps.
 * With `--depth`, also accuracy against recurrence depth (N x T cycles per segment) at equal time,
 * with each run's peak live tensors: the one-step gradient keeps two evaluations whatever the depth,
 * BPTT all of them.
 *
 *   npx tsx bench/src/accuracy.ts            sudoku6 (120 s per run) and maze9 (180 s), 3 seeds
 *   npx tsx bench/src/accuracy.ts --quick    sudoku4, 1 seed, 4 s per run
 *   npx tsx bench/src/accuracy.ts --tasks sudoku9,maze9-mix --budget 600 --seeds 3 --depth
 *   ... --depth-seeds 2 --depths 1x2,4x4     the depth sweep from fewer seeds, at fewer depths
 *   ... --parallel 1                         one run at a time (default 2, one per core)
 *   ... --resume                             keep the runs a stopped invocation finished (its journal)
 *
 * Every run is its own child process on one wasm thread, two at a time, so runs compete equally
 * for the two cores. All methods share the task preset's width, depth and N x T cycles; the
 * learning rate is constant after warm-up (a cosine schedule would need the step count, which
 * a time budget does not fix). Evaluation time is not counted in the budget. Each finished run is
 * journalled in bench/results/<name>.runs.jsonl (not committed), which `--resume` reads.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentBackend, key } from '@hrm/core';
import { modelConfig, trainConfig } from '@hrm/hrm';
import { batchesOf, presetNamed, run } from '@hrm/hrm/node';
import { lineChart, type Series, writeChart } from './chart.js';
import { fmt, formatMachine, formatTable, machineInfo, RESULTS_DIR, writeResults } from './lib.js';

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

/** What a child runs: a method on a task from a seed for `budget` training seconds, at a depth. */
interface RunSpec {
  readonly task: string;
  readonly method: Method;
  readonly seed: number;
  readonly budget: number;
  readonly evalEvery: number;
  readonly evalSize: number;
  /** N x T; the preset's when absent. */
  readonly cycles?: readonly [number, number];
}

interface RunRecord {
  readonly task: string;
  readonly method: Method;
  readonly seed: number;
  readonly cycles: readonly [number, number];
  readonly points: readonly Point[];
  readonly steps: number;
  /** The high-water mark of live tensor bytes over the run (training and evaluation), MiB. */
  readonly peakTensorMiB: number | null;
}

// ---------------------------------------------------------------------------------------------
// A child: one run, printing its record as the last line of stdout.

async function child(spec: RunSpec) {
  const { task, method, seed, budget, evalEvery, evalSize } = spec;
  const preset = presetNamed(task);
  if (!preset) throw new Error(`unknown task ${task}`);
  // The same N x T for every method (TRM's own defaults would run more cycles per segment).
  const own = modelConfig(preset.model);
  const [hCycles, lCycles] = spec.cycles ?? [own.hCycles, own.lCycles];
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
    // At the budget, one more evaluation (unless this step just had one), so that every run ends with
    // a point at its budget; its time is not counted, as for the others.
    shouldStop: () => {
      if (trainSeconds() < budget) return false;
      evalStarted = performance.now();
      return 'evaluate';
    },
  });
  const mem = currentBackend().memory?.();
  const peakTensorMiB = mem ? mem.peakBytes / 2 ** 20 : null;
  const record: RunRecord = {
    task,
    method,
    seed,
    cycles: [hCycles, lCycles],
    points,
    steps: result.state.step,
    peakTensorMiB,
  };
  console.log(JSON.stringify(record));
}

// ---------------------------------------------------------------------------------------------
// The parent: every (task, method, seed), two children at a time.

function spawnChild(spec: RunSpec): Promise<RunRecord> {
  const script = fileURLToPath(import.meta.url);
  const args = ['--child', JSON.stringify(spec)];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--conditions=@hrm/source', '--import', 'tsx', script, ...args], {
      env: { ...process.env, HRM_WASM_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`run ${args[1]} failed (exit ${code})`));
      else resolve(JSON.parse(last) as RunRecord);
    });
  });
}

/**
 * Finished runs, one JSON line each (the spec, then the record), so that a long comparison can be
 * stopped and taken up again with `--resume`: a run whose spec is in the journal is not run again. A
 * line cut short by a kill is ignored. Without `--resume` the journal starts empty.
 */
function runJournal(path: string, resume: boolean) {
  const done = new Map<string, RunRecord>();
  if (resume && existsSync(path))
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      try {
        const { spec, record } = JSON.parse(line) as { spec: RunSpec; record: RunRecord };
        done.set(JSON.stringify(spec), record);
      } catch {
        // An empty or cut line: that run is run again.
      }
    }
  else writeFileSync(path, '');
  return {
    path,
    kept: done.size,
    run: async (spec: RunSpec): Promise<RunRecord> => {
      const key = JSON.stringify(spec);
      const kept = done.get(key);
      if (kept) return kept;
      const record = await spawnChild(spec);
      appendFileSync(path, `${JSON.stringify({ spec, record })}\n`);
      return record;
    },
  };
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

/** Depths of the `--depth` sweep (N x T), shallow to deep; 2 x 2 is the presets' own. */
const ALL_DEPTHS: readonly (readonly [number, number])[] = [
  [1, 2],
  [2, 2],
  [2, 4],
  [4, 4],
];
/** The methods of the depth sweep: the two gradients whose memory differs with depth. */
const DEPTH_METHODS: readonly Method[] = ['HRM one-step', 'HRM BPTT'];

interface Options {
  readonly quick: boolean;
  readonly tasks: readonly string[];
  readonly budgets: Readonly<Record<string, number>>;
  readonly seeds: readonly number[];
  readonly depth: boolean;
  /** The seeds of the depth sweep (the first of `seeds`): each depth costs a run per method and seed. */
  readonly depthSeeds: readonly number[];
  /** Runs at a time, one thread each (`--parallel`, default 2: one per core of the 2-core machines). */
  readonly parallel: number;
  /** The depths of the sweep, shallow to deep (`--depths 1x2,4x4`; default all of ALL_DEPTHS). */
  readonly depths: readonly (readonly [number, number])[];
  readonly tasksGiven: boolean;
  readonly resume: boolean;
}

function options(argv: readonly string[]): Options {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const tasks = value('--tasks')?.split(',') ?? (quick ? ['sudoku4'] : ['sudoku6', 'maze9']);
  for (const t of tasks) if (!presetNamed(t)) throw new Error(`--tasks: unknown task ${t}`);
  const budget = value('--budget');
  const own: Record<string, number> = { sudoku4: 8, sudoku6: 120, maze9: 180 };
  const budgets = Object.fromEntries(
    tasks.map((t) => [t, budget !== undefined ? Number(budget) : quick ? 4 : (own[t] ?? 300)]),
  );
  const seedCount = Number(value('--seeds') ?? (quick ? 1 : 3));
  const depthSeedCount = Number(value('--depth-seeds') ?? seedCount);
  if (!Number.isInteger(depthSeedCount) || depthSeedCount < 1 || depthSeedCount > seedCount)
    throw new Error(`--depth-seeds: a whole number from 1 to --seeds (${seedCount}), got ${value('--depth-seeds')}`);
  const seedsFrom = (n: number) => Array.from({ length: n }, (_, i) => i);
  const parallel = Number(value('--parallel') ?? 2);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64)
    throw new Error(`--parallel: a whole number of runs at a time from 1 to 64, got ${value('--parallel')}`);
  const depths = (value('--depths')?.split(',') ?? ALL_DEPTHS.map(([h, l]) => `${h}x${l}`)).map((d) => {
    const found = ALL_DEPTHS.find(([h, l]) => `${h}x${l}` === d);
    if (!found) throw new Error(`--depths: ${d} is not one of ${ALL_DEPTHS.map(([h, l]) => `${h}x${l}`).join(', ')}`);
    return found;
  });
  return {
    quick,
    tasks,
    budgets,
    seeds: seedsFrom(seedCount),
    depth: argv.includes('--depth'),
    depthSeeds: seedsFrom(depthSeedCount),
    parallel,
    depths,
    resume: argv.includes('--resume'),
    tasksGiven: value('--tasks') !== undefined,
  };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const finalExact = (r: RunRecord) => r.points.at(-1)?.exact ?? 0;
const sameCycles = (a: readonly number[], b: readonly number[]) => a[0] === b[0] && a[1] === b[1];

/** A task preset's own N x T. */
function ownCycles(task: string): [number, number] {
  const preset = presetNamed(task);
  if (!preset) throw new Error(`unknown task ${task}`);
  const { hCycles, lCycles } = modelConfig(preset.model);
  return [hCycles, lCycles];
}

async function parent(opts: Options) {
  const { quick, tasks, budgets, seeds } = opts;
  const evalEvery = quick ? 10 : 50;
  const evalSize = quick ? 32 : 256;
  const suffix = quick ? '-quick' : '';
  // Runs on other tasks than the default ones keep their own file.
  const name = opts.tasksGiven ? `accuracy-${opts.tasks.join('-')}` : 'accuracy';
  const journal = runJournal(join(RESULTS_DIR, `${name}${suffix}.runs.jsonl`), opts.resume);
  if (journal.kept > 0) console.log(`--resume: ${journal.kept} finished run(s) kept from ${journal.path}`);
  const machine = machineInfo();
  console.log(formatMachine(machine));
  console.log(
    `backend ${currentBackend().name} (1 thread per run, ${opts.parallel} run${opts.parallel > 1 ? 's' : ''} at a time); ${JSON.stringify(budgets)} s of training per run; ` +
      `exact accuracy after halt_max_steps segments on ${evalSize} unseen puzzles every ${evalEvery} steps\n`,
  );
  const spec = (task: string, method: Method, seed: number, cycles?: readonly [number, number]): RunSpec => ({
    task,
    method,
    seed,
    budget: budgets[task] ?? 0,
    evalEvery,
    evalSize,
    ...(cycles ? { cycles } : {}),
  });
  const specs = tasks.flatMap((task) =>
    (Object.keys(METHODS) as Method[]).flatMap((m) => seeds.map((s) => spec(task, m, s))),
  );
  // The depth sweep reuses the runs at the preset's own depth.
  const depthSpecs = opts.depth
    ? tasks.flatMap((task) => {
        const own = ownCycles(task);
        return opts.depths
          .filter((d) => !sameCycles(d, own))
          .flatMap((d) => DEPTH_METHODS.flatMap((m) => opts.depthSeeds.map((s) => spec(task, m, s, d))));
      })
    : [];
  const runs = await pool(
    [...specs, ...depthSpecs].map((sp) => () => journal.run(sp)),
    opts.parallel,
  );
  const ownDepth = (r: RunRecord) => sameCycles(r.cycles, ownCycles(r.task));
  // Every depth from the same seeds, the preset's own depth included.
  const inDepthSweep = (r: RunRecord, d: readonly number[]) =>
    sameCycles(r.cycles, d) && opts.depthSeeds.includes(r.seed);

  const rows = tasks.flatMap((task) =>
    (Object.keys(METHODS) as Method[]).map((method) => {
      const mine = runs.filter((r) => r.task === task && r.method === method && ownDepth(r));
      const finals = mine.map(finalExact);
      const steps = mine.map((r) => r.steps);
      return [
        task,
        method,
        fmt(mean(finals), 3),
        `${fmt(Math.min(...finals), 3)}–${fmt(Math.max(...finals), 3)}`,
        fmt(mean(steps), 0),
        fmt(mean(steps) / (budgets[task] ?? 1), 2),
      ];
    }),
  );
  console.log(formatTable(['task', 'method', 'exact (mean)', 'exact (range)', 'steps', 'steps/s'], rows));

  const depthRows = opts.depth
    ? tasks.flatMap((task) =>
        DEPTH_METHODS.flatMap((method) =>
          opts.depths.map((d) => {
            const mine = runs.filter((r) => r.task === task && r.method === method && inDepthSweep(r, d));
            const finals = mine.map(finalExact);
            const peaks = mine.flatMap((r) => (r.peakTensorMiB === null ? [] : [r.peakTensorMiB]));
            return [
              task,
              method,
              `${d[0]} x ${d[1]}`,
              fmt(mean(finals), 3),
              `${fmt(Math.min(...finals), 3)}–${fmt(Math.max(...finals), 3)}`,
              fmt(mean(mine.map((r) => r.steps)), 0),
              peaks.length > 0 ? fmt(Math.max(...peaks), 1) : 'n/a',
            ];
          }),
        ),
      )
    : [];
  if (opts.depth)
    console.log(
      `\n${formatTable(['task', 'method', 'N x T', 'exact (mean)', 'exact (range)', 'steps', 'peak tensors MiB'], depthRows)}`,
    );

  const runsOn = { backend: 'wasm', threadsPerRun: 1, runsAtATime: opts.parallel };
  writeResults(`${name}${suffix}`, {
    machine,
    runsOn,
    budgetSeconds: budgets,
    evalEvery,
    evalSize,
    seeds,
    ...(opts.depth ? { depths: opts.depths, depthSeeds: opts.depthSeeds } : {}),
    runs,
  });
  const charts: string[] = [];
  for (const task of tasks) {
    for (const [axis, x, label] of [
      ['time', (p: Point) => p.seconds, 'training seconds (one thread)'],
      ['steps', (p: Point) => p.step, 'optimiser steps'],
    ] as const) {
      const series: Series[] = (Object.keys(METHODS) as Method[]).map((method) => {
        const band = spread(
          runs.filter((r) => r.task === task && r.method === method && ownDepth(r)),
          x,
        );
        return {
          name: method,
          points: band.map(([v, m]) => [v, m] as const),
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
    if (!opts.depth) continue;
    const series: Series[] = DEPTH_METHODS.map((method) => {
      const at = opts.depths.map((d) => {
        const finals = runs.filter((r) => r.task === task && r.method === method && inDepthSweep(r, d)).map(finalExact);
        return [d[0] * d[1], mean(finals), Math.min(...finals), Math.max(...finals)] as const;
      });
      return {
        name: method,
        points: at.map(([v, m]) => [v, m] as const),
        band: at.map(([v, , lo, hi]) => [v, lo, hi] as const),
      };
    });
    charts.push(
      writeChart(
        `accuracy-${task}-depth${suffix}`,
        lineChart({
          title: `${task}: exact accuracy against N x T at ${budgets[task]} s of training (band: range over ${opts.depthSeeds.length} seeds)`,
          xLabel: 'H cycles x L cycles per segment',
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
if (argv[0] === '--child') await child(JSON.parse(argv[1] ?? '{}') as RunSpec);
else await parent(options(argv));
