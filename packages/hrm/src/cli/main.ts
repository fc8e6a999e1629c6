/**
 * The `hrm` command: train, evaluate and run Hierarchical Reasoning Models on puzzles.
 * Bad flags, missing files and bad configs end with a one-line message and a non-zero exit; set
 * HRM_DEBUG=1 to see the stack of an unexpected error.
 */
import { readFileSync } from 'node:fs';
import type { CheckpointError } from '@hrm/nn';
import { CliError, type Command, helpText, type OptionSpec, type Parsed, parse, UsageError } from './args.js';
import { dataCommand } from './data-command.js';
import { datasetCommand } from './dataset-command.js';
import { demo } from './demo.js';
import { evaluate } from './eval.js';
import { exportCommand } from './export-command.js';
import { importCommand } from './import-command.js';
import { oneLine } from './model-file.js';
import { solve } from './solve.js';
import { train } from './train.js';

/** What `hrm serve` and `hrm mcp` call in @hrm/server (typed here: that package depends on this one). */
interface ServerCommands {
  serveCommand(args: Parsed): Promise<number>;
  mcpCommand(args: Parsed): Promise<number>;
}

/**
 * The server is a separate, optional package (its HTTP and MCP libraries stay out of @hrm/hrm): load
 * it for `serve` and `mcp`, or say how to install it.
 */
async function loadServer(command: string): Promise<ServerCommands> {
  const name = '@hrm/server'; // a variable, so that TypeScript does not look for the package that depends on this one
  try {
    return (await import(name)) as ServerCommands;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && (e as Error).message.includes(`'${name}'`))
      throw new CliError(`${command} needs the @hrm/server package, which is not installed (npm install @hrm/server)`);
    throw e;
  }
}

/** The flags `serve` and `mcp` share: the models, the limits, the batching. */
const MODEL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  checkpoint: {
    type: 'string',
    help: 'checkpoints to serve, comma-separated (or given as arguments); default: the committed ones',
    value: '<file>[,<file>...]',
  },
  checkpoints: { type: 'string', help: 'serve every .safetensors checkpoint in a folder', value: '<folder>' },
  'max-segments': { type: 'string', help: 'the most segments a request may ask for (default 32)', value: '<N>' },
  timeout: { type: 'string', help: 'seconds a request may wait and run (default 30)', value: '<s>' },
  queue: { type: 'string', help: 'puzzles that may wait per model; more get 503 (default 1024)', value: '<N>' },
  batch: { type: 'string', help: 'the most puzzles run as one batch (default 32; 1: no batching)', value: '<N>' },
  'batch-ms': { type: 'string', help: 'how long a batch waits for more puzzles (default 2)', value: '<ms>' },
};

const serve: Command = {
  name: 'serve',
  summary: 'serve models over HTTP (a JSON API, OpenAPI, and MCP at /mcp) until Ctrl-C (needs @hrm/server)',
  usage: '[<checkpoint>...] [--checkpoints <folder>] [--host <addr>] [--port <N>] [--api-key <key>]',
  options: {
    ...MODEL_OPTIONS,
    host: { type: 'string', help: 'the address to bind (default 127.0.0.1: this machine only)', value: '<addr>' },
    port: { type: 'string', help: 'the port (default 8080; 0: any free port)', value: '<N>' },
    'api-key': { type: 'string', help: 'require this key (Bearer or X-API-Key); default: HRM_API_KEY', value: '<key>' },
  },
  notes: 'Environment: HRM_API_KEY  an API key the requests to /v1 and /mcp must carry (safer than --api-key).',
  run: async (args) => (await loadServer('serve')).serveCommand(args),
};

const mcp: Command = {
  name: 'mcp',
  summary: 'serve models as MCP tools on stdin/stdout, for desktop agents (needs @hrm/server)',
  usage: '[<checkpoint>...] [--checkpoints <folder>]',
  options: MODEL_OPTIONS,
  run: async (args) => (await loadServer('mcp')).mcpCommand(args),
};

const COMMANDS: readonly Command[] = [
  train,
  evaluate,
  solve,
  demo,
  importCommand,
  exportCommand,
  datasetCommand,
  dataCommand,
  serve,
  mcp,
];

/** The installed package's version (package.json sits two folders up from both src/cli and dist/cli). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The gpu.js backend is a separate, optional package (CPU users never install its GPU binaries): load it
 * when HRM_BACKEND asks for it, or say how to install it.
 */
async function loadRequestedBackend(): Promise<void> {
  const wanted = (process.env.HRM_BACKEND ?? '').split(',').map((s) => s.trim());
  if (!wanted.includes('gpujs')) return;
  try {
    await import('@hrm/gpujs');
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND')
      throw new CliError('HRM_BACKEND=gpujs needs the @hrm/gpujs package (npm install @hrm/gpujs)');
    throw e;
  }
}

/** The environment variables `hrm` reads, for --help. */
export const ENVIRONMENT = [
  'Environment:',
  '  HRM_DATA          the folder of the puzzle data files (sudoku-hard, maze-hard, arc); --data overrides it;',
  '                    default: $XDG_CACHE_HOME/hrm-ts/data or ~/.cache/hrm-ts/data',
  '  HRM_BACKEND       the compute backend: wasm (default), reference, or gpujs (needs @hrm/gpujs)',
  '  HRM_WASM_THREADS  worker threads of the wasm backend',
  '  HRM_DEBUG         set to print the stack of an unexpected error',
].join('\n');

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'hrm: Hierarchical Reasoning Models on puzzles (Sudoku, mazes, ARC)',
    '',
    'Usage: hrm <command> [options]   (hrm <command> --help or hrm help <command> for its options)',
    '       hrm --version',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    ENVIRONMENT,
  ].join('\n');
}

/** Errors whose message is meant for the user as it is: a diverged run, a bad data file, a mismatched resume. */
const USER_ERRORS = new Set(['CliError', 'NonFiniteError', 'DataError', 'ResumeError']);

/** An error as the one line `hrm` prints for it (the error's name too when it is unexpected). */
function errorLine(e: Error): string {
  if (USER_ERRORS.has(e.name)) return e.message;
  if (e.name === 'CheckpointError') return oneLine(e as CheckpointError);
  return `${e.name}: ${e.message}`;
}

/**
 * Runs the `hrm` command line on `argv` (the arguments after the program name) and resolves to the
 * exit status: 0 on success, 1 when the command ran and failed (or a solve was invalid), 2 for a
 * usage error. Messages go to stdout and stderr; nothing calls `process.exit`, so the CLI can be
 * embedded and tested in-process.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...after] = argv;
  if (first === '--version' || first === '-V') {
    console.log(version());
    return 0;
  }
  // `hrm help train` is `hrm train --help`.
  const [name, rest] = first === 'help' && after[0] !== undefined ? [after[0], ['--help']] : [first, after];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    await loadRequestedBackend();
    if (!command)
      throw new UsageError(`unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
    const args = parse(command, rest);
    if (args.flag('help')) {
      console.log(helpText('hrm', command));
      return 0;
    }
    return await command.run(args);
  } catch (e) {
    const err = e as Error;
    if (process.env.HRM_DEBUG) console.error(err.stack);
    if (e instanceof UsageError) {
      console.error(`hrm ${command?.name ?? ''}: ${err.message}`.replace(/\s+:/, ':'));
      console.error(`(see hrm ${command?.name ?? ''} --help)`.replace(' )', ')'));
      return 2;
    }
    console.error(`hrm ${command?.name ?? ''}: ${errorLine(err)}`.replace(/\s+:/, ':'));
    return 1;
  }
}
