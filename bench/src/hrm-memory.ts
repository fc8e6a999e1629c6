/**
 * One HRM training step's memory and time against recurrence depth N x T (H_cycles x L_cycles), for
 * the one-step gradient (HRM), the last-cycle window (TRM's) and full BPTT. Each row runs in a fresh
 * process, so its peak RSS is its own. Peak live-tensor bytes come from the backend's accounting
 * (buffers allocated and not yet released), which a step's scopes keep honest.
 *
 *   npx tsx bench/src/hrm-memory.ts            depths 2x2, 3x3, 4x4, 6x6, 8x8
 *   npx tsx bench/src/hrm-memory.ts --quick    depths 2x2 and 4x4
 *
 * Expected: flat memory for the one-step gradient, linear growth with BPTT. Measured, not assumed.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { currentBackend, key, randint, withBackend } from '@hrm/core';
import { type Batch, initTrainState, modelConfig, trainConfig, trainStep } from '@hrm/hrm';
import { fmt, formatMachine, formatTable, machineInfo, writeResults } from './lib.js';

type Window = 'one-step' | 'last-cycle' | 'bptt';

interface Row {
  readonly window: Window;
  readonly depth: number;
  readonly backend: string;
  readonly peakTensorMiB: number | null;
  readonly peakRssMiB: number;
  readonly stepMs: number;
  readonly stepMsRange: readonly [number, number];
}

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
  const go = () => {
    const { model, train } = config(window, depth);
    const dims = { B: train.batchSize, L: model.seqLen };
    const batch = (step: number): Batch => ({
      inputs: randint(key(step), ['B', 'L'], 1, model.vocabSize, { dims }),
      labels: randint(key(step + 1000), ['B', 'L'], 1, model.vocabSize, { dims }),
      puzzleIds: randint(key(step + 2000), ['B'], 0, 1, { dims }),
    });
    let state = initTrainState(key(0), model, train);
    state = trainStep(state, batch(0), model, train).state;
    const b = currentBackend();
    b.resetPeak?.();
    const times: number[] = [];
    for (let s = 1; s <= steps; s++) {
      const t0 = performance.now();
      state = trainStep(state, batch(s), model, train).state;
      times.push(performance.now() - t0);
    }
    const mem = b.memory?.();
    times.sort((x, y) => x - y);
    return {
      window,
      depth,
      backend: b.name,
      peakTensorMiB: mem ? mem.peakBytes / 2 ** 20 : null,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      stepMs: times[Math.floor(times.length / 2)],
      stepMsRange: [times[0], times[times.length - 1]] as const,
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
  const backendName = args.find((a) => a.startsWith('--backend='))?.split('=')[1] ?? 'reference';
  const depths = quick ? [2, 4] : [2, 3, 4, 6, 8];
  const windows: Window[] = ['one-step', 'last-cycle', 'bptt'];
  const steps = quick ? 1 : 3;
  const machine = machineInfo();
  console.log(formatMachine(machine));
  const self = fileURLToPath(import.meta.url);
  const rows: Row[] = [];
  for (const window of windows)
    for (const depth of depths) {
      const out = execFileSync(
        process.execPath,
        ['--import', 'tsx', self, '--child', window, String(depth), String(steps), backendName],
        { encoding: 'utf8' },
      );
      rows.push(JSON.parse(out.trim().split('\n').pop() ?? '{}') as Row);
    }
  const base = new Map(windows.map((w) => [w, rows.find((r) => r.window === w && r.depth === depths[0])]));
  console.log(
    formatTable(
      ['window', 'N x T', 'evals', 'peak tensors MiB', 'vs smallest', 'peak RSS MiB', 'step ms (median)', 'min..max'],
      rows.map((r) => {
        const b = base.get(r.window);
        return [
          r.window,
          `${r.depth}x${r.depth}`,
          String(r.depth * (r.depth + 1)),
          r.peakTensorMiB === null ? 'n/a' : fmt(r.peakTensorMiB),
          r.peakTensorMiB !== null && b?.peakTensorMiB ? `${fmt(r.peakTensorMiB / b.peakTensorMiB)}x` : 'n/a',
          fmt(r.peakRssMiB),
          fmt(r.stepMs),
          `${fmt(r.stepMsRange[0])}..${fmt(r.stepMsRange[1])}`,
        ];
      }),
    ),
  );
  const path = writeResults(quick ? 'hrm-memory-quick' : 'hrm-memory', {
    machine,
    config: config('one-step', 0),
    steps,
    rows,
  });
  console.log(`wrote ${path}`);
}

main();
