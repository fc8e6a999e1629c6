/**
 * The HTTP API as a client meets it: real servers on ephemeral local ports, called with `fetch`.
 * Answers are compared with the library run directly (the same model, `predictSegments`, the task's
 * checker), every error case has its status and body, memory stays flat, and shutdown is graceful.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { currentBackend, scope } from '@hrm/core';
import { haltingSegment, predictSegments } from '@hrm/hrm';
import { type ModelFile, readModelFile } from '@hrm/hrm/node';
import { toBatch } from '@hrm/hrm/tasks';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorBody,
  Health,
  ModelList,
  SolveBatchResult,
  type SolveResult,
  SolveResult as SolveResultCodec,
} from './codecs.js';
import { loadModels, type ModelRegistry } from './models.js';
import { type RunningServer, type ServerOptions, startServer } from './server.js';

const CHECKPOINTS = fileURLToPath(new URL('../../hrm/checkpoints/', import.meta.url));

let registry: ModelRegistry;
let main: RunningServer;
const extra: RunningServer[] = [];

/** A server for one test; its models run on the test's thread (the main server has the worker). */
async function start(opts: ServerOptions): Promise<RunningServer> {
  const s = await startServer({ registry, port: 0, worker: false, ...opts });
  extra.push(s);
  return s;
}

beforeAll(async () => {
  registry = loadModels();
  main = await startServer({ registry, port: 0 });
});
afterAll(async () => {
  await Promise.all([main, ...extra].map((s) => s.close()));
});

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

const files = new Map<string, ModelFile>();
/** The committed checkpoint of a task, read by the library itself (not through the server). */
function checkpoint(task: string): ModelFile {
  let f = files.get(task);
  if (!f) {
    f = readModelFile(`${CHECKPOINTS}${task}.safetensors`);
    files.set(task, f);
  }
  return f;
}

/** What the library says about a puzzle: the answer where ACT halts, drawn, and the checker's verdict on it. */
function library(file: ModelFile, puzzle: string, segments = file.model.haltMaxSteps, haltMargin = 0) {
  const parsed = file.preset.parse(puzzle);
  if ('error' in parsed) throw new Error(parsed.error);
  const { trace, halt } = scope(() => {
    const batch = toBatch([parsed.example], { seqLen: file.model.seqLen });
    if (E.isLeft(batch)) throw batch.left;
    const t = predictSegments(file.reasoner, file.params, file.buffers, batch.right, segments);
    return { trace: t, halt: haltingSegment(t, file.model, haltMargin)[0] ?? segments };
  });
  const answer = Array.from(trace[halt - 1]?.tokens[0] ?? []);
  const check = file.preset.check;
  if (!check) throw new Error('no checker');
  return { answer: file.preset.format(answer), haltSegment: halt, segments, ...check(parsed.example, answer) };
}

function puzzlesOf(task: string, n: number): string[] {
  const m = registry.forTask(task);
  if (!m) throw new Error(task);
  return m.file.preset.evalExamples(n).map((e) => m.file.preset.format(e.inputs));
}

describe('answers', () => {
  it.each(['sudoku4', 'sudoku6', 'maze9'])(
    '%s: the answer and the verdict are those of the library and its exact checker',
    async (task) => {
      const file = checkpoint(task);
      for (const puzzle of puzzlesOf(task, 3)) {
        const res = await post(`${main.url}/v1/solve`, { task, puzzle });
        expect(res.status).toBe(200);
        const body = (await res.json()) as SolveResult;
        expect(E.isRight(SolveResultCodec.decode(body))).toBe(true);
        const want = library(file, puzzle);
        expect(body).toMatchObject({ task, model: task, puzzle, ...want });
        expect(body.correct).toBe(want.correct);
      }
    },
  );

  it('a wrong answer is reported as the checker sees it, with the reason', async () => {
    const res = await post(`${main.url}/v1/solve`, { model: 'sudoku4', puzzle: '12..34..........' });
    const body = (await res.json()) as SolveResult;
    const want = library(checkpoint('sudoku4'), '12..34..........');
    expect(body).toMatchObject(want);
    expect(body.valid).toBe(false);
    expect(body.reason).toMatch(/twice/);
  });

  it('trace: the answer after every segment; the answer is the one at haltSegment', async () => {
    const [puzzle = ''] = puzzlesOf('sudoku6', 1);
    const body = (await json(
      await post(`${main.url}/v1/solve`, { task: 'sudoku6', puzzle, segments: 5, trace: true }),
    )) as unknown as SolveResult;
    expect(body.segments).toBe(5);
    expect(body.perSegment).toHaveLength(5);
    expect(body.perSegment?.[body.haltSegment - 1]?.answer).toBe(body.answer);
    expect(body.perSegment?.map((s) => s.segment)).toEqual([1, 2, 3, 4, 5]);
  });

  it('haltMargin: the answer where the Q head says halt by that margin, as the library reads it', async () => {
    const file = checkpoint('sudoku6');
    for (const puzzle of puzzlesOf('sudoku6', 4))
      for (const haltMargin of [-3, 0, 2.5, 40]) {
        const body = (await json(
          await post(`${main.url}/v1/solve`, { task: 'sudoku6', puzzle, segments: 6, haltMargin }),
        )) as unknown as SolveResult;
        expect(body).toMatchObject(library(file, puzzle, 6, haltMargin));
      }
    // A margin past every Q value reads the last segment.
    const [puzzle = ''] = puzzlesOf('sudoku6', 1);
    const late = (await json(
      await post(`${main.url}/v1/solve`, { task: 'sudoku6', puzzle, segments: 3, haltMargin: 100 }),
    )) as unknown as SolveResult;
    expect(late.haltSegment).toBe(3);
    for (const bad of [101, '2', null]) {
      const res = await post(`${main.url}/v1/solve`, { task: 'sudoku6', puzzle, haltMargin: bad });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('haltMargin');
    }
  });

  it('batch: one result per puzzle, in order, equal to single solves', async () => {
    const puzzles = puzzlesOf('sudoku4', 6);
    const res = await post(`${main.url}/v1/solve/batch`, { task: 'sudoku4', puzzles });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(E.isRight(SolveBatchResult.decode(body))).toBe(true);
    const results = body.results as SolveResult[];
    expect(results.map((r) => r.puzzle)).toEqual(puzzles);
    const file = checkpoint('sudoku4');
    results.forEach((r, i) => {
      expect(r).toMatchObject(library(file, puzzles[i] ?? ''));
    });
  });

  it('models, health and the OpenAPI document', async () => {
    const models = await json(await fetch(`${main.url}/v1/models`));
    expect(E.isRight(ModelList.decode(models))).toBe(true);
    // One model per committed checkpoint, named by its file.
    const committed = readdirSync(CHECKPOINTS)
      .filter((f) => f.endsWith('.safetensors'))
      .map((f) => f.replace(/\.safetensors$/, ''))
      .sort();
    expect(committed).toEqual(expect.arrayContaining(['maze9', 'maze9-mix', 'sudoku4', 'sudoku6', 'sudoku9']));
    expect((models.models as { id: string; task: string }[]).map((m) => m.id).sort()).toEqual(committed);
    const health = await json(await fetch(`${main.url}/healthz`));
    expect(E.isRight(Health.decode(health))).toBe(true);
    expect(health).toMatchObject({ status: 'ok', models: committed.length });
    const doc = await json(await fetch(`${main.url}/openapi.json`));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths as object)).toEqual(
      expect.arrayContaining(['/v1/solve', '/v1/solve/batch', '/v1/models', '/healthz']),
    );
  });

  it('concurrent callers are batched together', async () => {
    const s = await start({ batching: { windowMs: 50, maxBatch: 64 } });
    const puzzles = puzzlesOf('sudoku4', 16);
    const before = s.service.scheduler.stats();
    const all = await Promise.all(puzzles.map((puzzle) => post(`${s.url}/v1/solve`, { task: 'sudoku4', puzzle })));
    expect(all.map((r) => r.status)).toEqual(puzzles.map(() => 200));
    const after = s.service.scheduler.stats();
    expect(after.puzzles - before.puzzles).toBe(16);
    expect(after.batches - before.batches).toBeLessThan(16);
    expect(after.largest).toBeGreaterThan(1);
  });
});

/** Expects an error response: its status, code and (for a field error) the field. */
async function expectError(
  res: Response,
  status: number,
  error: string,
  field?: string,
): Promise<Record<string, unknown>> {
  const body = await json(res);
  expect({ status: res.status, error: body.error }).toEqual({ status, error });
  expect(E.isRight(ErrorBody.decode(body))).toBe(true);
  if (field !== undefined) expect(body.field).toBe(field);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  return body;
}

describe('bad requests', () => {
  const puzzle = '.......1.34..4..';

  it.each([
    ['a misspelt field', { task: 'sudoku4', puzzle, segmnets: 3 }, 'segmnets', /unknown field/],
    ['segments over the cap', { task: 'sudoku4', puzzle, segments: 33 }, 'segments', /integer from 1 to 32, got 33/],
    ['a fractional segment count', { task: 'sudoku4', puzzle, segments: 1.5 }, 'segments', /integer/],
    ['a trace that is not a boolean', { task: 'sudoku4', puzzle, trace: 'yes' }, 'trace', /true or false/],
    ['no puzzle', { task: 'sudoku4' }, 'puzzle', /is required/],
    ['an empty puzzle', { task: 'sudoku4', puzzle: '' }, 'puzzle', /string of 1 to/],
    ['a puzzle over 4096 characters', { task: 'sudoku4', puzzle: 'x'.repeat(5000) }, 'puzzle', /string of 1 to 4096/],
    ['a task that is not a string', { task: 7, puzzle }, 'task', /string/],
    ['neither task nor model', { puzzle }, 'task', /give `task` or `model`/],
    ['a model of another task', { task: 'sudoku6', model: 'sudoku4', puzzle }, 'task', /solves sudoku4/],
    ['an array', [1, 2], '', /JSON object/],
    ['null', null, '', /JSON object/],
  ])('400 for %s, naming the field', async (_, body, field, reason) => {
    const res = await post(`${main.url}/v1/solve`, body);
    const b = await expectError(res, 400, 'invalid_request', field);
    expect(b.reason).toMatch(reason);
  });

  it('400 for a body that is not JSON, and for a batch with too many or no puzzles', async () => {
    await expectError(await post(`${main.url}/v1/solve`, '{"task": "sudoku4", '), 400, 'invalid_request');
    await expectError(
      await post(`${main.url}/v1/solve/batch`, { task: 'sudoku4', puzzles: Array(257).fill(puzzle) }),
      400,
      'invalid_request',
      'puzzles',
    );
    await expectError(
      await post(`${main.url}/v1/solve/batch`, { task: 'sudoku4', puzzles: [] }),
      400,
      'invalid_request',
    );
    await expectError(
      await post(`${main.url}/v1/solve/batch`, { task: 'sudoku4', puzzles: [puzzle, 3] }),
      400,
      'invalid_request',
      'puzzles[1]',
    );
  });

  it('404 for an unknown task, model or route', async () => {
    await expectError(await post(`${main.url}/v1/solve`, { task: 'chess', puzzle }), 404, 'not_found', 'task');
    await expectError(await post(`${main.url}/v1/solve`, { model: 'nope', puzzle }), 404, 'not_found', 'model');
    await expectError(await fetch(`${main.url}/v2/solve`), 404, 'not_found');
  });

  it('413 for a body over the limit, declared or streamed', async () => {
    const big = JSON.stringify({ task: 'sudoku4', puzzle: 'x'.repeat(1_100_000) });
    await expectError(await post(`${main.url}/v1/solve`, big), 413, 'payload_too_large');
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < 20) c.enqueue(chunk);
        else c.close();
      },
    });
    const res = await fetch(`${main.url}/v1/solve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await expectError(res, 413, 'payload_too_large');
  });

  it('415 for a body that is not sent as JSON', async () => {
    const res = await fetch(`${main.url}/v1/solve`, {
      method: 'POST',
      body: JSON.stringify({ task: 'sudoku4', puzzle }),
    });
    await expectError(res, 415, 'unsupported_media_type');
  });

  it.each([
    ['sudoku4', '11..............', /no solution/],
    ['sudoku4', '1234', /expected 16/],
    ['sudoku4', '12a4............', /./],
    ['maze9', '#########\n#S     G#', /expected 9 rows/],
    ['maze9', `${'#'.repeat(9)}\n${'#   S   #\n'.repeat(7)}${'#'.repeat(9)}`, /./],
  ])('422 for %s puzzle %j, before the model runs', async (task, p, reason) => {
    const before = main.service.scheduler.stats().puzzles;
    const b = await expectError(
      await post(`${main.url}/v1/solve`, { task, puzzle: p }),
      422,
      'unsolvable_puzzle',
      'puzzle',
    );
    expect(b.reason).toMatch(reason);
    expect(main.service.scheduler.stats().puzzles).toBe(before);
  });

  it('422 for a batch names the puzzle', async () => {
    const b = await expectError(
      await post(`${main.url}/v1/solve/batch`, { task: 'sudoku4', puzzles: [puzzle, puzzle, '11..............'] }),
      422,
      'unsolvable_puzzle',
      'puzzles[2]',
    );
    expect(b.message).toMatch(/^puzzles\[2\]: not a sudoku4 puzzle/);
  });

  it('403 for a request from a web page of another origin', async () => {
    await expectError(
      await post(`${main.url}/v1/solve`, { task: 'sudoku4', puzzle }, { origin: 'http://evil.example' }),
      403,
      'forbidden',
    );
    expect(
      (await post(`${main.url}/v1/solve`, { task: 'sudoku4', puzzle }, { origin: 'http://localhost:3000' })).status,
    ).toBe(200);
  });
});

describe('limits', () => {
  it('401 without the API key or with a wrong one; the key as Bearer or X-API-Key; health needs none', async () => {
    const s = await start({ apiKey: 'correct horse' });
    const body = { task: 'sudoku4', puzzle: '.......1.34..4..' };
    const none = await post(`${s.url}/v1/solve`, body);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    await expectError(none, 401, 'unauthorized');
    await expectError(
      await post(`${s.url}/v1/solve`, body, { authorization: 'Bearer correct hors' }),
      401,
      'unauthorized',
    );
    await expectError(await post(`${s.url}/v1/solve`, body, { 'x-api-key': 'correct horse!' }), 401, 'unauthorized');
    await expectError(await fetch(`${s.url}/v1/models`), 401, 'unauthorized');
    await expectError(await post(`${s.url}/mcp`, {}), 401, 'unauthorized');
    expect((await post(`${s.url}/v1/solve`, body, { authorization: 'Bearer correct horse' })).status).toBe(200);
    expect((await post(`${s.url}/v1/solve`, body, { 'x-api-key': 'correct horse' })).status).toBe(200);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it('503 with Retry-After when a model’s queue is full; 504 when a request outlives its time limit', async () => {
    const s = await start({ limits: { maxQueue: 2, timeoutMs: 150 }, batching: { windowMs: 2000, maxBatch: 64 } });
    const puzzles = puzzlesOf('sudoku4', 3);
    const waiting = post(`${s.url}/v1/solve/batch`, { task: 'sudoku4', puzzles: puzzles.slice(0, 2) });
    await new Promise((r) => setTimeout(r, 50));
    const full = await post(`${s.url}/v1/solve`, { task: 'sudoku4', puzzle: puzzles[2] });
    expect(full.headers.get('retry-after')).toBe('1');
    await expectError(full, 503, 'overloaded');
    // Another model's queue is not full.
    expect((await post(`${s.url}/v1/solve`, { task: 'sudoku6', puzzle: puzzlesOf('sudoku6', 1)[0] })).status).toBe(504);
    await expectError(await waiting, 504, 'timeout');
    expect(s.service.scheduler.queued()).toBe(0);
    expect(s.service.scheduler.stats().puzzles).toBe(0);
  });

  it('a failing model is a 500 for its requests only; the process stays up', async () => {
    const s = await start({
      runner: () => {
        throw new Error('a bug');
      },
      log: () => {},
    });
    await expectError(
      await post(`${s.url}/v1/solve`, { task: 'sudoku4', puzzle: '.......1.34..4..' }),
      500,
      'internal',
    );
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it('memory stays flat: every tensor a request makes is freed', async () => {
    // On this thread, where the backend's buffers can be counted (the worker runs the same runPuzzles).
    const s = await start({});
    const backend = currentBackend();
    const live = () => backend.memory?.().liveBuffers ?? 0;
    const puzzles = puzzlesOf('sudoku6', 4);
    const round = async () => {
      await Promise.all([
        post(`${s.url}/v1/solve/batch`, { task: 'sudoku6', puzzles, trace: true }),
        post(`${s.url}/v1/solve`, { task: 'maze9', puzzle: puzzlesOf('maze9', 1)[0] }),
        post(`${s.url}/v1/solve`, { task: 'sudoku4', puzzle: '11..............' }),
        post(`${s.url}/v1/solve`, { task: 'sudoku4', puzzle: '.......1.34..4..', segments: 12 }),
      ]);
    };
    await round();
    const before = live();
    for (let i = 0; i < 2; i++) await round();
    expect(live()).toBe(before);
  });

  it('the event loop stays free while a batch runs on the model worker: health answers at once', async () => {
    const puzzles = puzzlesOf('sudoku6', 64);
    let solvedAt = 0;
    const big = post(`${main.url}/v1/solve/batch`, { task: 'sudoku6', puzzles, segments: 16 }).then((r) => {
      solvedAt = performance.now();
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    const health = await fetch(`${main.url}/healthz`);
    const healthAt = performance.now();
    expect(health.status).toBe(200);
    expect((await big).status).toBe(200);
    expect(healthAt).toBeLessThan(solvedAt);
  });

  it('shuts down gracefully: requests in flight finish, new connections are refused', async () => {
    const s = await startServer({ registry, port: 0, worker: false, batching: { windowMs: 300, maxBatch: 64 } });
    const puzzles = puzzlesOf('sudoku4', 3);
    const inFlight = puzzles.map((puzzle) => post(`${s.url}/v1/solve`, { task: 'sudoku4', puzzle }));
    await new Promise((r) => setTimeout(r, 100));
    const closed = s.close();
    const statuses = await Promise.all(inFlight.map(async (r) => (await r).status));
    expect(statuses).toEqual([200, 200, 200]);
    await closed;
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });
});
