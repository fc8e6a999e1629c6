/**
 * The `hrm` command: train, evaluate and run Hierarchical Reasoning Models on puzzles.
 * Bad flags, missing files and bad configs end with a one-line message and a non-zero exit; set
 * HRM_DEBUG=1 to see the stack of an unexpected error.
 */
import { readFileSync } from 'node:fs';
import type { CheckpointError } from '@hrm/nn';
import { CliError, type Command, helpText, parse, UsageError } from './args.js';
import { dataCommand } from './data-command.js';
import { datasetCommand } from './dataset-command.js';
import { demo } from './demo.js';
import { evaluate } from './eval.js';
import { exportCommand } from './export-command.js';
import { importCommand } from './import-command.js';
import { oneLine } from './model-file.js';
import { solve } from './solve.js';
import { train } from './train.js';

const COMMANDS: readonly Command[] = [
  train,
  evaluate,
  solve,
  demo,
  importCommand,
  exportCommand,
  datasetCommand,
  dataCommand,
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
