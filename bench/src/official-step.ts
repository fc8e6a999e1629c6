/**
 * The memory of an official-size HRM training step (hidden 512, 8 heads, 4+4 layers, 2x2 cycles, 81 Sudoku
 * tokens and one puzzle-embedding token, the one-step gradient) at batch 8 and 32: peak live tensors,
 * peak RSS of the process, the wasm memory's size, buffers spilled to host memory, and step time. Each
 * row runs in a fresh process, so its peak RSS is its own.
 *
 *   npx tsx bench/src/official-step.ts                       batch 8 (1 warm-up + 2 steps) and 32 (1 + 1)
 *   npx tsx bench/src/official-step.ts --quick               batch 2 (1 + 1)
 *   npx tsx bench/src/official-step.ts --baseline <checkout> the same rows from another checkout too
 *   npx tsx bench/src/official-step.ts --batches=32           only the rows of these batch sizes
 *
 * `--baseline` gives a before/after measured side by side: `<checkout>` is another working copy of this
 * repository (e.g. `git worktree add ../before <commit> && (cd ../before && npm ci --ignore-scripts)`);
 * its children run this same file, copied there, against that checkout's packages. The child uses only
 * what the packages have exported since the first training step with a wasm backend, so old commits
 * work.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentBackend, dispose, disposeReplaced, key } from '@hrm/core';
import { type Batch, initTrainState, modelConfig, reasonerFor, trainConfig, trainStep } from '@hrm/hrm';
import { randomBatch } from '@hrm/testing/tiny';

interface ChildResult {
  readonly batch: number;
  readonly steps: number;
  readonly peakTensorMiB: number | null;
  readonly peakRssMiB: number;
  readonly wasmMemoryMiB: number | null;
  /** The resident limit past which the wasm backend spills (it rises when the ops in flight need more). */
  readonly limitMiB: number | null;
  readonly spills: number | null;
  readonly spilledMiB: number | null;
  readonly stepS: number;
  readonly stepSRange: readonly [number, number];
  readonly backend: string;
  readonly threads: number | null;
}

const MiB = 2 ** 20;

/** In a child: one warm-up step, then `steps` timed ones; the peak is of the timed ones. */
function child(batchSize: number, steps: number): ChildResult {
  const model = modelConfig({ vocabSize: 11, seqLen: 81, puzzleEmbDim: 512 });
  const train = trainConfig({ batchSize, totalSteps: 100, lr: 1e-4, lrWarmupSteps: 0 });
  // Random tokens; @hrm/testing's randomBatch has had this signature since before free-as-you-go, so an
  // old checkout's copy of this file runs too.
  const batch = (step: number): Batch => randomBatch(key(step), batchSize, model);
  const reasoner = reasonerFor(model);
  let state = initTrainState(reasoner, key(0), train);
  const advance = (step: number): number => {
    const input = batch(step);
    const t0 = performance.now();
    const next = trainStep(reasoner, state, input, train).state;
    const seconds = (performance.now() - t0) / 1000;
    disposeReplaced(state, next);
    dispose(input);
    state = next;
    return seconds;
  };
  advance(0);
  const b = currentBackend();
  b.resetPeak?.();
  const times: number[] = [];
  for (let s = 1; s <= steps; s++) times.push(advance(s));
  const stats = (
    b as {
      memoryStats?: () => { memoryBytes: number; limitBytes: number; spills: number; spilledBytes: number };
    }
  ).memoryStats?.();
  const peak = b.memory?.().peakBytes;
  times.sort((x, y) => x - y);
  return {
    batch: batchSize,
    steps,
    peakTensorMiB: peak === undefined ? null : peak / MiB,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    wasmMemoryMiB: stats ? stats.memoryBytes / MiB : null,
    limitMiB: stats ? stats.limitBytes / MiB : null,
    spills: stats ? stats.spills : null,
    spilledMiB: stats ? stats.spilledBytes / MiB : null,
    stepS: times[times.length >> 1] as number,
    stepSRange: [times[0] as number, times[times.length - 1] as number],
    backend: b.name,
    threads: (b as { threads?: number }).threads ?? null,
  };
}

/** Runs a child of `script` (this file, or its copy in another checkout) for one row. */
function runChild(script: string, batchSize: number, steps: number): ChildResult {
  const out = execFileSync(
    process.execPath,
    ['--conditions=@hrm/source', '--import', 'tsx', script, '--child', String(batchSize), String(steps)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], cwd: resolve(script, '../../..') },
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
  const only = args
    .find((a) => a.startsWith('--batches='))
    ?.slice('--batches='.length)
    .split(',')
    .map(Number);
  const plan0 = quick
    ? [{ batch: 2, steps: 1 }]
    : [
        { batch: 8, steps: 2 },
        { batch: 32, steps: 1 },
      ];
  const plan = only ? plan0.filter((p) => only.includes(p.batch)) : plan0;
  const self = fileURLToPath(import.meta.url);
  const { codes, cleanup } = codesUnderTest(self, args);
  const machine = machineInfo([]);
  console.log(`official-size HRM training step: memory and time${quick ? ' (quick)' : ''}, one process per row`);
  console.log(formatMachine(machine));
  const loadAtStart = loadAverage();
  const rows: (ChildResult & { code: string; commit: string })[] = [];
  try {
    // Batch by batch, baseline then this checkout, so that a slow spell of the host falls on both.
    for (const { batch, steps } of plan)
      for (const c of codes) {
        rows.push({ ...runChild(c.script, batch, steps), code: c.label, commit: c.commit });
        process.stdout.write('.');
      }
  } finally {
    cleanup();
  }
  console.log('');
  const opt = (x: number | null) => (x === null ? 'n/a' : fmt(x));
  console.log(
    formatTable(
      [
        'code',
        'commit',
        'batch',
        'peak tensors MiB',
        'peak RSS MiB',
        'wasm memory MiB',
        'limit MiB',
        'spills (MiB)',
        'step s',
        'min..max',
      ],
      rows.map((r) => [
        r.code,
        r.commit,
        String(r.batch),
        opt(r.peakTensorMiB),
        fmt(r.peakRssMiB),
        opt(r.wasmMemoryMiB),
        opt(r.limitMiB),
        r.spills === null ? 'n/a' : `${r.spills} (${opt(r.spilledMiB)})`,
        fmt(r.stepS),
        `${fmt(r.stepSRange[0])}..${fmt(r.stepSRange[1])}`,
      ]),
    ),
  );
  const loadAtEnd = loadAverage();
  console.log(`load: ${loadAtStart.join(' ')} at start, ${loadAtEnd.join(' ')} at end`);
  const file = writeResults(`official-step${quick ? '-quick' : ''}`, {
    benchmark: 'official-step',
    quick,
    machine,
    loadAtStart,
    loadAtEnd,
    model: 'hidden 512, 8 heads, 4+4 layers, 2x2 cycles, 81 + 1 tokens, one-step gradient, AdamW',
    rows,
  });
  console.log(`wrote ${file}`);
}

await main();
