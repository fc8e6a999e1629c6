/**
 * The `hrm` command: train, evaluate and run Hierarchical Reasoning Models on puzzles.
 * Bad flags, missing files and bad configs end with a one-line message and a non-zero exit; set
 * HRM_DEBUG=1 to see the stack of an unexpected error.
 */
import { readFileSync } from 'node:fs';
import { CliError, type Command, helpText, parse, UsageError } from './args.js';
import { demo } from './demo.js';
import { evaluate } from './eval.js';
import { solve } from './solve.js';
import { train } from './train.js';

const COMMANDS: readonly Command[] = [train, evaluate, solve, demo];

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

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'hrm: Hierarchical Reasoning Models on puzzles (Sudoku, mazes)',
    '',
    'Usage: hrm <command> [options]   (hrm <command> --help or hrm help <command> for its options)',
    '       hrm --version',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
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
    console.error(
      `hrm ${command?.name ?? ''}: ${e instanceof CliError ? err.message : `${err.name}: ${err.message}`}`.replace(
        /\s+:/,
        ':',
      ),
    );
    return 1;
  }
}
