/**
 * Puzzles given to `hrm solve` and `hrm eval`: one as an argument or on standard input, or many in a
 * file (`--file`): one per line (a maze as its rows joined on one line), or JSON lines
 * `{"puzzle": "..."}`; a file holding one grid drawn over several lines is one puzzle. Nothing is
 * trimmed but a final newline: a maze's border cells may be open, that is spaces. And the verdict on
 * each answer, as a JSON record.
 */
import { readFileSync } from 'node:fs';
import type { TaskPreset, Verdict } from '../presets/preset.js';
import { type Example, numberedLines } from '../tasks/index.js';
import { CliError, type Parsed, UsageError } from './args.js';
import type { ModelFile } from './model-file.js';

/** A puzzle as given: its text, and its line when it came from a file. */
export interface GivenPuzzle {
  readonly text: string;
  readonly line?: number;
}

/** Where the puzzles come from: the text of one puzzle, or a file of them. */
export type PuzzleInput = { readonly text: string } | { readonly file: string; readonly text: string };

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

/** The puzzle input of a command's arguments: the positional puzzle, `--file`, or standard input. */
export function puzzleInput(args: Parsed, stdinAllowed: boolean): PuzzleInput | undefined {
  const file = args.string('file');
  if (file !== undefined && args.positionals.length > 0)
    throw new UsageError('give the puzzle as an argument or with --file, not both');
  if (file !== undefined) {
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (e) {
      throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
    }
  }
  // A maze typed as arguments may come one row per argument.
  if (args.positionals.length > 0) return { text: args.positionals.join('\n') };
  if (stdinAllowed && !process.stdin.isTTY) return { text: readStdin().replace(/\r?\n$/, '') };
  return undefined;
}

/** The puzzles of a file's text: JSON lines, one per line, or one grid drawn over all its lines. */
function puzzlesOfFile(file: string, text: string, preset: TaskPreset): GivenPuzzle[] {
  const lines = numberedLines(text).filter((l) => l.text.length > 0);
  if (lines[0]?.text.startsWith('{'))
    return lines.map(({ line, text: json }) => {
      let record: unknown;
      try {
        record = JSON.parse(json);
      } catch (e) {
        throw new CliError(`${file}:${line}: not JSON (${(e as Error).message})`);
      }
      const puzzle = (record as { puzzle?: unknown } | null)?.puzzle;
      if (typeof puzzle !== 'string') throw new CliError(`${file}:${line}: expected {"puzzle": "<the puzzle>"}`);
      return { text: puzzle, line };
    });
  const whole = text.replace(/\r?\n$/, '');
  const [first] = lines;
  if (lines.length > 1 && first && 'error' in preset.parse(first.text) && 'example' in preset.parse(whole))
    return [{ text: whole, line: first.line }];
  return lines.map(({ line, text: puzzle }) => ({ text: puzzle, line }));
}

/** The input's puzzles read by the preset, each with how it was given; throws naming the file and line of a bad one. */
export function examplesOf(
  input: PuzzleInput,
  preset: TaskPreset,
): { readonly given: GivenPuzzle; readonly example: Example }[] {
  const given = 'file' in input ? puzzlesOfFile(input.file, input.text, preset) : [{ text: input.text }];
  if (given.length === 0) throw new CliError(`${'file' in input ? input.file : 'the input'}: no puzzles`);
  return given.map((g) => {
    const parsed = preset.parse(g.text);
    if ('error' in parsed) {
      const where = 'file' in input && g.line !== undefined ? `${input.file}:${g.line}: ` : '';
      throw new CliError(`${where}not a ${preset.name} puzzle: ${parsed.error}`);
    }
    return { given: g, example: parsed.example };
  });
}

/** The task's verdict on an answer, or (for a task with no checker) whether it equals the label. */
export function judge(m: ModelFile, example: Example, answer: readonly number[]): Verdict {
  if (m.preset.check) return m.preset.check(example, answer);
  const same = answer.every((t, i) => t === example.labels[i]);
  return { valid: same, ambiguous: false, correct: same };
}

/** One puzzle's JSON record: how it was given, the answer at the halting segment, and the verdict. */
export function puzzleRecord(
  m: ModelFile,
  given: GivenPuzzle,
  answer: readonly number[],
  verdict: Verdict,
  haltSegment: number,
): Record<string, unknown> {
  return {
    event: 'puzzle',
    ...(given.line === undefined ? {} : { line: given.line }),
    puzzle: given.text,
    answer: m.preset.format(answer),
    ...verdict,
    haltSegment,
  };
}
