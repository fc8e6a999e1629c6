/**
 * The `sudoku6` HRM training step (the preset's model and batch of 64, one-step gradient, AdamATan2) on
 * the wasm backend with one thread and with two (the default adaptive split policy, and for this checkout
 * also `HRM_WASM_SPLIT=always`), optionally against another checkout's code measured
 * side by side: each row is a fresh process, and the rounds interleave the codes and thread counts, so
 * that a slow spell of the host falls on all of them.
 *
 *   npx tsx bench/src/train-step.ts                        3 rounds of 1 and 2 threads
 *   npx tsx bench/src/train-step.ts --baseline <checkout>  the same from another checkout too
 *   npx tsx bench/src/train-step.ts --rounds=6             more rounds (the best of each is reported)
 *   npx tsx bench/src/train-step.ts --quick                1 round, fewer steps (CI)
 *
 * `<checkout>` is another working copy of this repository (e.g. `git worktree add ../before <commit> &&
 * (cd ../before && npm ci --ignore-scripts)`); its children run this same file, copied there, against
 * that checkout's packages. The child uses only exports that have existed since the sudoku6 preset did.
 * Writes bench/results/train-step[-quick].json.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { disposeReplaced, key } from '@hrm/core';
import { initTrainState, modelConfig, reasonerFor, trainConfig, trainStep } from '@hrm/hrm';
import { presetNamed } from '@hrm/hrm/node';

interface ChildResult {
  /** Median, lowest and highest milliseconds of the timed steps. */
  readonly ms: number;
  readonly range: readonly [number, number];
  readonly steps: number;
}

/** In a child: `warm` steps, then `steps` timed ones, over four fixed batches. */
function child(warm: number, steps: number): ChildResult {
  const preset = presetNamed('sudoku6');
  if (!preset) throw new Error('the sudoku6 preset is missing');
  const model = modelConfig(preset.model);
  const train = trainConfig({ ...preset.train, batchSize: preset.train.batchSize ?? 64, totalSteps: 1000 });
  const batches = Array.from({ length: 4 }, (_, i) => preset.trainBatch(0, i + 1, train.batchSize));
  const reasoner = reasonerFor(model);
  let state = initTrainState(reasoner, key(0), train);
  const step = (i: number): number => {
    const t0 = performance.now();
    const next = trainStep(reasoner, state, batches[i % batches.length], train).state;
    const ms = performance.now() - t0;
    disposeReplaced(state, next);
    state = next;
    return ms;
  };
  for (let i = 0; i < warm; i++) step(i);
  const times = Array.from({ length: steps }, (_, i) => step(warm + i)).sort((a, b) => a - b);
  return {
    ms: times[times.length >> 1] as number,
    range: [times[0] as number, times[times.length - 1] as number],
    steps,
  };
}

/** Threads, and the thread policy's `HRM_WASM_SPLIT` (`always` is measured for this checkout only: older code ignores it). */
interface Config {
  readonly threads: 1 | 2;
  readonly split: 'adaptive' | 'always';
}

function runChild(script: string, config: Config, warm: number, steps: number): ChildResult {
  const out = execFileSync(
    process.execPath,
    ['--conditions=@hrm/source', '--import', 'tsx', script, '--child', String(warm), String(steps)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: resolve(script, '../../..'),
      env: { ...process.env, HRM_WASM_THREADS: String(config.threads), HRM_WASM_SPLIT: config.split },
    },
  );
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildResult;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    console.log(JSON.stringify(child(Number(args[1]), Number(args[2]))));
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
  // V8 tiers the wasm kernels up as they run, in each thread: the first ten steps on two threads measured
  // 1.5x slower than the twentieth and later, so a row's timing starts after twenty.
  const [warm, steps] = quick ? [2, 3] : [20, 20];
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
  const runs: (Config & { code: string; commit: string; round: number; result: ChildResult })[] = [];
  try {
    for (let round = 0; round < rounds; round++)
      for (const c of codes)
        for (const config of configsOf(c.label)) {
          runs.push({
            code: c.label,
            commit: c.commit,
            ...config,
            round,
            result: runChild(c.script, config, warm, steps),
          });
          process.stdout.write('.');
        }
  } finally {
    cleanup();
  }
  console.log('');
  // Per code and configuration: the best round's median (the least disturbed by the host).
  const of = (code: string, config: Config) =>
    runs.filter((r) => r.code === code && r.threads === config.threads && r.split === config.split);
  const best = (code: string, config: Config) => Math.min(...of(code, config).map((r) => r.result.ms));
  const oneThread: Config = { threads: 1, split: 'adaptive' };
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
  });
  console.log(`wrote ${file}`);
}

await main();
