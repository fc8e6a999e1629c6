/**
 * `hrm serve` and `hrm mcp`: the `hrm` command of @hrm/hrm declares their flags and loads this package
 * when one of them runs (it is an optional peer, so @hrm/hrm stays light). Each reads its flags from
 * the parsed arguments `hrm` hands over, loads the models once, and serves until SIGINT or SIGTERM:
 * then it stops accepting, finishes what is in flight, and returns 0. A second signal exits at once.
 */
import type { Limits } from './codecs.js';
import { serveStdio } from './mcp.js';
import { loadModels, type ModelRegistry, type ModelSource } from './models.js';
import type { Batching } from './scheduler.js';
import { startServer } from './server.js';
import { SolveService } from './service.js';

/** The parsed arguments `hrm` passes (its `Parsed`): flags checked as they are read. */
export interface CommandArgs {
  readonly positionals: readonly string[];
  /** A string flag's value, if given. */
  string(name: string): string | undefined;
  /** Whether a boolean flag is set. */
  flag(name: string): boolean;
  /** A numeric flag, checked (a usage error names the flag when it is not a number in range). */
  number(
    name: string,
    opts?: { readonly integer?: boolean; readonly min?: number; readonly max?: number },
  ): number | undefined;
}

function modelSource(args: CommandArgs): ModelSource {
  const listed = (args.string('checkpoint') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const checkpoints = [...listed, ...args.positionals];
  const dir = args.string('checkpoints');
  return {
    ...(checkpoints.length > 0 ? { checkpoints } : {}),
    ...(dir !== undefined ? { checkpointDir: dir } : {}),
  };
}

function limitsOf(args: CommandArgs): Partial<Limits> {
  const maxSegments = args.number('max-segments', { integer: true, min: 1, max: 1024 });
  const timeout = args.number('timeout', { min: 0.001, max: 3600 });
  const maxQueue = args.number('queue', { integer: true, min: 1, max: 1_000_000 });
  return {
    ...(maxSegments !== undefined ? { maxSegments } : {}),
    ...(timeout !== undefined ? { timeoutMs: Math.round(timeout * 1000) } : {}),
    ...(maxQueue !== undefined ? { maxQueue } : {}),
  };
}

function batchingOf(args: CommandArgs): Partial<Batching> {
  const maxBatch = args.number('batch', { integer: true, min: 1, max: 4096 });
  const windowMs = args.number('batch-ms', { min: 0, max: 10_000 });
  return {
    ...(maxBatch !== undefined ? { maxBatch } : {}),
    ...(windowMs !== undefined ? { windowMs } : {}),
  };
}

function describeModels(registry: ModelRegistry): string {
  return registry.models
    .map((m) => `${m.id}${m.id === m.task ? '' : ` (${m.task})`}${m.default ? '' : ' [not default]'}`)
    .join(', ');
}

/** Resolves on the first SIGINT or SIGTERM (a second one exits at once with status 130). */
function untilSignal(onFirst: (signal: string) => void): { readonly signalled: Promise<void>; stop(): void } {
  let resolve: () => void = () => {};
  const signalled = new Promise<void>((r) => {
    resolve = r;
  });
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count > 1) process.exit(130);
    onFirst(signal);
    resolve();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signalled,
    stop: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** `hrm serve`: the HTTP API and MCP at /mcp, until SIGINT or SIGTERM. */
export async function serveCommand(args: CommandArgs): Promise<number> {
  const port = args.number('port', { integer: true, min: 0, max: 65535 });
  const host = args.string('host');
  const apiKey = args.string('api-key') ?? (process.env.HRM_API_KEY || undefined);
  const limits = limitsOf(args);
  const batching = batchingOf(args);
  const registry = loadModels(modelSource(args));
  const server = await startServer({
    registry,
    limits,
    batching,
    ...(port !== undefined ? { port } : {}),
    ...(host !== undefined ? { host } : {}),
    ...(apiKey ? { apiKey } : {}),
  });
  const { limits: l, batching: b } = server.service;
  console.log(`hrm serve: models ${describeModels(registry)}`);
  console.log(
    `hrm serve: batches of up to ${b.maxBatch} puzzles gathered for ${b.windowMs} ms; at most ${l.maxSegments} segments, ${l.timeoutMs / 1000} s and ${l.maxQueue} queued puzzles per model; ${apiKey ? 'API key required' : 'no API key'}`,
  );
  if (!apiKey && !/^(127\.|localhost$|::1$)/.test(server.host))
    console.log(`hrm serve: warning: listening on ${server.host} without an API key: anyone who reaches it may use it`);
  console.log(
    `hrm serve: listening on ${server.url} (POST /v1/solve, /v1/solve/batch; GET /v1/models, /healthz, /openapi.json; MCP at /mcp)`,
  );
  const signals = untilSignal((signal) =>
    console.log(`hrm serve: ${signal}: no new requests; finishing those in flight (a second signal quits at once)`),
  );
  await signals.signalled;
  await server.close();
  signals.stop();
  console.log('hrm serve: stopped');
  return 0;
}

/** `hrm mcp`: the MCP tools on stdin/stdout (messages only on stdout; notes on stderr), until its input ends or a signal. */
export async function mcpCommand(args: CommandArgs): Promise<number> {
  const limits = limitsOf(args);
  const batching = batchingOf(args);
  const registry = loadModels(modelSource(args));
  const service = new SolveService(registry, { limits, batching, worker: true });
  await service.start();
  const mcp = await serveStdio(service);
  console.error(`hrm mcp: serving ${describeModels(registry)} on stdio`);
  const signals = untilSignal(() => {});
  await Promise.race([mcp.closed, signals.signalled]);
  signals.stop();
  await service.close();
  await mcp.close();
  return 0;
}
