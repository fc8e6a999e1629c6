/**
 * The MCP server as an agent meets it, through the MCP SDK's own client: over stdio, spawning the
 * `hrm mcp` command (from the sources), and over streamable HTTP at /mcp of a running server. The
 * client checks each result's structured content against the tool's output schema itself.
 */
import { fileURLToPath } from 'node:url';
import { type ModelFile, readModelFile } from '@hrm/hrm/node';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SolveResult } from './codecs.js';
import { loadModels } from './models.js';
import { type RunningServer, startServer } from './server.js';
import { taskFamily } from './service.js';

const BIN = fileURLToPath(new URL('../../hrm/src/bin.ts', import.meta.url));
const CHECKPOINTS = fileURLToPath(new URL('../../hrm/checkpoints/', import.meta.url));
const SUDOKU4 = '.......1.34..4..';
const SUDOKU6 =
  '1 . . | . . 5\n. . 5 | . 3 .\n------+------\n6 3 . | . . 1\n2 5 1 | 6 . 3\n------+------\n3 . 6 | 5 2 4\n5 . 2 | . . .';
const MAZE9 = '#########\n#    G  #\n##### ###\n#   #   #\n# # ### #\n# #   # #\n##### # #\n#   S   #\n#########';

const files = new Map<string, ModelFile>();
const file = (task: string) => {
  let f = files.get(task);
  if (!f) {
    f = readModelFile(`${CHECKPOINTS}${task}.safetensors`);
    files.set(task, f);
  }
  return f;
};

/** The checker's verdict on the answer the tool returned, recomputed from the answer's text. */
function checkedByLibrary(result: SolveResult) {
  const preset = file(result.task).preset;
  const parsed = preset.parse(result.puzzle);
  if ('error' in parsed) throw new Error(parsed.error);
  // A Sudoku answer is itself a (full) grid: its tokens are those the preset reads from it.
  const answer = preset.parse(result.answer);
  if ('error' in answer) throw new Error(answer.error);
  return preset.check?.(parsed.example, answer.example.inputs);
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const content = Array.isArray(result.content) ? (result.content as { type: string; text?: string }[]) : [];
  return content.map((c) => c.text ?? '').join('\n');
}

/** What both transports must do: list the tools with their schemas, solve, list models, refuse bad puzzles. */
async function exercise(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(['list_models', 'solve_maze', 'solve_sudoku']);
  const sudoku = tools.find((t) => t.name === 'solve_sudoku');
  expect(sudoku?.description).toMatch(/4x4 \(task sudoku4.*6x6 \(task sudoku6, boxes of 2 rows x 3 columns\)/);
  const props = sudoku?.inputSchema.properties as Record<string, { description?: string; enum?: string[] }>;
  expect(props.puzzle?.description).toMatch(/`\.` or `0` for a blank/);
  expect(props.task?.enum).toEqual(['sudoku4', 'sudoku6', 'sudoku9']);
  // Every maze model is behind the one maze tool, in the order of their files ('maze9-mix.safetensors'
  // sorts first), so the model of every carver is the one a puzzle without a task goes to.
  const maze = tools.find((t) => t.name === 'solve_maze');
  const mazeProps = (maze?.inputSchema.properties ?? {}) as Record<string, { enum?: string[] }>;
  expect(mazeProps.task?.enum).toEqual(['maze9-mix', 'maze9']);
  expect(sudoku?.inputSchema.required).toEqual(['puzzle']);
  expect(sudoku?.outputSchema?.properties).toHaveProperty('valid');
  expect(sudoku?.annotations?.readOnlyHint).toBe(true);

  for (const [tool, puzzle, task] of [
    ['solve_sudoku', SUDOKU4, 'sudoku4'],
    ['solve_sudoku', SUDOKU6, 'sudoku6'],
    ['solve_maze', MAZE9, 'maze9-mix'],
  ] as const) {
    const r = await client.callTool({ name: tool, arguments: { puzzle } });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as unknown as SolveResult;
    expect(s).toMatchObject({ task, model: task, puzzle });
    expect(textOf(r)).toContain(s.answer);
    expect(textOf(r)).toMatch(s.valid ? /^valid \(checked by an exact solver\)/m : /^NOT VALID/m);
    if (task !== 'maze9-mix')
      expect(checkedByLibrary(s)).toEqual({ valid: s.valid, ambiguous: s.ambiguous, correct: s.correct });
  }

  const traced = await client.callTool({
    name: 'solve_sudoku',
    arguments: { puzzle: SUDOKU4, task: 'sudoku4', trace: true, segments: 3 },
  });
  expect((traced.structuredContent as unknown as SolveResult).perSegment).toHaveLength(3);
  // A margin no Q value passes reads the answer after the last segment run.
  expect(props.haltMargin?.description).toMatch(/Halt only where the Q head says so by this much/);
  const patient = await client.callTool({
    name: 'solve_sudoku',
    arguments: { puzzle: SUDOKU4, task: 'sudoku4', segments: 3, haltMargin: 100 },
  });
  expect((patient.structuredContent as unknown as SolveResult).haltSegment).toBe(3);

  const models = await client.callTool({ name: 'list_models', arguments: {} });
  expect((models.structuredContent as { models: { id: string }[] }).models.map((m) => m.id).sort()).toEqual([
    'maze9',
    'maze9-mix',
    'maze9-mix-grid',
    'sudoku4',
    'sudoku6',
    'sudoku9',
  ]);

  const bad = await client.callTool({ name: 'solve_sudoku', arguments: { puzzle: '11..............' } });
  expect(bad.isError).toBe(true);
  expect(textOf(bad)).toBe('not a sudoku4 puzzle: this puzzle has no solution');
  const wrongArgs = await client.callTool({ name: 'solve_sudoku', arguments: { puzzle: SUDOKU4, segments: 0 } });
  expect(wrongArgs.isError).toBe(true);
  expect(textOf(wrongArgs)).toMatch(/segments: expected an integer from 1 to 32, got 0/);
  await expect(client.callTool({ name: 'solve_chess', arguments: {} })).rejects.toThrow(/no tool 'solve_chess'/);
}

describe('MCP over stdio: `hrm mcp` spawned as a desktop client would', () => {
  it('lists the tools, solves, and refuses bad puzzles', async () => {
    const client = new Client({ name: 'test', version: '0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--conditions=@hrm/source', '--import', 'tsx', BIN, 'mcp'],
      stderr: 'pipe',
    });
    const stderr: string[] = [];
    transport.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
    await client.connect(transport);
    try {
      expect(client.getServerVersion()?.name).toBe('hrm');
      expect(client.getInstructions()).toMatch(/exact solver/);
      await exercise(client);
    } finally {
      await client.close();
    }
    expect(stderr.join('')).toMatch(
      /hrm mcp: serving maze9-mix-grid \(maze9-mix\) \[not default\], maze9-mix, maze9, sudoku4, sudoku6, sudoku9 on stdio/,
    );
  });
});

describe('MCP over streamable HTTP at /mcp', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ registry: loadModels(), port: 0, apiKey: 'k', worker: false });
  });
  afterAll(() => server.close());

  it('serves the same tools, behind the API key', async () => {
    const client = new Client({ name: 'test', version: '0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: 'Bearer k' } },
      }),
    );
    try {
      await exercise(client);
    } finally {
      await client.close();
    }
    const refused = new Client({ name: 'test', version: '0' });
    await expect(refused.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)))).rejects.toThrow();
  });
});

describe('taskFamily', () => {
  it('is the word a task name starts with', () => {
    expect(
      ['sudoku4', 'sudoku9-wide', 'sudoku-hard', 'sudoku-lists', 'maze9', 'maze9-mix', 'maze-hard', 'arc'].map(
        taskFamily,
      ),
    ).toEqual(['sudoku', 'sudoku', 'sudoku', 'sudoku', 'maze', 'maze', 'maze', 'arc']);
  });
});
