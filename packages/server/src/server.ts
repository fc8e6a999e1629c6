/**
 * A running server: the Hono app on Node's HTTP server (@hono/node-server), bound to 127.0.0.1 unless
 * told otherwise, and its graceful shutdown: stop accepting, let the requests in flight finish (new
 * requests on open connections get 503), close idle connections, then resolve.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createApp } from './http.js';
import { loadModels, type ModelRegistry, type ModelSource } from './models.js';
import { type ServiceOptions, SolveService } from './service.js';

/** Options of `startServer`: where the models come from, where to listen, and the limits. */
export interface ServerOptions extends ModelSource, ServiceOptions {
  /** Models already loaded (`loadModels`): `checkpoints` and `checkpointDir` are then not read. */
  readonly registry?: ModelRegistry;
  /** The address to bind (default 127.0.0.1: this machine only). */
  readonly host?: string;
  /** The port (default 8080; 0 picks a free one: read it from `port` or `url`). */
  readonly port?: number;
  /** Requests to /v1 and /mcp must carry this key (default: the HRM_API_KEY environment variable, if set). */
  readonly apiKey?: string;
  /** Mount the MCP server at /mcp (default true). */
  readonly mcp?: boolean;
  /** How long `close` waits for requests in flight before it drops their connections (default 10 s). */
  readonly shutdownGraceMs?: number;
  /** Where unexpected errors are reported (default: console.error). */
  readonly log?: (line: string) => void;
  /** Run the models on a worker thread (default true): a batch never blocks the event loop. */
  readonly worker?: boolean;
}

/** A listening server. */
export interface RunningServer {
  /** `http://127.0.0.1:<port>`: the base of every route. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The models, limits and queues behind the routes. */
  readonly service: SolveService;
  /** Stops accepting, finishes the requests in flight, and resolves once every connection is closed. */
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * Loads the models (by default the checkpoints committed with @hrm/hrm) and starts the HTTP API, its
 * OpenAPI document, health and the MCP endpoint on `host:port`.
 */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const registry = opts.registry ?? loadModels(opts);
  const service = new SolveService(registry, { ...opts, worker: opts.worker ?? true });
  await service.start();
  const host = opts.host ?? '127.0.0.1';
  const apiKey = opts.apiKey ?? (process.env.HRM_API_KEY || undefined);
  let stopping = false;
  const app = createApp(service, {
    ...(apiKey ? { apiKey } : {}),
    mcp: opts.mcp ?? true,
    loopbackOnly: isLoopback(host),
    stopping: () => stopping,
    ...(opts.log ? { log: opts.log } : {}),
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  // A client that sends its request slowly is cut off: bodies are small, and the queue has its own limit.
  server.requestTimeout = Math.max(service.limits.timeoutMs, 1000);
  server.headersTimeout = Math.min(server.headersTimeout, server.requestTimeout);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      stopping = true;
      const sweep = setInterval(() => server.closeIdleConnections(), 25);
      const force = setTimeout(() => server.closeAllConnections(), opts.shutdownGraceMs ?? 10_000);
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(force);
        void service.close().then(resolve);
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url, host, port, service, close };
}
