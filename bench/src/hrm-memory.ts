/**
 * One HRM training step's memory and time against recurrence depth N x T (H_cycles x L_cycles), for
 * the one-step gradient (HRM), the last-cycle window (TRM's) and full BPTT. Each row runs in a fresh
 * process, so its peak RSS is its own. Peak live-tensor bytes come from the backend's accounting
 * (buffers allocated and not yet released), which a step's scopes keep honest.
 *
 *   npx tsx bench/src/hrm-memory.ts                      depths 1x1, 2x2, 3x3, 4x4, 6x6, 8x8
 *   npx tsx bench/src/hrm-memory.ts --quick              depths 2x2 and 4x4
 *   npx tsx bench/src/hrm-memory.ts --backend=reference  another backend (default: the library's default)
 *
 * A segment runs N·(T+1) module evaluations (N cycles of T low-level updates and one high-level one).
 * One-step records the last 2 for the gradient, last-cycle the last T+1, BPTT all of them. Expected:
 * flat memory for the one-step gradient, growth linear in N·(T+1) for BPTT. Measured, not assumed.
 * Writes bench/results/hrm-memory[-quick].json and three charts: hrm-memory-tensors, -rss, -time.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { currentBackend, dispose, key, withBackend } from '@hrm/core';
import { type Batch, initTrainState, modelConfig, reasonerFor, trainConfig, trainStep } from '@hrm/hrm';
import { randomBatch } from '@hrm/testing/tiny';
import { lineChart, writeChart } from './chart.js';
import {
  type BackendInfo,
  backendInfo,
  fmt,
  formatMachine,
  formatTable,
  loadAverage,
  machineInfo,
  releaseReplaced,
  writeResults,
} from './lib.js';

type Window = 'one-step' | 'last-cycle' | 'bptt';
const WINDOWS: readonly Window[] = ['one-step', 'last-cycle', 'bptt'];

interface Row {
  readonly window: Window;
  /** N = T = depth. */
  readonly depth: number;
  /** Module evaluations per segment, N·(T+1). */
  readonly evaluations: number;
  readonly backend: BackendInfo;
  readonly peakTensorMiB: number | null;
  /** The process's peak resident set, and its resident set before the first step (model and optimiser built, after a GC). */
  readonly peakRssMiB: number;
  readonly baseRssMiB: number;
  readonly stepMs: number;
  readonly stepMsRange: readonly [number, number];
  readonly steps: number;
}

const evaluations = (depth: number): number => depth * (depth + 1);

/** A small HRM on 6x6-Sudoku-sized sequences, so that full BPTT at 8x8 fits in memory and minutes. */
function config(window: Window, depth: number) {
  const model = modelConfig({
    vocabSize: 8,
    seqLen: 36,
    hidden: 32,
    heads: 2,
    hLayers: 1,
    lLayers: 1,
    expansion: 2,
    multipleOf: 16,
    hCycles: depth,
    lCycles: depth,
    haltMaxSteps: 4,
    gradWindow: window,
  });
  const train = trainConfig({ batchSize: 8, totalSteps: 100, lr: 1e-3, lrWarmupSteps: 0 });
  return { model, train };
}

/** In a child: one warm-up step, then timed steps, reporting the peak of the measured ones. */
function child(window: Window, depth: number, steps: number, backendName: string | undefined): Row {
  const go = (): Row => {
    const { model, train } = config(window, depth);
    const batch = (step: number): Batch => randomBatch(key(step), train.batchSize, model);
    const reasoner = reasonerFor(model);
    let state = initTrainState(reasoner, key(0), train);
    (globalThis as { gc?: () => void }).gc?.();
    // Before any step (the wasm memory only grows, so after one it would already hold the step's peak).
    const baseRssMiB = process.memoryUsage().rss / 2 ** 20;
    const advance = (step: number): void => {
      const next = trainStep(reasoner, state, batch(step), train).state;
      releaseReplaced(state, next);
      state = next;
    };
    advance(0);
    const b = currentBackend();
    b.resetPeak?.();
    const times: number[] = [];
    for (let s = 1; s <= steps; s++) {
      const input = batch(s);
      const t0 = performance.now();
      const next = trainStep(reasoner, state, input, train).state;
      times.push(performance.now() - t0);
      releaseReplaced(state, next);
      dispose(input);
      state = next;
    }
    const mem = b.memory?.();
    times.sort((x, y) => x - y);
    const mid = times.length >> 1;
    return {
      window,
      depth,
      evaluations: evaluations(depth),
      backend: backendInfo(b),
      peakTensorMiB: mem ? mem.peakBytes / 2 ** 20 : null,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      baseRssMiB,
      stepMs: times.length % 2 === 1 ? times[mid] : (times[mid - 1] + times[mid]) / 2,
      stepMsRange: [times[0], times[times.length - 1]] as const,
      steps,
    };
  };
  return backendName ? withBackend(backendName, go) : go();
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [, window, depth, steps, backendName] = args;
    console.log(JSON.stringify(child(window as Window, Number(depth), Number(steps), backendName || undefined)));
    return;
  }
  const quick = args.includes('--quick');
  const backendName = args.find((a) => a.startsWith('--backend='))?.split('=')[1] ?? '';
  const depths = quick ? [2, 4] : [1, 2, 3, 4, 6, 8];
  const steps = quick ? 1 : 5;
  // The children pick and start the backend; the parent records the machine without starting one.
  const machine0 = machineInfo([]);
  console.log(
    `HRM training step: memory and time vs recurrence depth N x T${quick ? ' (quick)' : ''}, one process per row`,
  );
  const self = fileURLToPath(import.meta.url);
  const rows: Row[] = [];
  for (const window of WINDOWS)
    for (const depth of depths) {
      const out = execFileSync(
        process.execPath,
        [
          '--expose-gc',
          '--conditions=@hrm/source',
          '--import',
          'tsx',
          self,
          '--child',
          window,
          String(depth),
          String(steps),
          backendName,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      rows.push(JSON.parse(out.trim().split('\n').pop() ?? '{}') as Row);
    }
  const machine = { ...machine0, backends: rows.length ? [rows[0].backend] : [] };
  console.log(formatMachine(machine));
  const base = new Map(WINDOWS.map((w) => [w, rows.find((r) => r.window === w && r.depth === depths[0])]));
  console.log(
    formatTable(
      [
        'window',
        'N x T',
        'evals',
        'peak tensors MiB',
        `vs ${depths[0]}x${depths[0]}`,
        'peak RSS MiB',
        'RSS before steps MiB',
        'step ms (median)',
        'min..max',
      ],
      rows.map((r) => {
        const b = base.get(r.window);
        return [
          r.window,
          `${r.depth}x${r.depth}`,
          String(r.evaluations),
          r.peakTensorMiB === null ? 'n/a' : fmt(r.peakTensorMiB),
          r.peakTensorMiB !== null && b?.peakTensorMiB ? `${fmt(r.peakTensorMiB / b.peakTensorMiB)}x` : 'n/a',
          fmt(r.peakRssMiB),
          fmt(r.baseRssMiB),
          fmt(r.stepMs),
          `${fmt(r.stepMsRange[0])}..${fmt(r.stepMsRange[1])}`,
        ];
      }),
    ),
  );
  // Growth per recorded evaluation: the slope of peak tensors against N·(T+1), first to last depth.
  const growth = WINDOWS.map((w) => {
    const rs = rows.filter((r) => r.window === w);
    const [a, z] = [rs[0], rs[rs.length - 1]];
    const slope =
      a?.peakTensorMiB != null && z?.peakTensorMiB != null && z.evaluations > a.evaluations
        ? (z.peakTensorMiB - a.peakTensorMiB) / (z.evaluations - a.evaluations)
        : null;
    return {
      window: w,
      fromDepth: a?.depth,
      toDepth: z?.depth,
      peakTensorRatio: a?.peakTensorMiB && z?.peakTensorMiB ? z.peakTensorMiB / a.peakTensorMiB : null,
      miBPerEvaluation: slope,
      stepTimeRatio: a && z ? z.stepMs / a.stepMs : null,
    };
  });
  console.log(
    `\n${formatTable(
      ['window', 'depths', 'peak tensors ratio', 'MiB per extra evaluation', 'step time ratio'],
      growth.map((g) => [
        g.window,
        `${g.fromDepth}x${g.fromDepth} -> ${g.toDepth}x${g.toDepth}`,
        g.peakTensorRatio === null ? 'n/a' : `${fmt(g.peakTensorRatio)}x`,
        g.miBPerEvaluation === null ? 'n/a' : fmt(g.miBPerEvaluation),
        g.stepTimeRatio === null ? 'n/a' : `${fmt(g.stepTimeRatio)}x`,
      ]),
    )}`,
  );
  const { model, train } = config('one-step', 1);
  const suffix = quick ? '-quick' : '';
  const path = writeResults(`hrm-memory${suffix}`, {
    benchmark: 'hrm-memory',
    quick,
    machine,
    loadAtEnd: loadAverage(),
    // hCycles, lCycles and gradWindow vary by row.
    config: { model: { ...model, hCycles: 'N', lCycles: 'T', gradWindow: 'by row' }, train },
    steps,
    rows,
    growth,
  });
  const xLabel = 'module evaluations per segment, N·(T+1)   (1x1 = 2, 2x2 = 6, 4x4 = 20, 8x8 = 72)';
  const line = (name: string, value: (r: Row) => number | null, band?: (r: Row) => readonly [number, number]) =>
    WINDOWS.map((w) => {
      const rs = rows.filter((r) => r.window === w);
      return {
        name,
        points: rs.map((r) => [r.evaluations, value(r) ?? Number.NaN] as const),
        ...(band ? { band: rs.map((r) => [r.evaluations, ...band(r)] as const) } : {}),
      };
    }).map((s, i) => ({ ...s, name: WINDOWS[i], ...(WINDOWS[i] === 'bptt' ? { dashed: true } : {}) }));
  const backendName0 = machine.backends[0]?.name ?? '?';
  const charts = [
    writeChart(
      `hrm-memory-tensors${suffix}`,
      lineChart({
        title: 'HRM training step: peak live tensors vs recurrence depth',
        xLabel,
        yLabel: 'peak live tensor MiB',
        yMin: 0,
        series: line('', (r) => r.peakTensorMiB),
      }),
    ),
    writeChart(
      `hrm-memory-rss${suffix}`,
      lineChart({
        title: 'HRM training step: peak process RSS vs recurrence depth',
        xLabel,
        yLabel: 'peak RSS MiB (whole Node process)',
        yMin: 0,
        series: line('', (r) => r.peakRssMiB),
      }),
    ),
    writeChart(
      `hrm-memory-time${suffix}`,
      lineChart({
        title: `HRM training step: time vs recurrence depth (${backendName0} backend)`,
        xLabel,
        yLabel: 'ms per training step (median, band: min..max)',
        yMin: 0,
        series: line(
          '',
          (r) => r.stepMs,
          (r) => r.stepMsRange,
        ),
      }),
    ),
  ];
  console.log(`\nwrote ${path}\ncharts: ${charts.join(', ')}`);
}

main();
