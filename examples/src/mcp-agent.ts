/**
 * Plays a language-model agent that uses HRM as a tool: starts `hrm mcp` (the MCP server of
 * @hrm/server on stdio), connects with the MCP SDK's own client, lists the tools, and calls them as an
 * agent would (a Sudoku, a maze, a contradictory puzzle), printing the transcript.
 *
 *   node --conditions=@hrm/source --import tsx examples/src/mcp-agent.ts            # this repository's hrm
 *   node --conditions=@hrm/source --import tsx examples/src/mcp-agent.ts npx hrm mcp   # any command that serves MCP
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const bin = fileURLToPath(new URL('../../packages/hrm/src/bin.ts', import.meta.url));
const [command, ...args] =
  process.argv.length > 2
    ? process.argv.slice(2)
    : [process.execPath, '--conditions=@hrm/source', '--import', 'tsx', bin, 'mcp'];

const say = (who: string, text: string) =>
  console.log(
    text
      .split('\n')
      .map((line, i) => `${i === 0 ? who : ' '.repeat(who.length)} ${line}`)
      .join('\n'),
  );

/** Calls a tool and prints the call, its text answer and the verdict fields of its structured content. */
async function call(client: Client, name: string, args: Record<string, unknown>): Promise<void> {
  say('agent >', `tools/call ${name} ${JSON.stringify(args)}`);
  const result = await client.callTool({ name, arguments: args });
  const content = Array.isArray(result.content) ? result.content : [];
  const text = content.map((c: { type: string; text?: string }) => (c.type === 'text' ? c.text : `[${c.type}]`));
  say(result.isError ? 'hrm   !' : 'hrm   <', text.join('\n'));
  const s = result.structuredContent as Record<string, unknown> | undefined;
  if (s)
    say(
      '       ',
      `structured: valid=${String(s.valid)} ambiguous=${String(s.ambiguous)} correct=${String(s.correct)} haltSegment=${String(s.haltSegment)} of ${String(s.segments)}`,
    );
  console.log();
}

const client = new Client({ name: 'hrm-example-agent', version: '0.1.0' });
const transport = new StdioClientTransport({ command: command ?? 'hrm', args, stderr: 'ignore' });
say('agent >', `spawn ${[command, ...args].join(' ')}`);
await client.connect(transport);
const server = client.getServerVersion();
say('hrm   <', `initialized: ${server?.name} ${server?.version}`);
say('       ', `instructions: ${client.getInstructions() ?? '(none)'}`);
console.log();

say('agent >', 'tools/list');
const { tools } = await client.listTools();
for (const tool of tools) {
  const fields = Object.keys((tool.inputSchema.properties as Record<string, unknown> | undefined) ?? {});
  say('hrm   <', `${tool.name}(${fields.join(', ')}): ${tool.description?.split('. ')[0] ?? ''}`);
}
console.log();

await call(client, 'solve_sudoku', { puzzle: '.......1.34..4..' });
await call(client, 'solve_sudoku', {
  puzzle:
    '1 . . | . . 5\n. . 5 | . 3 .\n------+------\n6 3 . | . . 1\n2 5 1 | 6 . 3\n------+------\n3 . 6 | 5 2 4\n5 . 2 | . . .',
});
await call(client, 'solve_maze', {
  puzzle: '#########\n#    G  #\n##### ###\n#   #   #\n# # ### #\n# #   # #\n##### # #\n#   S   #\n#########',
});
await call(client, 'solve_sudoku', { puzzle: '11..............' });

await client.close();
say('agent >', 'closed');
