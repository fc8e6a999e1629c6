/**
 * The MCP server: the same service as tools for language models, over stdio (`hrm mcp`, for desktop
 * agents) and over streamable HTTP (`hrm serve` mounts it at /mcp, stateless: every request gets a
 * fresh server and transport, so HTTP callers share nothing but the models and the batching queues).
 *
 * Tools: `solve_<family>` for each family of the loaded tasks (`solve_sudoku` for sudoku4, sudoku6 and
 * sudoku9, `solve_maze` for maze9 and maze9-mix, and one for any other family a checkpoint brings), and `list_models`. Each has
 * a JSON Schema input that tells a model how to write the puzzle, an output schema (the API's
 * SolveResult), structured content, and a text rendering of the grid with the checker's verdict.
 *
 * The SDK's low-level `Server` is used rather than `McpServer`: the schemas here are JSON Schema made
 * from the API's io-ts codecs (McpServer wants zod), and the tools are made at run time from the models.
 * No SDK type appears in this module's exports: the SDK's declarations do not type-check without the
 * DOM library (`HeadersInit`), and a consumer of @hrm/server should not need it.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import * as E from 'fp-ts/lib/Either.js';
import { HALT_MARGIN, ModelList, type SolveResult, SolveResult as SolveResultCodec } from './codecs.js';
import { ApiError } from './errors.js';
import { bool, described, int, type JsonSchema, object, oneOf, problems, str } from './schema.js';
import { type SolveService, taskFamily } from './service.js';

/** The server's name and version, as MCP clients see them. */
const IMPLEMENTATION = { name: 'hrm', title: 'Hierarchical Reasoning Model', version: '0.1.0' };

const INSTRUCTIONS = [
  'Solves puzzles with Hierarchical Reasoning Models: small neural networks trained on one kind of puzzle each.',
  'Every answer is checked by an exact solver: `valid` says whether the answer keeps the rules (and for a maze is a shortest path).',
  'A model can be wrong: report `valid: false` answers as unsolved rather than as solutions. Call list_models for the tasks served.',
].join(' ');

/** A family's name in a sentence. */
const FAMILY_NOUN: Readonly<Record<string, string>> = { sudoku: 'Sudoku', maze: 'maze' };

/** How a task family's puzzles are written, for the tool description and the `puzzle` field. */
const FAMILY_FORMAT: Readonly<Record<string, string>> = {
  sudoku:
    'Write the grid row by row: a digit for a given cell, `.` or `0` for a blank. Spaces, newlines, `|`, `-` and `+` are ignored, so a drawn grid works too; a 4x4 puzzle is 16 cells (e.g. `1.3..4.2.......1`), a 6x6 puzzle 36. The puzzle must have a solution and no repeated digit in a row, column or box.',
  maze: 'Write the maze as its rows joined by newlines (or one line of size x size characters): `#` wall, space open, `S` start, `G` goal. The answer marks a path from S to G with `o`; `valid` says whether it is a shortest path.',
};

function sudokuSizes(service: SolveService, tasks: readonly string[]): string {
  return tasks
    .map((task) => {
      const m = service.registry.forTask(task);
      const side = m ? Math.round(Math.sqrt(m.file.model.seqLen)) : 0;
      const box =
        side === 6 ? ', boxes of 2 rows x 3 columns' : side > 0 ? `, boxes ${Math.sqrt(side)}x${Math.sqrt(side)}` : '';
      return `${side}x${side} (task ${task}${box})`;
    })
    .join(', ');
}

/** A tool: what `tools/list` shows, and what `tools/call` runs. */
interface ToolSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: JsonSchema;
  readonly outputSchema: JsonSchema;
  readonly call: (args: unknown, signal: AbortSignal) => Promise<CallToolResult>;
}

/** `valid: the puzzle's one solution, after 2 of 4 segments` and the like, as `hrm solve` says it. */
function verdictLine(r: SolveResult): string {
  const after = `where the model halted, after ${r.haltSegment} of ${r.segments} segment${r.segments === 1 ? '' : 's'}`;
  if (!r.valid)
    return `NOT VALID (checked by an exact solver): ${r.reason ?? 'the answer breaks the rules'} (${after})`;
  return r.ambiguous
    ? `valid (checked by an exact solver): one of the puzzle’s several solutions (${after})`
    : `valid (checked by an exact solver): the puzzle’s one solution (${after})`;
}

/** A result as text for a language model: the task, the grid, and the verdict. */
export function renderResult(r: SolveResult): string {
  return `${r.task} (model ${r.model}):\n${r.answer}\n${verdictLine(r)}`;
}

function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

function failure(e: unknown): CallToolResult {
  if (e instanceof ApiError) return toolError(e.message);
  throw e;
}

/** The tools for the service's models: `solve_<family>` per task family, then `list_models`. */
function mcpTools(service: SolveService): ToolSpec[] {
  const families = new Map<string, string[]>();
  for (const task of service.tasks()) {
    const family = taskFamily(task);
    families.set(family, [...(families.get(family) ?? []), task]);
  }
  const tools: ToolSpec[] = [...families].map(([family, tasks]) => {
    const [first, ...rest] = tasks as [string, ...string[]];
    const sizes = family === 'sudoku' ? ` Sizes served: ${sudokuSizes(service, tasks)}.` : '';
    const format =
      FAMILY_FORMAT[family] ??
      `Write the puzzle as text, as in list_models' examples. Tasks: ${tasks
        .map((task) => `${task} (${service.registry.forTask(task)?.file.preset.summary ?? task})`)
        .join('; ')}.`;
    const input = object(
      `solve_${family} input`,
      { puzzle: described(str(1, service.limits.maxPuzzleChars), `The puzzle. ${format}`) },
      {
        task: described(
          oneOf([first, ...rest]),
          `Which task (and so which model): by default the first of ${tasks.join(', ')} that reads the puzzle (the size of the grid decides).`,
        ),
        segments: described(
          int(1, service.limits.maxSegments),
          'Segments of reasoning to run at most (default: the model’s own limit); the model halts when its Q head says so.',
        ),
        trace: described(bool, 'Also return the answer after every segment (`perSegment`).'),
        haltMargin: HALT_MARGIN,
      },
    );
    const noun = FAMILY_NOUN[family] ?? family;
    return {
      name: `solve_${family}`,
      title: `Solve a ${noun} puzzle`,
      description: `Solve a ${noun} puzzle with a Hierarchical Reasoning Model, then check the answer with an exact solver: trust \`valid\`, which comes from the checker, not from the model.${sizes} ${format}`,
      inputSchema: input.schema,
      outputSchema: SolveResultCodec.schema,
      call: async (args, signal) => {
        const decoded = input.decode(args ?? {});
        if (E.isLeft(decoded))
          return toolError(
            `bad arguments: ${problems(decoded.left)
              .map((p) => (p.field ? `${p.field}: ${p.reason}` : p.reason))
              .join('; ')}`,
          );
        const a = decoded.right;
        try {
          const model = a.task === undefined ? service.pickByPuzzle(family, a.puzzle) : service.pick(a.task, undefined);
          const [result] = await service.solveWith(
            model,
            { puzzles: [a.puzzle], segments: a.segments, trace: a.trace, haltMargin: a.haltMargin },
            { signal, single: true },
          );
          if (!result) throw new Error('no result');
          return {
            content: [{ type: 'text', text: renderResult(result) }],
            structuredContent: result as unknown as Record<string, unknown>,
          };
        } catch (e) {
          return failure(e);
        }
      },
    };
  });
  tools.push({
    name: 'list_models',
    title: 'List the puzzle models',
    description:
      'List the models this server holds: each one’s id, task (sudoku4, sudoku6, maze9, ...), what the task is, and an example puzzle in the format the solve tools take.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    outputSchema: ModelList.schema,
    call: async () => {
      const models = service.models();
      const text = models
        .map((m) => `${m.id}: ${m.summary} (task ${m.task}, ${m.segments} segments)\nexample:\n${m.example}`)
        .join('\n\n');
      return { content: [{ type: 'text', text }], structuredContent: { models } };
    },
  });
  return tools;
}

/**
 * An MCP server (the SDK's) with the service's tools, not yet connected to a transport. Not exported
 * from the package: its type is the SDK's, whose declarations need the DOM library to type-check.
 */
function createMcpServer(service: SolveService, tools: readonly ToolSpec[] = mcpTools(service)): Server {
  const server = new Server(IMPLEMENTATION, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema as { type: 'object' },
      outputSchema: t.outputSchema as { type: 'object' },
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = tools.find((t) => t.name === request.params.name);
    if (!tool)
      throw new McpError(
        ErrorCode.InvalidParams,
        `no tool '${request.params.name}' (tools: ${tools.map((t) => t.name).join(', ')})`,
      );
    return tool.call(request.params.arguments, extra.signal);
  });
  return server;
}

/** Each service's tools, made once (their schemas are built from the codecs). */
const toolsOf = new WeakMap<SolveService, readonly ToolSpec[]>();

/** Answers one streamable-HTTP request to /mcp with a fresh (stateless) server and transport. */
export async function handleMcpHttp(service: SolveService, request: Request): Promise<Response> {
  let tools = toolsOf.get(service);
  if (!tools) {
    tools = mcpTools(service);
    toolsOf.set(service, tools);
  }
  const server = createMcpServer(service, tools);
  // No session id generator: stateless.
  const transport = new WebStandardStreamableHTTPServerTransport({
    enableJsonResponse: true,
    maxRequestBodySize: service.limits.bodyBytes,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    await server.close();
  }
}

/** An MCP server on stdio: `close` stops it; `closed` resolves when it stops (or its input ends). */
export interface StdioMcp {
  /** Stops serving (calls in flight are abandoned). */
  close(): Promise<void>;
  /** Resolves when the server stops. */
  readonly closed: Promise<void>;
}

/**
 * Serves the service's tools over this process's standard input and output (nothing else may write to
 * stdout). When the input ends, the calls already made are answered before the server closes.
 */
export async function serveStdio(service: SolveService): Promise<StdioMcp> {
  const server = createMcpServer(service);
  const transport = new StdioServerTransport();
  let done: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    done = resolve;
  });
  server.onclose = () => done();
  // The last messages may still be on their way to the scheduler: let them arrive, run, and be answered.
  const onEnd = () =>
    setImmediate(() => {
      void service.scheduler
        .idle()
        .then(() => new Promise((r) => setImmediate(r)))
        .then(() => server.close());
    });
  process.stdin.once('end', onEnd);
  process.stdin.once('close', onEnd);
  await server.connect(transport);
  return {
    close: async () => {
      process.stdin.off('end', onEnd);
      process.stdin.off('close', onEnd);
      await server.close();
    },
    closed,
  };
}
