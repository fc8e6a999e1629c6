/**
 * The `hrm` command as a user meets it: exit codes and one-line messages for bad input, and a
 * short train → eval → solve → resume round trip on a real task preset, and Ctrl-C saving.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), 'hrm-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('usage errors exit 2 with one line naming the problem', () => {
  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['train', '--task', 'sudoku4', '--stpes', '5'], /Unknown option '--stpes'/],
    [['train', '--task', 'sudoku4', '--steps', 'ten'], /--steps must be an integer, got 'ten'/],
    [['train', '--task', 'sudoku4', '--steps', '0'], /--steps must be at least 1, got 0/],
    [['train', '--task', 'chess', '--steps', '5'], /unknown task 'chess' \(known: sudoku4/],
    [['train', '--task', 'sudoku4'], /give --steps or --minutes/],
    [['train', '--task', 'sudoku4', '--steps', '5', '--grad-window', 'sideways'], /bad model config: .*gradWindow/],
    [['solve', '1234'], /--checkpoint is required/],
  ])('%j', async (argv, message) => {
    expect(await main(argv)).toBe(2);
    expect(err[0]).toMatch(message);
    expect(err.join('\n')).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('prints usage and exits 2 without a command, 0 with --help', async () => {
    expect(await main([])).toBe(2);
    expect(out.join('\n')).toMatch(/Commands:[\s\S]*train[\s\S]*solve/);
    expect(await main(['train', '--help'])).toBe(0);
    expect(out.join('\n')).toMatch(/--grad-window <w>/);
  });
});

describe('bad files exit 1 with the path and the reason', () => {
  it('a missing checkpoint', async () => {
    expect(await main(['solve', '--checkpoint', join(dir, 'nope.safetensors'), '1234'])).toBe(1);
    expect(err[0]).toMatch(/no checkpoint at .*nope\.safetensors/);
  });

  it('a file that is not a checkpoint', async () => {
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, 'definitely not safetensors');
    expect(await main(['eval', '--checkpoint', junk])).toBe(1);
    expect(err[0]).toMatch(/junk\.safetensors/);
    expect(err).toHaveLength(1);
  });
});

describe('train → eval → solve → resume on sudoku4', () => {
  const ckpt = join(dir, 's4.safetensors');

  it('trains a few steps, writing JSON lines and a checkpoint', async () => {
    const argv = ['train', '--task', 'sudoku4', '--steps', '4', '--out', ckpt, '--json', '--log-every', '2'];
    expect(await main([...argv, '--eval-every', '0', '--eval-size', '8', '--batch', '8'])).toBe(0);
    const records = out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.filter((r) => r.event === 'train').map((r) => r.step)).toEqual([2, 4]);
    expect(records.at(-1)).toMatchObject({ event: 'end', step: 4, stopped: false });
    expect(readFileSync(ckpt).byteLength).toBeGreaterThan(10_000);
  });

  it('takes the model size and gradient accumulation from flags, and stores them in the checkpoint', async () => {
    const sized = join(dir, 'sized.safetensors');
    const size = ['--hidden', '16', '--heads', '2', '--h-layers', '2', '--l-cycles', '3', '--halt-max-steps', '2'];
    const argv = ['train', '--task', 'sudoku4', '--steps', '1', '--out', sized, '--json', ...size];
    expect(await main([...argv, '--batch', '8', '--accumulate', '2', '--eval-every', '0', '--eval-size', '4'])).toBe(0);
    const saved = loadCheckpoint(sized);
    if (E.isLeft(saved)) throw saved.left;
    const config = saved.right.config as { model: Record<string, unknown>; train: Record<string, unknown> };
    expect(config.model).toMatchObject({ hidden: 16, heads: 2, hLayers: 2, lCycles: 3, haltMaxSteps: 2 });
    expect(config.train).toMatchObject({ batchSize: 8, accumulate: 2 });
    expect(
      await main([
        'train',
        '--task',
        'sudoku4',
        '--steps',
        '1',
        '--out',
        join(dir, 'x'),
        '--batch',
        '6',
        '--accumulate',
        '4',
      ]),
    ).toBe(2);
  });

  it('evaluates the checkpoint on unseen puzzles', async () => {
    expect(await main(['eval', '--checkpoint', ckpt, '--size', '16', '--json'])).toBe(0);
    const report = JSON.parse(out.join('').trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
    expect(report).toHaveProperty('count', 16);
    expect(report).toHaveProperty('perSegment');
  });

  it('solves a puzzle given as an argument, and rejects one that is malformed', async () => {
    const puzzle = '.2343.1221.3432.'; // the diagonal blanked: one solution
    // A model of 4 steps rarely solves it: the exit status says whether the answer is valid.
    const code = await main(['solve', '--checkpoint', ckpt, puzzle, '--json', '--trace']);
    const answer = JSON.parse(out.join('').trim()) as { answer: string; valid: boolean; perSegment: unknown[] };
    expect(code).toBe(answer.valid ? 0 : 1);
    expect(answer.perSegment.length).toBeGreaterThan(0);
    expect(answer.answer.replace(/[^0-9.]/g, '')).toHaveLength(16); // 16 cells, blanks as '.'

    expect(await main(['solve', '--checkpoint', ckpt, '12x4'])).toBe(1);
    expect(err[0]).toMatch(/not a sudoku4 puzzle/);
  });

  it('resumes from the checkpoint and continues to the new step count', async () => {
    const argv = ['train', '--task', 'sudoku4', '--steps', '6', '--out', ckpt, '--resume', '--json', '--batch', '8'];
    expect(await main([...argv, '--eval-every', '0', '--eval-size', '8', '--log-every', '1'])).toBe(0);
    const steps = out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.event === 'train')
      .map((r) => r.step);
    expect(steps).toEqual([5, 6]);
  });
});

describe('Ctrl-C during training', () => {
  it('saves a checkpoint at the current step and exits 0', async () => {
    const ckpt = join(dir, 'interrupted.safetensors');
    const bin = fileURLToPath(new URL('../bin.ts', import.meta.url));
    const argv = ['train', '--task', 'sudoku4', '--steps', '100000', '--out', ckpt, '--json', '--log-every', '1'];
    const child = spawn(process.execPath, [
      '--conditions=@hrm/source',
      '--import',
      'tsx',
      bin,
      ...argv,
      '--batch',
      '4',
      '--eval-every',
      '0',
    ]);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"event":"train"') && !child.killed) child.kill('SIGINT');
    });
    // Bounded wait, so a run that ignores Ctrl-C fails the test instead of outliving it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    const records = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const end = records.at(-1);
    expect(code).toBe(0);
    expect(end).toMatchObject({ event: 'end', stopped: true });
    const saved = loadCheckpoint(ckpt);
    expect(E.isRight(saved) && saved.right.step).toBe(end?.step);
  }, 60_000);
});

describe('the committed checkpoints', () => {
  const checkpoints = fileURLToPath(new URL('../../checkpoints', import.meta.url));

  it('hrm solve: the 4x4 checkpoint solves a puzzle with one blank per row', async () => {
    const puzzle = '.2343.1221.3432.';
    const argv = ['solve', '--checkpoint', join(checkpoints, 'sudoku4.safetensors'), puzzle, '--json'];
    expect(await main(argv)).toBe(0);
    const answer = JSON.parse(out.join('').trim()) as { answer: string; correct: boolean };
    expect(answer.correct).toBe(true);
    expect(answer.answer.replace(/[^0-9]/g, '')).toBe('1234341221434321');
  });

  it('hrm demo: solves unseen puzzles of every committed task, showing the segments', async () => {
    expect(await main(['demo', '--count', '2'])).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/== sudoku4/);
    expect(text).toMatch(/right after each segment: [✓·]+/);
    expect(text).toMatch(/solved/);
  });
});
