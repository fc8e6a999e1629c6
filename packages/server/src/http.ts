/**
 * The HTTP API, on Hono: routes take a web-standard `Request` and return a `Response`, so the same app
 * runs under @hono/node-server here and answers `fetch` in tests. Every failure is a JSON `ErrorBody`
 * with its status: 400 (a field and the reason), 401, 403, 404, 413, 415, 422, 503 (+ Retry-After),
 * 504, and 500 for a bug (logged; the process stays up).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type * as t from 'io-ts';
import { ApiError } from './errors.js';
import { handleMcpHttp } from './mcp.js';
import { openApiDocument } from './openapi.js';
import { problems } from './schema.js';
import type { SolveService } from './service.js';

/** Options of the HTTP app. */
export interface AppOptions {
  /** Requests to /v1 and /mcp must carry this key (`Authorization: Bearer <key>` or `X-API-Key`). */
  readonly apiKey?: string;
  /** Mount the MCP server (streamable HTTP) at /mcp (default true). */
  readonly mcp?: boolean;
  /** Refuse requests from a web page of another origin (`Origin` not loopback): set when bound to loopback. */
  readonly loopbackOnly?: boolean;
  /** Whether the server is shutting down (health says so, and new requests get 503). */
  readonly stopping?: () => boolean;
  /** Where unexpected errors are reported (default: console.error). */
  readonly log?: (line: string) => void;
}

/** The SHA-256 of a key: comparing digests of equal length in constant time leaks neither the key nor its length. */
function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function presentedKey(c: Context): string | undefined {
  const auth = c.req.header('authorization');
  const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1];
  return bearer || c.req.header('x-api-key');
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function errorResponse(c: Context, e: ApiError): Response {
  const headers: Record<string, string> = {};
  if (e.detail.retryAfterSeconds !== undefined) headers['Retry-After'] = String(e.detail.retryAfterSeconds);
  if (e.code === 'unauthorized') headers['WWW-Authenticate'] = 'Bearer';
  // The rest of a body too large was never read: the connection cannot carry another request.
  if (e.code === 'payload_too_large') headers.Connection = 'close';
  return c.json(e.body(), e.status as ContentfulStatusCode, headers);
}

/** The body of a POST, decoded by `codec`; 415 when not JSON, 400 naming the field and reason when not valid. */
async function decodeBody<A>(c: Context, codec: t.Type<A, unknown, unknown>): Promise<A> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new ApiError('unsupported_media_type', 'send the request as JSON (Content-Type: application/json)');
  let json: unknown;
  try {
    json = JSON.parse(await c.req.text());
  } catch (e) {
    throw new ApiError('invalid_request', `the body is not JSON: ${(e as Error).message}`, {
      field: '',
      reason: 'not JSON',
    });
  }
  const decoded = codec.decode(json);
  if (E.isRight(decoded)) return decoded.right;
  const found = problems(decoded.left);
  const [first] = found;
  throw new ApiError(
    'invalid_request',
    found.map((p) => (p.field ? `${p.field}: ${p.reason}` : p.reason)).join('; '),
    first ? { field: first.field, reason: first.reason } : {},
  );
}

/** An HTTP app: a web-standard `Request` in, a `Response` out (a Hono app; `fetch` is all it promises). */
export interface HttpApp {
  /** Answers a request. */
  fetch(request: Request): Response | Promise<Response>;
}

/**
 * The Hono app of a server: the API, its OpenAPI document, health, and (unless off) MCP at /mcp. Serve
 * it with any server that speaks web-standard fetch handlers, or call `app.fetch(new Request(...))`.
 */
export function createApp(service: SolveService, opts: AppOptions = {}): HttpApp {
  const app = new Hono();
  const expected = opts.apiKey ? digest(opts.apiKey) : undefined;
  const log = opts.log ?? ((line: string) => console.error(line));

  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    log(`hrm serve: unexpected error on ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
    return errorResponse(c, new ApiError('internal', 'an unexpected error; the server logged it'));
  });
  app.notFound((c) => errorResponse(c, new ApiError('not_found', `no route ${c.req.method} ${c.req.path}`)));

  app.use('*', async (c, next) => {
    if (opts.loopbackOnly) {
      const origin = c.req.header('origin');
      let host: string | undefined;
      try {
        host = origin && origin !== 'null' ? new URL(origin).hostname : undefined;
      } catch {
        host = 'invalid';
      }
      if (origin !== undefined && (host === undefined || !isLoopbackHost(host)))
        return errorResponse(
          c,
          new ApiError('forbidden', `requests from web pages of ${origin} are refused (the server is local)`),
        );
    }
    if (opts.stopping?.() && c.req.path !== '/healthz') {
      c.header('Connection', 'close');
      return errorResponse(c, new ApiError('overloaded', 'the server is shutting down', { retryAfterSeconds: 1 }));
    }
    await next();
  });

  app.get('/healthz', (c) => {
    const stopping = opts.stopping?.() ?? false;
    return c.json(service.health(stopping), stopping ? 503 : 200);
  });
  app.get('/openapi.json', (c) => c.json(openApiDocument(service)));

  const guarded = ['/v1/*', '/mcp'];
  if (expected)
    for (const path of guarded)
      app.use(path, async (c, next) => {
        const key = presentedKey(c);
        if (key === undefined || !timingSafeEqual(digest(key), expected))
          throw new ApiError(
            'unauthorized',
            key === undefined
              ? 'this server needs an API key (Authorization: Bearer <key>, or X-API-Key)'
              : 'wrong API key',
          );
        await next();
      });
  const limit = bodyLimit({
    maxSize: service.limits.bodyBytes,
    onError: (c) =>
      errorResponse(c, new ApiError('payload_too_large', `the request body is over ${service.limits.bodyBytes} bytes`)),
  });
  for (const path of guarded) app.use(path, limit);

  app.get('/v1/models', (c) => c.json({ models: service.models() }));

  app.post('/v1/solve', async (c) => {
    const req = await decodeBody(c, service.codecs.SolveRequest);
    const [result] = await service.solve(
      {
        task: req.task,
        model: req.model,
        puzzles: [req.puzzle],
        segments: req.segments,
        trace: req.trace,
        haltMargin: req.haltMargin,
      },
      { signal: c.req.raw.signal, single: true },
    );
    return c.json(result);
  });

  app.post('/v1/solve/batch', async (c) => {
    const req = await decodeBody(c, service.codecs.SolveBatchRequest);
    const results = await service.solve(
      {
        task: req.task,
        model: req.model,
        puzzles: req.puzzles,
        segments: req.segments,
        trace: req.trace,
        haltMargin: req.haltMargin,
      },
      { signal: c.req.raw.signal },
    );
    return c.json({ results });
  });

  if (opts.mcp !== false) app.all('/mcp', (c) => handleMcpHttp(service, c.req.raw));
  return app;
}
