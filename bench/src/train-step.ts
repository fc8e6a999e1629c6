/**
 * The `sudoku6` HRM training step (the preset's model and batch of 64, one-step gradient, AdamATan2) on
 * the wasm backend with one thread and with two (the default adaptive split policy, and for this checkout
 * also `HRM_WASM_SPLIT=always`), optionally against another checkout's code measured
 * side by side: each row is a fresh process, and the rounds interleave the codes and thread counts, so
 * that a slow spell of the host falls on all of them.
 *
 *   npx tsx bench/src/train-step.ts                        3 rounds of 1 and 2 threads (about 5 minutes)
 *   npx tsx bench/src/train-step.ts --baseline <checkout>  the same from another checkout too (about 9)
 *   npx tsx bench/src/train-step.ts --rounds=6             more rounds (the best of each is reported)
 *   npx tsx bench/src/train-step.ts --quick                1 round, fewer steps (CI)
 *
 * `<checkout>` is another working copy of this repository (e.g. `git worktree add ../before <commit> &&
 * (cd ../before && npm ci --ignore-scripts)`); its children run this same file, copied there, against
 * that checkout's packages. The child uses only exports that have existed since the sudoku6 preset did.
 * Each round also runs this checkout on a one-thread and a two-thread backend in one process, their steps
 * alternating, and with a baseline both codes in one process on one thread, likewise: the ratio of
 * neighbouring steps is the comparison a noisy host disturbs least (separate processes run seconds apart,
 * and on a shared machine one of them can draw a slow spell the other does not).
 * Writes bench/results/train-step[-quick].json.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { disposeReplaced, key, withBackend } from '@hrm/core';
import * as hrmLib from '@hrm/hrm';
import { presetNamed } from '@hrm/hrm/node';
import { WasmBackend } from '@hrm/kernels';

interface ChildResult {
  /** Median, lowest and highest milliseconds of the timed steps. */
  readonly ms: number;
  readonly range: readonly [number, number];
  readonly steps: number;
}

/** What a child needs from a checkout's packages: exports that have existed since the sudoku6 preset did. */
interface Library {
  readonly core: Pick<typeof import('@hrm/core'), 'disposeReplaced' | 'key'>;
  readonly hrm: Pick<
    typeof import('@hrm/hrm'),
    'initTrainState' | 'modelConfig' | 'reasonerFor' | 'trainConfig' | 'trainStep'
  >;
  readonly node: Pick<typeof import('@hrm/hrm/node'), 'presetNamed'>;
}

/** This checkout's packages. */
const THIS_CHECKOUT: Library = { core: { disposeReplaced, key }, hrm: hrmLib, node: { presetNamed } };

/** The checkout a benchmark script (this file, or its copy in a baseline) lies in. */
const checkoutOf = (script: string): string => resolve(script, '../../..');

/**
 * One training step at a time (its milliseconds), over four fixed batches, with `lib`'s code; `on` runs
 * the setup and each step (with a backend of one's choosing, say).
 */
function stepper(lib: Library, on: <T>(f: () => T) => T = (f) => f()): () => number {
  const step = on(() => stepperOn(lib));
  return () => on(step);
}

/** `stepper` without the wrapper. */
function stepperOn({ core, hrm, node }: Library): () => number {
  const preset = node.presetNamed('sudoku6');
  if (!preset) throw new Error('the sudoku6 preset is missing');
  const model = hrm.modelConfig(preset.model);
  const train = hrm.trainConfig({ ...preset.train, batchSize: preset.train.batchSize ?? 64, totalSteps: 1000 });
  const batches = Array.from({ length: 4 }, (_, i) => preset.trainBatch(0, i + 1, train.batchSize));
  const reasoner = hrm.reasonerFor(model);
  let state = hrm.initTrainState(reasoner, core.key(0), train);
  let i = 0;
  return () => {
    const t0 = performance.now();
    const next = hrm.trainStep(reasoner, state, batches[i++ % batches.length], train).state;
    const ms = performance.now() - t0;
    core.disposeReplaced(state, next);
    state = next;
    return ms;
  };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/** In a child: `warm` steps, then `steps` timed ones. */
function child(warm: number, steps: number): ChildResult {
  const step = stepper(THIS_CHECKOUT);
  for (let i = 0; i < warm; i++) step();
  const times = Array.from({ length: steps }, () => step()).sort((a, b) => a - b);
  return { ms: median(times), range: [times[0] as number, times[times.length - 1] as number], steps };
}

interface PairedResult {
  /** Median milliseconds of this checkout's steps and of the baseline's. */
  readonly ms: number;
  readonly baselineMs: number;
  /** Quartiles of baseline time / this checkout's time over the adjacent pairs of steps. */
  readonly ratio: readonly [number, number, number];
  readonly steps: number;
}

/** Steps of `a` and `b` alternating (ABBA, so neither always goes first), after `warm` of each. */
function alternate(a: () => number, b: () => number, warm: number, steps: number): PairedResult {
  for (let i = 0; i < warm; i++) [a(), b()];
  const [ta, tb]: number[][] = [[], []];
  for (let i = 0; i < steps; i++) {
    if (i % 2 === 0) {
      ta.push(a());
      tb.push(b());
    } else {
      tb.push(b());
      ta.push(a());
    }
  }
  const ratios = ta.map((x, i) => (tb[i] as number) / x).sort((p, q) => p - q);
  const q = (f: number) => ratios[Math.floor(f * (ratios.length - 1))] as number;
  return { ms: median(ta), baselineMs: median(tb), ratio: [q(0.25), q(0.5), q(0.75)], steps };
}

/**
 * In a child: this checkout's step on a one-thread and on a two-thread wasm backend (the default adaptive
 * split policy) in one process, steps alternating; `baselineMs` is the one-thread step's.
 */
function threadsChild(warm: number, steps: number): PairedResult {
  const [one, two] = [1, 2].map((threads) => new WasmBackend({ name: `wasm-${threads}t`, threads }));
  if (two.startThreads() < 2) throw new Error('the two-thread backend could not start its worker');
  try {
    return alternate(
      stepper(THIS_CHECKOUT, (f) => withBackend(two, f)),
      stepper(THIS_CHECKOUT, (f) => withBackend(one, f)),
      warm,
      steps,
    );
  } finally {
    void two.closeThreads();
  }
}

/**
 * In a child: this checkout and the baseline's packages loaded side by side in one process (each its own
 * backend and memory), on one thread, their steps alternating (ABBA, so neither always goes first). A
 * slow spell of the host then falls on both codes' neighbouring steps alike, which separate processes
 * seconds apart cannot promise.
 */
async function pairedChild(checkout: string, warm: number, steps: number): Promise<PairedResult> {
  const from = (path: string) => import(pathToFileURL(resolve(checkout, path)).href);
  const [core, hrm, node] = await Promise.all([
    from('packages/core/src/index.ts'),
    from('packages/hrm/src/index.ts'),
    from('packages/hrm/src/node.ts'),
  ]);
  return alternate(stepper(THIS_CHECKOUT), stepper({ core, hrm, node } as Library), warm, steps);
}

/** Threads, and the thread policy's `HRM_WASM_SPLIT` (`always` is measured for this checkout only: older code ignores it). */
interface Config {
  readonly threads: 1 | 2;
  readonly split: 'adaptive' | 'always';
}

/** Runs `script` in a fresh process with `args` and the thread settings of `config`; its last line, parsed. */
function runChild<T>(script: string, config: Config, args: readonly (string | number)[]): T {
  const out = execFileSync(
    process.execPath,
    ['--conditions=@hrm/source', '--import', 'tsx', script, ...args.map(String)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: checkoutOf(script),
      env: { ...process.env, HRM_WASM_THREADS: String(config.threads), HRM_WASM_SPLIT: config.split },
    },
  );
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as T;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    console.log(JSON.stringify(child(Number(args[1]), Number(args[2]))));
    return;
  }
  if (args[0] === '--threads-child') {
    console.log(JSON.stringify(threadsChild(Number(args[1]), Number(args[2]))));
    return;
  }
  if (args[0] === '--paired-child') {
    console.log(JSON.stringify(await pairedChild(args[1] as string, Number(args[2]), Number(args[3]))));
    return;
  }
  // The parent's helpers, imported here so that a child (perhaps in an old checkout) never loads them.
  const { codesUnderTest, fmt, formatMachine, formatTable, loadAverage, machineInfo, writeResults } = await import(
    './lib.js'
  );
  const quick = args.includes('--quick');
  const roundsArg = args.find((a) => a.startsWith('--rounds='));
  const rounds = roundsArg ? Number(roundsArg.slice('--rounds='.length)) : quick ? 1 : 3;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`${roundsArg}: rounds must be a whole number >= 1`);
  // A row's timing starts once V8 has compiled the step's code: the first ten steps on two threads measured
  // 1.5x slower than the twentieth and later (the wasm kernels tiering up), and V8 goes on optimising
  // JavaScript functions for a hundred steps and more (those called once or twice a step get hot late),
  // on background threads. One thread leaves them the other core; two threads share it with them, and a
  // fresh two-thread process ran its steps 62, 55, 52, 53, 52 ms in windows of 20 steps, then 41-43 from
  // the 120th on, while one thread held 70-72 from the first window (bench/README.md, section 4b).
  const [warm, steps] = quick ? [2, 3] : [150, 20];
  const self = fileURLToPath(import.meta.url);
  const { codes, cleanup } = codesUnderTest(self, args);
  const baseline = codes.some((c) => c.label === 'baseline');
  const machine = machineInfo([]);
  console.log(`sudoku6 training step (batch 64), wasm, 1 and 2 threads${quick ? ' (quick)' : ''}; one process per row`);
  console.log(formatMachine(machine));
  const loadAtStart = loadAverage();
  const configsOf = (label: string): Config[] => [
    { threads: 1, split: 'adaptive' },
    { threads: 2, split: 'adaptive' },
    ...(label === 'baseline' ? [] : [{ threads: 2, split: 'always' } as const]),
  ];
  const oneThread: Config = { threads: 1, split: 'adaptive' };
  const runs: (Config & { code: string; commit: string; round: number; result: ChildResult })[] = [];
  const paired: PairedResult[] = [];
  const threadPairs: PairedResult[] = [];
  const baselineScript = codes.find((c) => c.label === 'baseline')?.script;
  const baselineCheckout = baselineScript ? checkoutOf(baselineScript) : undefined;
  try {
    for (let round = 0; round < rounds; round++) {
      for (const c of codes)
        for (const config of configsOf(c.label)) {
          runs.push({
            code: c.label,
            commit: c.commit,
            ...config,
            round,
            result: runChild<ChildResult>(c.script, config, ['--child', warm, steps]),
          });
          process.stdout.write('.');
        }
      threadPairs.push(runChild<PairedResult>(self, oneThread, ['--threads-child', warm, steps]));
      process.stdout.write('.');
      if (baselineCheckout) {
        paired.push(runChild<PairedResult>(self, oneThread, ['--paired-child', baselineCheckout, warm, steps]));
        process.stdout.write('.');
      }
    }
  } finally {
    cleanup();
  }
  console.log('');
  // Per code and configuration: the best round's median (the least disturbed by the host).
  const of = (code: string, config: Config) =>
    runs.filter((r) => r.code === code && r.threads === config.threads && r.split === config.split);
  const best = (code: string, config: Config) => Math.min(...of(code, config).map((r) => r.result.ms));
  const rows = codes.flatMap((c) =>
    configsOf(c.label).map((config) => ({
      code: c.label,
      commit: c.commit,
      ...config,
      ms: best(c.label, config),
      rounds: of(c.label, config).map((r) => r.result.ms),
    })),
  );
  const base = codes[0].label;
  console.log(
    formatTable(
      ['code', 'commit', 'threads', 'split', 'step ms (best round)', 'rounds', '2 threads vs 1', 'vs baseline'],
      rows.map((r) => [
        r.code,
        r.commit,
        String(r.threads),
        r.threads === 1 ? '' : r.split,
        fmt(r.ms),
        r.rounds.map((x) => fmt(x)).join(' '),
        r.threads === 2 ? `${fmt(best(r.code, oneThread) / r.ms)}x` : '',
        baseline && r.code !== base && r.split === 'adaptive' ? `${fmt(best(base, r) / r.ms)}x` : '',
      ]),
    ),
  );
  /** A table of paired rounds: `a` the faster side's label, `b` the other's. */
  const pairTable = (title: string, a: string, b: string, results: readonly PairedResult[]) => {
    console.log(`\n${title}`);
    console.log(
      formatTable(
        ['round', `${a} ms`, `${b} ms`, 'ratio of medians', 'pair ratios: lower quartile, median, upper'],
        results.map((p, i) => [
          String(i + 1),
          fmt(p.ms),
          fmt(p.baselineMs),
          `${fmt(p.baselineMs / p.ms)}x`,
          p.ratio.map((r) => `${fmt(r)}x`).join(', '),
        ]),
      ),
    );
    console.log(`median over rounds of the pair ratios' medians: ${fmt(median(results.map((p) => p.ratio[1])))}x`);
  };
  pairTable(
    'this checkout on 2 threads (adaptive) and on 1, two backends in one process, steps alternating: 1 thread / 2 threads',
    '2 threads',
    '1 thread',
    threadPairs,
  );
  if (paired.length > 0)
    pairTable(
      'one thread, both codes in one process, steps alternating (a slow spell falls on both): baseline / this checkout',
      'this checkout',
      'baseline',
      paired,
    );
  const loadAtEnd = loadAverage();
  console.log(`load: ${loadAtStart.join(' ')} at start, ${loadAtEnd.join(' ')} at end`);
  const file = writeResults(`train-step${quick ? '-quick' : ''}`, {
    benchmark: 'train-step',
    quick,
    machine,
    loadAtStart,
    loadAtEnd,
    task: 'sudoku6 preset, batch 64, one-step gradient, wasm backend (default thread policy, and HRM_WASM_SPLIT=always)',
    rows,
    runs,
    threadPairs,
    paired,
  });
  console.log(`wrote ${file}`);
}

await main();
