/**
 * Command-line arguments: `node:util`'s parseArgs with typed option specs, turned into one-line
 * errors (unknown flag, missing value, a number that is not one) instead of stack traces.
 */
import { parseArgs } from 'node:util';

/** An error meant for the user: printed as one line, exit status 2 (usage) or 1 (failure). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class CliError extends Error {
  override readonly name = 'CliError';
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly default?: string | boolean;
  readonly help: string;
  /** Shown after the flag in --help (e.g. `<steps>`). */
  readonly value?: string;
}

export type Options = Readonly<Record<string, OptionSpec>>;

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: Options;
  /**
   * How many positional arguments the command takes (default: any, for commands that read their own).
   * More are refused: a stray `HRM_DATA=/x` after the command would otherwise be ignored.
   */
  readonly maxPositionals?: number;
  /** Text shown after the options in --help (the environment, the JSON fields). */
  readonly notes?: string;
  readonly run: (args: Parsed) => Promise<number> | number;
}

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  string(name: string): string | undefined;
  flag(name: string): boolean;
  /** A numeric option, checked: integer when `integer`, within [min, max]. */
  number(
    name: string,
    opts?: { readonly integer?: boolean; readonly min?: number; readonly max?: number },
  ): number | undefined;
}

export function parse(command: Command, argv: readonly string[]): Parsed {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries({ ...command.options, help: { type: 'boolean', short: 'h', help: '' } as OptionSpec }).map(
          ([k, o]) => [
            k,
            {
              type: o.type,
              ...(o.short ? { short: o.short } : {}),
              ...(o.default !== undefined ? { default: o.default } : {}),
            },
          ],
        ),
      ),
    });
  } catch (e) {
    // parseArgs' messages are already one line ("Unknown option '--stpes'..."); drop its error code.
    throw new UsageError(`${(e as Error).message.replace(/\. To specify a positional argument.*$/, '')}`);
  }
  const stray = parsed.positionals[command.maxPositionals ?? Number.POSITIVE_INFINITY];
  if (stray !== undefined)
    throw new UsageError(
      `unexpected argument '${stray}'${stray.includes('=') ? ' (set environment variables before the command: NAME=value hrm ...)' : ''}`,
    );
  const values = parsed.values as Record<string, string | boolean | undefined>;
  return {
    values,
    positionals: parsed.positionals,
    string: (name) => (typeof values[name] === 'string' ? (values[name] as string) : undefined),
    flag: (name) => values[name] === true,
    number: (name, opts = {}) => {
      const raw = values[name];
      if (raw === undefined) return undefined;
      const n = Number(raw);
      const what = opts.integer ? 'an integer' : 'a number';
      if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)))
        throw new UsageError(`--${name} must be ${what}, got '${String(raw)}'`);
      if (opts.min !== undefined && n < opts.min)
        throw new UsageError(`--${name} must be at least ${opts.min}, got ${n}`);
      if (opts.max !== undefined && n > opts.max)
        throw new UsageError(`--${name} must be at most ${opts.max}, got ${n}`);
      return n;
    },
  };
}

export function helpText(program: string, command: Command): string {
  const rows = Object.entries(command.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    return [flag, `${o.help}${def}`] as const;
  });
  const width = Math.max(0, ...rows.map(([f]) => f.length));
  return [
    `${program} ${command.name}: ${command.summary}`,
    '',
    `Usage: ${program} ${command.name} ${command.usage}`,
    '',
    'Options:',
    ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`),
    `  ${'-h, --help'.padEnd(width)}  show this help`,
    ...(command.notes ? ['', command.notes] : []),
  ].join('\n');
}
