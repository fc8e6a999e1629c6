/**
 * What a second core can add on this machine, and what holds it back: the same work run by one
 * process alone, by two single-threaded processes at once (the machine's own two-core gain, no
 * thread pool involved) and, for matmul, by one process on the wasm backend's two threads.
 *
 *   npx tsx bench/src/threads.ts            5 rounds of 3 s per configuration
 *   npx tsx bench/src/threads.ts --quick    1 round of 0.5 s
 *
 * Workloads: the register-only multiply-add loop of `measureCeiling` (no memory traffic), and a
 * 1024³ float32 matmul. Every child gets ready (compiles, starts its workers) and says so; once all
 * children of a configuration are ready, each runs its workload for a fixed window that starts at the
 * same wall-clock instant, and reports GFLOP/s over that window (the FMA loop: its best quarter of the
 * window, as `measureCeiling` does). Rounds alternate the configurations, so slow spells of the shared
 * host fall on all of them.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dispose, key, matmul, normal, withBackend } from '@hrm/core';
import { measureCeiling, WasmBackend } from '@hrm/kernels';
import { fmt, formatMachine, formatTable, loadAverage, machineInfo, writeResults } from './lib.js';

type Workload = 'fma-loop' | 'matmul 1024³';
const N = 1024;

/**
 * Gets `workload` ready on `threads` threads (compiled, workers started, heap sized); the function it
 * returns runs it from `startAt` (epoch ms) for `seconds` and gives its GFLOP/s.
 */
function prepare(workload: Workload, threads: number): (startAt: number, seconds: number) => number {
  if (workload === 'fma-loop')
    return (startAt, seconds) => {
      while (Date.now() < startAt) {}
      return measureCeiling(true, seconds / 4, 4);
    };
  const backend = new WasmBackend({ threads, adaptiveThreads: false });
  const [a, b] = withBackend(backend, () => {
    const ab = [normal(key(1), [N, N]), normal(key(2), [N, N])] as const;
    dispose(matmul(...ab));
    dispose(matmul(...ab));
    return ab;
  });
  return (startAt, seconds) =>
    withBackend(backend, () => {
      while (Date.now() < startAt) {}
      const t0 = performance.now();
      let calls = 0;
      while (performance.now() - t0 < seconds * 1000) {
        dispose(matmul(a, b));
        calls++;
      }
      return (calls * 2 * N ** 3) / ((performance.now() - t0) / 1000) / 1e9;
    });
}

/** A child process: says `ready` once prepared, then runs from the start time the parent sends. */
async function runChild(workload: Workload, threads: number, seconds: number): Promise<void> {
  const run = prepare(workload, threads);
  console.log('ready');
  let line = '';
  for await (const chunk of process.stdin) {
    line += String(chunk);
    if (line.includes('\n')) break;
  }
  console.log(run(Number(line.trim()), seconds));
}

interface Child {
  readonly ready: Promise<void>;
  readonly result: Promise<number>;
  start(at: number): void;
}

function child(args: readonly string[]): Child {
  const script = fileURLToPath(import.meta.url);
  const p = spawn(process.execPath, ['--conditions=@hrm/source', '--import', 'tsx', script, '--child', ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // A child that died before its start time closes its stdin: its exit code reports it, not a write error.
  p.stdin.on('error', () => {});
  let out = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  p.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  const result = new Promise<number>((resolve, reject) =>
    p.on('exit', (code) => {
      const value = Number(out.trim().split('\n').at(-1));
      if (code !== 0 || !Number.isFinite(value)) reject(new Error(`child ${args.join(' ')} failed (exit ${code})`));
      else resolve(value);
    }),
  );
  return { ready: Promise.race([ready, result.then(() => {})]), result, start: (at) => p.stdin.end(`${at}\n`) };
}

/** Starts `processes` children, and once all are ready runs them over the same window; their GFLOP/s summed. */
async function together(workload: Workload, processes: number, threads: number, seconds: number): Promise<number> {
  const children = Array.from({ length: processes }, () => child([workload, String(threads), String(seconds)]));
  await Promise.all(children.map((c) => c.ready));
  // A little lead, so that both children are waiting for the same instant when it comes.
  const startAt = Date.now() + 50;
  for (const c of children) c.start(startAt);
  const each = await Promise.all(children.map((c) => c.result));
  return each.reduce((a, b) => a + b, 0);
}

const CONFIGS = [
  { name: '1 process, 1 thread', processes: 1, threads: 1 },
  { name: '2 processes, 1 thread each', processes: 2, threads: 1 },
  { name: '1 process, 2 threads', processes: 1, threads: 2 },
] as const;

async function parent(quick: boolean): Promise<void> {
  const rounds = quick ? 1 : 5;
  const seconds = quick ? 0.5 : 3;
  const machine = machineInfo();
  console.log(formatMachine(machine));
  console.log(`${rounds} round(s) of ${seconds} s per configuration, configurations alternating\n`);
  const workloads: Workload[] = ['fma-loop', 'matmul 1024³'];
  const samples: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++)
    for (const w of workloads)
      for (const c of CONFIGS) {
        // The FMA loop has no thread pool: its 2-thread row would measure nothing new.
        if (w === 'fma-loop' && c.threads === 2) continue;
        const gf = await together(w, c.processes, c.threads, seconds);
        samples[`${w}|${c.name}`] ??= [];
        samples[`${w}|${c.name}`].push(gf);
      }
  const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const rows = workloads.flatMap((w) => {
    const alone = median(samples[`${w}|${CONFIGS[0].name}`]);
    return CONFIGS.filter((c) => samples[`${w}|${c.name}`]).map((c) => {
      const xs = samples[`${w}|${c.name}`];
      const m = median(xs);
      return {
        workload: w,
        config: c.name,
        gflops: m,
        min: Math.min(...xs),
        max: Math.max(...xs),
        overAlone: m / alone,
      };
    });
  });
  console.log(
    formatTable(
      ['workload', 'configuration', 'GFLOP/s (sum), median', 'min..max', 'x 1 process'],
      rows.map((r) => [r.workload, r.config, fmt(r.gflops), `${fmt(r.min)}..${fmt(r.max)}`, fmt(r.overAlone)]),
    ),
  );
  const loadAtEnd = loadAverage();
  console.log(`\nload at end: ${loadAtEnd.join(' ')}`);
  writeResults(`threads${quick ? '-quick' : ''}`, { machine, loadAtEnd, rounds, seconds, samples, rows });
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  const [workload, threads, seconds] = argv.slice(1);
  await runChild(workload as Workload, Number(threads), Number(seconds));
  process.exit(0);
} else await parent(argv.includes('--quick'));
