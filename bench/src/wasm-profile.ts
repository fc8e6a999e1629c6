/**
 * Where the time of a Transformer-block training step goes on the wasm backend: every backend call of
 * one forward + backward pass (the block of block-model.ts), timed and grouped by kernel and shapes.
 *
 *   npx tsx bench/src/wasm-profile.ts              B = 32, 1 thread
 *   npx tsx bench/src/wasm-profile.ts --threads 2
 *   npx tsx bench/src/wasm-profile.ts --quick      B = 4
 *
 * Prints the largest items and writes bench/results/wasm-profile[-quick].json.
 */
import type { Backend } from '@hrm/kernels';
import { WasmBackend } from '@hrm/kernels';
import { blockInputs, blockRunner, forwardFlops, S } from './block-model.js';
import { fmt, formatMachine, formatTable, machineInfo, writeResults } from './lib.js';

const quick = process.argv.includes('--quick');
const at = process.argv.indexOf('--threads');
const threads = at >= 0 ? Number(process.argv[at + 1]) : 1;
const B = quick ? 4 : 32;
const WARMUP = quick ? 2 : 5;
const REPS = quick ? 2 : 5;

interface Item {
  calls: number;
  ms: number;
}

/** Wraps the backend's kernels so that each call adds its time to `items` under a descriptive key. */
function instrument(b: WasmBackend, items: Map<string, Item>): void {
  const shapes = (args: unknown[]) =>
    args
      .filter((a): a is { shape: number[]; strides: number[] } => typeof a === 'object' && a !== null && 'shape' in a)
      .map((v) => `[${v.shape}]${v.strides.join(',') === contiguous(v.shape).join(',') ? '' : `/s[${v.strides}]`}`)
      .join(' x ');
  const methods = [
    'unary',
    'binary',
    'where',
    'cast',
    'copy',
    'reduce',
    'argReduce',
    'matmul',
    'concat',
    'pad',
    'gather',
    'scatterAdd',
    'fill',
    'read',
  ] as const;
  const wrap = (target: Record<string, (...args: unknown[]) => unknown>, names: readonly string[], prefix: string) => {
    for (const name of names) {
      const original = target[name].bind(target);
      target[name] = (...args: unknown[]) => {
        const t0 = performance.now();
        const result = original(...args);
        const ms = performance.now() - t0;
        const key = `${prefix}${name}${typeof args[0] === 'string' ? ` ${args[0]}` : ''} ${shapes(args)}`;
        const item = items.get(key) ?? { calls: 0, ms: 0 };
        item.calls++;
        item.ms += ms;
        items.set(key, item);
        return result;
      };
    }
  };
  wrap(b as unknown as Record<string, (...args: unknown[]) => unknown>, methods, '');
  // The fused kernels (softmax, RMSNorm, SwiGLU's gate and their VJPs) are calls of their own.
  const fused = b.fused as unknown as Record<string, (...args: unknown[]) => unknown>;
  wrap(fused, Object.keys(fused), 'fused.');
}

function contiguous(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}

function main(): void {
  const b = new WasmBackend({ name: 'wasm-profiled', threads });
  const ready = threads > 1 ? b.startThreads() : 1;
  const machine = machineInfo([b]);
  const items = new Map<string, Item>();
  instrument(b, items);
  const run = blockRunner(b as Backend, blockInputs(B));
  for (let i = 0; i < WARMUP; i++) run.step();
  items.clear();
  const t0 = performance.now();
  for (let i = 0; i < REPS; i++) run.step();
  const stepMs = (performance.now() - t0) / REPS;
  run.free();

  const rows = [...items.entries()]
    .map(([key, v]) => ({ key, calls: v.calls / REPS, ms: v.ms / REPS }))
    .sort((x, y) => y.ms - x.ms);
  const inKernels = rows.reduce((s, r) => s + r.ms, 0);
  const matmulMs = rows.filter((r) => r.key.startsWith('matmul')).reduce((s, r) => s + r.ms, 0);
  console.log(
    `wasm backend profile: block forward + backward, B=${B} S=${S}, ${ready} thread(s)${quick ? ' (quick)' : ''}`,
  );
  console.log(`${formatMachine(machine)}\n`);
  console.log(
    `step ${fmt(stepMs)} ms; in backend calls ${fmt(inKernels)} ms (matmul ${fmt(matmulMs)} ms = ${fmt((3 * forwardFlops(B * S)) / (matmulMs / 1e3) / 1e9)} GFLOP/s), elsewhere ${fmt(stepMs - inKernels)} ms\n`,
  );
  console.log(
    formatTable(
      ['ms per step', 'share', 'calls', 'call and operand shapes (/s[...]: strides of a non-contiguous view)'],
      rows.slice(0, 40).map((r) => [fmt(r.ms), `${((100 * r.ms) / stepMs).toFixed(1)}%`, String(r.calls), r.key]),
    ),
  );
  const file = writeResults(quick ? 'wasm-profile-quick' : 'wasm-profile', {
    benchmark: 'wasm-profile',
    quick,
    machine,
    batch: B,
    threads: ready,
    stepMs,
    inKernelsMs: inKernels,
    matmulMs,
    items: rows,
  });
  console.log(`\nwrote ${file}`);
  void b.closeThreads();
}

main();
