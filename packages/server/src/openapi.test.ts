/**
 * The OpenAPI document against the codecs: every example of every route decodes with that route's
 * io-ts codecs and validates against the JSON Schema the document publishes (Ajv, draft 2020-12), the
 * codecs and the schemas agree on bad requests, and the examples are what a real server answers.
 */
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, Health, ModelList, requestCodecs, SolveBatchResult, SolveResult } from './codecs.js';
import { loadModels } from './models.js';
import { EXAMPLES, openApiDocument } from './openapi.js';
import { type RunningServer, startServer } from './server.js';
import { SolveService } from './service.js';

const SUDOKU4 = fileURLToPath(new URL('../../hrm/checkpoints/sudoku4.safetensors', import.meta.url));
const { SolveRequest, SolveBatchRequest } = requestCodecs();

/** Each route's codecs: its request, and its response by status (errors all share ErrorBody). */
const CODECS: Record<string, { request?: t.Mixed; ok: t.Mixed; okName: string; requestName?: string }> = {
  'POST /v1/solve': { request: SolveRequest, requestName: 'SolveRequest', ok: SolveResult, okName: 'SolveResult' },
  'POST /v1/solve/batch': {
    request: SolveBatchRequest,
    requestName: 'SolveBatchRequest',
    ok: SolveBatchResult,
    okName: 'SolveBatchResult',
  },
  'GET /v1/models': { ok: ModelList, okName: 'ModelList' },
  'GET /healthz': { ok: Health, okName: 'Health' },
};

let server: RunningServer;
let service: SolveService;
let doc: Record<string, unknown>;
let ajv: InstanceType<typeof Ajv2020>;

beforeAll(async () => {
  const registry = loadModels({ checkpoints: [SUDOKU4] });
  service = new SolveService(registry);
  server = await startServer({ registry, port: 0, worker: false });
  doc = openApiDocument(service) as Record<string, unknown>;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  const schemas = (doc.components as { schemas: Record<string, object> }).schemas;
  for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`);
});
afterAll(() => server.close());

function validAgainst(schemaName: string, value: unknown): boolean {
  const validate = ajv.getSchema(`#/components/schemas/${schemaName}`);
  if (!validate) throw new Error(`no schema ${schemaName}`);
  return validate(value) as boolean;
}

describe('every route’s examples', () => {
  it('cover every route with codecs', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(CODECS).sort());
  });

  for (const [route, examples] of Object.entries(EXAMPLES)) {
    const codecs = CODECS[route];
    it(`${route}: requests and responses decode with the route’s codecs and validate against its schemas`, () => {
      if (!codecs) throw new Error(route);
      for (const [name, ex] of Object.entries(examples.request ?? {})) {
        const value = (ex as { value: unknown }).value;
        expect(E.isRight(codecs.request?.decode(value) ?? E.left([])), `${route} request ${name}`).toBe(true);
        expect(validAgainst(codecs.requestName ?? '', value), `${route} request ${name} (schema)`).toBe(true);
      }
      for (const [status, byName] of Object.entries(examples.responses)) {
        const ok = Number(status) < 400 || route === 'GET /healthz';
        const [codec, schema] = ok ? [codecs.ok, codecs.okName] : [ErrorBody, 'Error'];
        for (const [name, ex] of Object.entries(byName)) {
          const value = (ex as { value: unknown }).value;
          expect(E.isRight(codec.decode(value)), `${route} ${status} ${name}`).toBe(true);
          expect(validAgainst(schema, value), `${route} ${status} ${name} (schema)`).toBe(true);
        }
      }
    });
  }

  it('are what a real server answers', async () => {
    const requests = EXAMPLES['POST /v1/solve']?.request ?? {};
    const responses = EXAMPLES['POST /v1/solve']?.responses[200] ?? {};
    for (const name of ['solve', 'wrong']) {
      const res = await fetch(`${server.url}/v1/solve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify((requests[name] as { value: unknown }).value),
      });
      const expected = (responses[name === 'solve' ? 'solved' : 'wrong'] as { value: unknown }).value;
      expect(await res.json()).toEqual(expected);
    }
    const batch = EXAMPLES['POST /v1/solve/batch'];
    const res = await fetch(`${server.url}/v1/solve/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify((batch?.request?.batch as { value: unknown } | undefined)?.value),
    });
    expect(await res.json()).toEqual((batch?.responses[200]?.batch as { value: unknown } | undefined)?.value);
  });
});

describe('the codecs and the published schemas agree', () => {
  const p = '.......1.34..4..';
  it.each([
    { task: 'sudoku4', puzzle: p },
    { model: 'sudoku4', puzzle: p, segments: 32, trace: false },
    { task: 'sudoku4', puzzle: p, segments: 33 },
    { task: 'sudoku4', puzzle: p, segments: 0 },
    { task: 'sudoku4', puzzle: p, segments: 2.5 },
    { task: 'sudoku4', puzzle: '' },
    { task: 'sudoku4', puzzle: 'x'.repeat(4097) },
    { task: 'sudoku4', puzzle: p, extra: 1 },
    { task: 'sudoku4', puzzle: p, trace: 'no' },
    { task: 'sudoku4' },
    { task: null, puzzle: p },
    [],
    'puzzle',
  ])('SolveRequest %j', (value) => {
    expect(validAgainst('SolveRequest', value)).toBe(E.isRight(SolveRequest.decode(value)));
  });

  it.each([
    { task: 'sudoku4', puzzles: [p] },
    { task: 'sudoku4', puzzles: [] },
    { task: 'sudoku4', puzzles: Array(256).fill(p) },
    { task: 'sudoku4', puzzles: Array(257).fill(p) },
    { task: 'sudoku4', puzzles: [p, 1] },
    { task: 'sudoku4', puzzle: p },
  ])('SolveBatchRequest %#', (value) => {
    expect(validAgainst('SolveBatchRequest', value)).toBe(E.isRight(SolveBatchRequest.decode(value)));
  });

  it('the served document is the one made for the server’s limits and tasks', async () => {
    const served = (await (await fetch(`${server.url}/openapi.json`)).json()) as Record<string, unknown>;
    expect(served).toEqual(JSON.parse(JSON.stringify(doc)));
    const schemas = (served.components as { schemas: Record<string, { properties: Record<string, object> }> }).schemas;
    expect(schemas.SolveRequest?.properties.segments).toMatchObject({ type: 'integer', minimum: 1, maximum: 32 });
    expect(JSON.stringify(served.paths)).not.toMatch(
      /"\$ref":"#\/components\/schemas\/(?!SolveRequest|SolveBatchRequest|SolveResult|SolveBatchResult|ModelList|Health|Error")/,
    );
  });
});
