/**
 * Runs every benchmark, one after the other, each in its own process (so one's memory and threads
 * never skew the next): `npm run bench` runs the full versions, `npm run bench -- --quick` the short
 * ones (what CI runs, to keep the scripts working; about 2.5 minutes in all on the 2-core machine; past 2 it warns).
 *
 *   npm run bench -- [--quick] [--only=name,name] [--skip=name,name] [--list]
 *
 * A benchmark listed here whose script does not exist yet is reported as missing and skipped. The
 * GPU benchmark has its own script (`npm run bench:gpu`: it needs a display).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt, formatTable } from './lib.js';

interface Entry {
  /** The script is bench/src/<name>.ts. */
  readonly name: string;
  /** What it answers, for the listing. */
  readonly what: string;
  /** Extra arguments for the full and the quick run. */
  readonly args?: readonly string[];
  readonly quickArgs?: readonly string[];
}

const BENCHMARKS: readonly Entry[] = [
  { name: 'hrm-memory', what: 'issue 8.1: memory and time of a training step vs recurrence depth N x T' },
  {
    name: 'official-step',
    what: 'issue 20.1: an official-size training step at batch 8 and 32: peak tensors, RSS, spills (--baseline: before/after)',
  },
  { name: 'accuracy', what: 'issue 8.2: exact accuracy vs compute, one-step vs BPTT vs TRM' },
  { name: 'thinking', what: 'issue 8.3: thinking longer at test time; segments ACT chooses' },
  { name: 'hierarchy', what: 'three levels (H, M, L) vs the two of HRM at equal training time, 6x6 Sudoku' },
  { name: 'kernels', what: 'issue 8.4: matmul variants, Transformer block, HRM step vs tfjs and jax-js' },
  {
    name: 'train-step',
    what: 'issue 20: the sudoku6 training step on 1 and 2 threads (--baseline: against another checkout, side by side)',
  },
  { name: 'wasm-matmul', what: 'wasm backend matmul: relaxed vs plain SIMD, fraction of the SIMD ceiling' },
  { name: 'wasm-profile', what: 'wasm backend: where a block forward + backward spends its time' },
  { name: 'threads', what: 'what a second core adds: 2 processes vs 2 threads vs 1, FMA loop and 1024³ matmul' },
  {
    name: 'imported-eval',
    what: 'an official-size HRM exported, imported from torch.save and scored on 20 hard Sudokus',
  },
  { name: 'serve', what: 'hrm serve under load: puzzles/s and p50/p99 at 1, 8, 32 clients; batching on vs off; RSS' },
];

/** Seconds CI allows the quick run (issue 8). */
const QUICK_BUDGET_S = 120;

function main(): void {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const list = (flag: string) =>
    args
      .find((a) => a.startsWith(`${flag}=`))
      ?.slice(flag.length + 1)
      .split(',')
      .filter(Boolean);
  const only = list('--only');
  const skip = list('--skip') ?? [];
  const unknown = [...(only ?? []), ...skip].filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  if (args.includes('--list')) {
    console.log(
      formatTable(
        ['name', 'what'],
        BENCHMARKS.map((b) => [b.name, b.what]),
      ),
    );
    return;
  }
  const chosen = BENCHMARKS.filter((b) => (only ? only.includes(b.name) : true) && !skip.includes(b.name));
  const results: { name: string; status: string; seconds: number }[] = [];
  const t0 = performance.now();
  for (const b of chosen) {
    const script = fileURLToPath(new URL(`./${b.name}.ts`, import.meta.url));
    if (!existsSync(script)) {
      console.log(`\n=== ${b.name}: no script yet (bench/src/${b.name}.ts), skipped`);
      results.push({ name: b.name, status: 'missing', seconds: 0 });
      continue;
    }
    const extra = quick ? ['--quick', ...(b.quickArgs ?? [])] : [...(b.args ?? [])];
    console.log(`\n=== ${b.name}${quick ? ' (quick)' : ''}: ${b.what}`);
    const start = performance.now();
    const r = spawnSync(process.execPath, ['--conditions=@hrm/source', '--import', 'tsx', script, ...extra], {
      stdio: 'inherit',
    });
    const seconds = (performance.now() - start) / 1e3;
    const status = r.error
      ? `failed: ${r.error.message}`
      : r.status === 0
        ? 'ok'
        : r.signal
          ? `killed by ${r.signal}`
          : `failed: exit ${r.status}`;
    results.push({ name: b.name, status, seconds });
  }
  const total = (performance.now() - t0) / 1e3;
  console.log(`\n=== summary${quick ? ' (quick)' : ''}`);
  console.log(
    formatTable(
      ['benchmark', 'status', 'seconds'],
      [...results.map((r) => [r.name, r.status, fmt(r.seconds)]), ['total', '', fmt(total)]],
    ),
  );
  const failed = results.filter((r) => r.status !== 'ok' && r.status !== 'missing');
  if (quick && total > QUICK_BUDGET_S)
    console.log(`warning: the quick run took ${fmt(total)} s, over its ${QUICK_BUDGET_S} s budget`);
  if (failed.length > 0) {
    console.error(`failed: ${failed.map((r) => r.name).join(', ')}`);
    process.exitCode = 1;
  }
}

main();
