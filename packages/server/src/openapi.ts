/**
 * The OpenAPI 3.1 document of the HTTP API (served at /openapi.json), made from the request and
 * response codecs' JSON Schemas (schema.ts) for the server's limits, with an example of every request
 * and response; a test decodes every example with its route's codecs.
 */
import { ErrorBody, Health, ModelList, SolveBatchResult, SolveResult } from './codecs.js';
import type { JsonSchema } from './schema.js';
import type { SolveService } from './service.js';

const SUDOKU_RESULT = {
  task: 'sudoku4',
  model: 'sudoku4',
  puzzle: '.......1.34..4..',
  answer: '3 1 | 2 4\n4 2 | 3 1\n----+----\n1 3 | 4 2\n2 4 | 1 3',
  valid: true,
  ambiguous: false,
  correct: true,
  segments: 4,
  haltSegment: 2,
};

const WRONG_RESULT = {
  task: 'sudoku4',
  model: 'sudoku4',
  puzzle: '12..34..........',
  answer: '1 2 | 3 3\n3 4 | 2 1\n----+----\n2 1 | 3 2\n2 3 | 4 2',
  valid: false,
  ambiguous: true,
  reason: 'digit 3 appears twice in row 1',
  segments: 4,
  haltSegment: 4,
};

/** A route's examples: requests (for POST) and responses by status, each decoded by the route's codecs in a test. */
export interface RouteExamples {
  readonly request?: Readonly<Record<string, unknown>>;
  readonly responses: Readonly<Record<number, Readonly<Record<string, unknown>>>>;
}

/** The examples of each route, by `METHOD /path`. */
export const EXAMPLES: Readonly<Record<string, RouteExamples>> = {
  'POST /v1/solve': {
    request: {
      solve: { summary: 'A 4x4 Sudoku by task', value: { task: 'sudoku4', puzzle: '.......1.34..4..' } },
      wrong: {
        summary: 'A puzzle the model gets wrong: `valid` is the checker’s verdict',
        value: { model: 'sudoku4', puzzle: '12..34..........' },
      },
      maze: {
        summary: 'A 9x9 maze, its rows joined by newlines',
        value: {
          task: 'maze9',
          puzzle: '#########\n#    G  #\n##### ###\n#   #   #\n# # ### #\n# #   # #\n##### # #\n#   S   #\n#########',
        },
      },
    },
    responses: {
      200: {
        solved: { summary: 'Solved, checked', value: SUDOKU_RESULT },
        wrong: { summary: 'Not valid: the checker says why', value: WRONG_RESULT },
      },
      400: {
        segments: {
          summary: 'A field out of range',
          value: {
            error: 'invalid_request',
            message: 'segments: expected an integer from 1 to 32, got 100',
            field: 'segments',
            reason: 'expected an integer from 1 to 32, got 100',
          },
        },
      },
      404: {
        task: {
          summary: 'No model for the task',
          value: {
            error: 'not_found',
            message: "no model for task 'chess' (tasks: sudoku4, sudoku6, maze9)",
            field: 'task',
            reason: 'no model for this task',
          },
        },
      },
      422: {
        contradictory: {
          summary: 'A contradictory puzzle (`11..............`), refused before the model runs',
          value: {
            error: 'unsolvable_puzzle',
            message: 'puzzle: not a sudoku4 puzzle: this puzzle has no solution',
            field: 'puzzle',
            reason: 'this puzzle has no solution',
          },
        },
        size: {
          summary: 'A puzzle of the wrong size',
          value: {
            error: 'unsolvable_puzzle',
            message: 'puzzle: not a sudoku4 puzzle: expected 16 characters, got 4',
            field: 'puzzle',
            reason: 'expected 16 characters, got 4',
          },
        },
      },
    },
  },
  'POST /v1/solve/batch': {
    request: {
      batch: {
        summary: 'Two 4x4 Sudoku puzzles',
        value: { task: 'sudoku4', puzzles: ['.......1.34..4..', '12..34..........'] },
      },
    },
    responses: {
      200: { batch: { summary: 'One result per puzzle, in order', value: { results: [SUDOKU_RESULT, WRONG_RESULT] } } },
      422: {
        one: {
          summary: 'One bad puzzle refuses the batch, naming it',
          value: {
            error: 'unsolvable_puzzle',
            message: 'puzzles[1]: not a sudoku4 puzzle: this puzzle has no solution',
            field: 'puzzles[1]',
            reason: 'this puzzle has no solution',
          },
        },
      },
    },
  },
  'GET /v1/models': {
    responses: {
      200: {
        models: {
          summary: 'The committed models',
          value: {
            models: [
              {
                id: 'sudoku4',
                task: 'sudoku4',
                summary: '4x4 Sudoku with 4-10 givens (generated, unique solution)',
                default: true,
                arch: 'hrm',
                step: 4000,
                segments: 4,
                example: '. . | . .\n. . | . 1\n----+----\n. 3 | 4 .\n. 4 | . .',
              },
            ],
          },
        },
      },
    },
  },
  'GET /healthz': {
    responses: {
      200: { ok: { summary: 'Up', value: { status: 'ok', models: 3, queued: 0 } } },
      503: { stopping: { summary: 'Shutting down', value: { status: 'stopping', models: 3, queued: 2 } } },
    },
  },
};

const ERRORS: Readonly<Record<number, string>> = {
  400: 'A field is missing, unknown or out of range (`field` and `reason` say which and why), or the body is not JSON.',
  401: 'The server needs an API key (`Authorization: Bearer <key>` or `X-API-Key`), and it is missing or wrong.',
  403: 'A request from a web page of another origin to a server bound to loopback.',
  404: 'No model for the task, or no model with the id.',
  413: 'The body is over the size limit.',
  415: 'The body is not JSON (`Content-Type: application/json`).',
  422: 'A puzzle the task cannot read, with no solution, or contradictory (a digit twice in a row...): refused before the model runs.',
  503: 'The model’s queue is full, or the server is shutting down: retry after `Retry-After` seconds.',
  504: 'The request did not finish within the server’s time limit.',
};

function json(schema: JsonSchema, examples?: Readonly<Record<string, unknown>>) {
  return { content: { 'application/json': { schema, ...(examples ? { examples } : {}) } } };
}

function errorResponses(statuses: readonly number[], examples: RouteExamples | undefined) {
  return Object.fromEntries(
    statuses.map((s) => [
      String(s),
      {
        description: ERRORS[s] ?? 'An error',
        ...json({ $ref: '#/components/schemas/Error' }, examples?.responses[s]),
      },
    ]),
  );
}

/** The OpenAPI 3.1 document of a server: its routes, with schemas for its limits and its tasks. */
export function openApiDocument(service: SolveService): Readonly<Record<string, unknown>> {
  const { SolveRequest, SolveBatchRequest } = service.codecs;
  const tasks = service.tasks();
  const solveErrors = [400, 401, 404, 413, 415, 422, 503, 504];
  const ex = (route: string) => EXAMPLES[route];
  return {
    openapi: '3.1.0',
    info: {
      title: 'hrm serve',
      version: '0.1.0',
      description: `Hierarchical Reasoning Models as a service: puzzles in, answers out, each answer judged by the task's exact checker (\`valid\` is never the model's own claim). Tasks served: ${tasks.join(', ')}. Concurrent requests for a model are batched. Errors are JSON bodies \`{ error, message, field?, reason? }\`.`,
    },
    servers: [{ url: '/' }],
    components: {
      schemas: {
        SolveRequest: SolveRequest.schema,
        SolveBatchRequest: SolveBatchRequest.schema,
        SolveResult: SolveResult.schema,
        SolveBatchResult: SolveBatchResult.schema,
        ModelList: ModelList.schema,
        Health: Health.schema,
        Error: ErrorBody.schema,
      },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'When the server has an API key (--api-key, HRM_API_KEY).',
        },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    security: [{}, { bearer: [] }, { apiKey: [] }],
    paths: {
      '/v1/solve': {
        post: {
          operationId: 'solve',
          summary: 'Solve one puzzle',
          description: `Solve a puzzle of a task (${tasks.join(', ')}) with its model; give \`task\` or \`model\`. At most ${service.limits.maxSegments} segments; a request waits and runs for at most ${service.limits.timeoutMs} ms.`,
          requestBody: {
            required: true,
            ...json({ $ref: '#/components/schemas/SolveRequest' }, ex('POST /v1/solve')?.request),
          },
          responses: {
            '200': {
              description: 'The answer and the checker’s verdict.',
              ...json({ $ref: '#/components/schemas/SolveResult' }, ex('POST /v1/solve')?.responses[200]),
            },
            ...errorResponses(solveErrors, ex('POST /v1/solve')),
          },
        },
      },
      '/v1/solve/batch': {
        post: {
          operationId: 'solveBatch',
          summary: 'Solve many puzzles of one task',
          description: `Up to ${service.limits.maxBatchPuzzles} puzzles of one task, run together; one unreadable puzzle refuses the whole batch (422, naming it).`,
          requestBody: {
            required: true,
            ...json({ $ref: '#/components/schemas/SolveBatchRequest' }, ex('POST /v1/solve/batch')?.request),
          },
          responses: {
            '200': {
              description: 'One result per puzzle, in order.',
              ...json({ $ref: '#/components/schemas/SolveBatchResult' }, ex('POST /v1/solve/batch')?.responses[200]),
            },
            ...errorResponses(solveErrors, ex('POST /v1/solve/batch')),
          },
        },
      },
      '/v1/models': {
        get: {
          operationId: 'listModels',
          summary: 'The models served',
          responses: {
            '200': {
              description: 'Every model, with its task and an example puzzle.',
              ...json({ $ref: '#/components/schemas/ModelList' }, ex('GET /v1/models')?.responses[200]),
            },
            ...errorResponses([401], undefined),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Liveness (no API key needed)',
          security: [{}],
          responses: {
            '200': {
              description: 'Up.',
              ...json({ $ref: '#/components/schemas/Health' }, ex('GET /healthz')?.responses[200]),
            },
            '503': {
              description: 'Shutting down.',
              ...json({ $ref: '#/components/schemas/Health' }, ex('GET /healthz')?.responses[503]),
            },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document (no API key needed)',
          security: [{}],
          responses: { '200': { description: 'The OpenAPI 3.1 document.' } },
        },
      },
      '/mcp': {
        post: {
          operationId: 'mcp',
          summary: 'The MCP server (streamable HTTP, stateless, JSON responses)',
          description:
            'JSON-RPC messages of the Model Context Protocol: tools solve_<family> (solve_sudoku, solve_maze...) and list_models. Use an MCP client.',
          responses: { '200': { description: 'A JSON-RPC response.' }, ...errorResponses([401, 413], undefined) },
        },
      },
    },
  };
}
