/**
 * `hrm serve` under load: throughput and p50/p99 latency of `POST /v1/solve` for 4x4 and 6x6 Sudoku at
 * 1, 8 and 32 concurrent clients (autocannon, keep-alive connections, each request one puzzle), with
 * batching across callers on (the default) and off (`--batch 1`), and the server's resident memory
 * before and after. The server runs in its own process, as `hrm serve` does, bound to 127.0.0.1; the
 * load is local only and bounded in time. Fails when the server dies, answers anything but 200, or its
 * memory grows.
 *
 *   npx tsx --conditions=@hrm/source bench/src/serve.ts            10 s per point
 *   npx tsx --conditions=@hrm/source bench/src/serve.ts --quick    1 s per point (under 20 s in all)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { presetNamed } from '@hrm/hrm/node';
import autocannon from 'autocannon';
import { fmt, formatMachine, formatTable, loadAverage, machineInfo, writeResults } from './lib.js';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 1 : 10;
const WARMUP_SECONDS = quick ? 0.5 : 2;
const CLIENTS = [1, 8, 32] as const;
const TASKS = ['sudoku4', 'sudoku6'] as const;
/** Batched against unbatched, at these client counts (1 client has no one to batch with). */
const COMPARE_AT = quick ? [32] : [8, 32];
/**
 * RSS growth over the run that counts as a leak (a quick run's 1 s points are still warming the heaps,
 * so it only catches gross leaks).
 */
const FLAT_LIMIT_MIB = quick ? 128 : 64;

const BIN = fileURLToPath(new URL('../../packages/hrm/src/bin.ts', import.meta.url));
const CHECKPOINTS = fileURLToPath(new URL('../../packages/hrm/checkpoints/', import.meta.url));

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  readonly label: string;
}

/** Starts `hrm serve` on a free local port with the 4x4 and 6x6 models; resolves with its URL. */
function startServer(label: string, extra: readonly string[]): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@hrm/source',
      '--import',
      'tsx',
      BIN,
      'serve',
      '--port',
      '0',
      ...TASKS.map((t) => `${CHECKPOINTS}${t}.safetensors`),
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve({ child, url: m[1], label });
    });
    child.once('exit', (code) => reject(new Error(`hrm serve exited with ${code}:\n${out}`)));
  });
}

/** The server's resident memory in MiB (Linux: /proc; elsewhere NaN). */
function rssMiB(pid: number | undefined): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line?.split(/\s+/)[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

async function stop(server: Server): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
  server.child.kill('SIGTERM');
  return exited;
}

/** Unseen puzzles of a task, drawn as the API takes them. */
function puzzles(task: string, n: number): string[] {
  const preset = presetNamed(task);
  if (!preset) throw new Error(task);
  return preset.evalExamples(n).map((e) => preset.format(e.inputs));
}

interface Point {
  readonly server: string;
  readonly task: string;
  readonly clients: number;
  readonly seconds: number;
  /** Answers (200) per second. */
  readonly puzzlesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly rssAfterMiB: number;
}

async function load(server: Server, task: string, clients: number, seconds: number): Promise<Point> {
  const bodies = puzzles(task, 64).map((puzzle) => JSON.stringify({ task, puzzle }));
  const r = await autocannon({
    url: `${server.url}/v1/solve`,
    connections: clients,
    duration: seconds,
    timeout: 30,
    requests: bodies.map((body) => ({
      method: 'POST' as const,
      path: '/v1/solve',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  });
  return {
    server: server.label,
    task,
    clients,
    seconds: r.duration,
    puzzlesPerSecond: r['2xx'] / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    rssAfterMiB: rssMiB(server.child.pid),
  };
}

async function main(): Promise<void> {
  const machine = machineInfo();
  console.log(formatMachine(machine));
  console.log(`${quick ? 'quick: ' : ''}${SECONDS} s per point, local only (127.0.0.1)\n`);
  const points: Point[] = [];
  const memory: { server: string; warmMiB: number; afterMiB: number; peakMiB: number; up: boolean }[] = [];
  const failures: string[] = [];
  for (const [label, extra] of [
    ['batched', []],
    ['unbatched', ['--batch', '1']],
  ] as const) {
    const server = await startServer(label, extra);
    // Warm up at the highest load: the wasm memory grows to the largest batch once, and stays.
    for (const task of TASKS) await load(server, task, Math.max(...CLIENTS), WARMUP_SECONDS);
    const warm = rssMiB(server.child.pid);
    let peak = warm;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(server.child.pid));
    }, 200);
    const clients = label === 'batched' ? CLIENTS : COMPARE_AT;
    for (const task of TASKS)
      for (const c of clients) {
        const p = await load(server, task, c, SECONDS);
        points.push(p);
        console.log(
          `${label} ${task} ${c} clients: ${fmt(p.puzzlesPerSecond)} puzzles/s, p50 ${fmt(p.p50Ms)} ms, p99 ${fmt(p.p99Ms)} ms`,
        );
        if (p.non2xx > 0 || p.errors > 0)
          failures.push(`${label} ${task} ${c}: ${p.non2xx} non-2xx, ${p.errors} errors`);
      }
    clearInterval(sampler);
    const after = rssMiB(server.child.pid);
    const health = await fetch(`${server.url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    memory.push({ server: label, warmMiB: warm, afterMiB: after, peakMiB: Math.max(peak, after), up: health });
    if (!health) failures.push(`the ${label} server is down after the run`);
    if (after - warm > FLAT_LIMIT_MIB)
      failures.push(`the ${label} server's RSS grew by ${fmt(after - warm)} MiB (over ${FLAT_LIMIT_MIB})`);
    const code = await stop(server);
    if (code !== 0) failures.push(`the ${label} server exited with ${code} on SIGTERM`);
  }

  console.log();
  console.log(
    formatTable(
      ['server', 'task', 'clients', 'puzzles/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'RSS MiB after'],
      points.map((p) => [
        p.server,
        p.task,
        String(p.clients),
        fmt(p.puzzlesPerSecond),
        fmt(p.p50Ms),
        fmt(p.p99Ms),
        fmt(p.maxMs),
        String(p.non2xx + p.errors),
        fmt(p.rssAfterMiB),
      ]),
    ),
  );
  const speedups = TASKS.flatMap((task) =>
    COMPARE_AT.map((clients) => {
      const at = (server: string) =>
        points.find((p) => p.server === server && p.task === task && p.clients === clients);
      const b = at('batched');
      const u = at('unbatched');
      return {
        task,
        clients,
        batched: b?.puzzlesPerSecond ?? Number.NaN,
        unbatched: u?.puzzlesPerSecond ?? Number.NaN,
        speedup: (b?.puzzlesPerSecond ?? Number.NaN) / (u?.puzzlesPerSecond ?? Number.NaN),
        p50Batched: b?.p50Ms ?? Number.NaN,
        p50Unbatched: u?.p50Ms ?? Number.NaN,
      };
    }),
  );
  console.log();
  console.log(
    formatTable(
      ['task', 'clients', 'batched puzzles/s', 'unbatched puzzles/s', 'speed-up', 'p50 ms batched', 'p50 ms unbatched'],
      speedups.map((s) => [
        s.task,
        String(s.clients),
        fmt(s.batched),
        fmt(s.unbatched),
        `${fmt(s.speedup)}x`,
        fmt(s.p50Batched),
        fmt(s.p50Unbatched),
      ]),
    ),
  );
  console.log();
  console.log(
    formatTable(
      ['server', 'RSS MiB warm', 'RSS MiB after', 'peak', 'up after'],
      memory.map((m) => [m.server, fmt(m.warmMiB), fmt(m.afterMiB), fmt(m.peakMiB), m.up ? 'yes' : 'NO']),
    ),
  );
  const loadEnd = loadAverage();
  console.log(`\nload average at the end: ${loadEnd.join(' ')}`);
  const file = writeResults(quick ? 'serve-quick' : 'serve', {
    machine,
    loadavgEnd: loadEnd,
    quick,
    secondsPerPoint: SECONDS,
    points,
    speedups,
    memory,
    failures,
  });
  console.log(`wrote ${file}`);
  if (failures.length > 0) {
    console.error(`FAILED:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
