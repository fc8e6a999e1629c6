/**
 * `hrm` as a process: SIGINT, SIGTERM and SIGHUP save once and exit; a duplicate signal relayed within
 * milliseconds (npm relays the terminal's Ctrl-C to its child) is not a second Ctrl-C; a closed
 * stdout (`hrm eval | head -1`) ends quietly. These need real processes, so they spawn them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { DUPLICATE_SIGNAL_MS, signalAction } from './stop.js';

const dir = mkdtempSync(join(tmpdir(), 'hrm-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bin = fileURLToPath(new URL('../bin.ts', import.meta.url));
const hrm = [process.execPath, '--conditions=@hrm/source', '--import', 'tsx', bin];
const committed = fileURLToPath(new URL('../../checkpoints/sudoku4.safetensors', import.meta.url));

const training = (out: string) => [
  'train',
  ...['--task', 'sudoku4', '--steps', '100000', '--batch', '32', '--eval-every', '0'],
  ...['--out', out, '--json', '--log-every', '1'],
];

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Waits for `child` to exit (killing it after 30 s, so that a run that ignores signals fails the test). */
function ended(child: ChildProcess, onStdout: (text: string) => void = () => {}): Promise<Ended> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout(stdout);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

/** `hrm` with `argv`, as a command line: directly, or through `npm exec` (as `npm run hrm --` runs it). */
type Launcher = (argv: readonly string[]) => readonly string[];
const direct: Launcher = (argv) => [...hrm, ...argv];

/** Starts a long training run and sends `send` once it has logged its first step. */
function interruptTraining(out: string, send: (child: ChildProcess) => void, via = direct): Promise<Ended> {
  const [command, ...args] = via(training(out));
  // Its own process group, as a shell gives a job: a terminal's Ctrl-C goes to the whole group.
  const child = spawn(command, args, { detached: true });
  let sent = false;
  return ended(child, (stdout) => {
    if (!sent && stdout.includes('"event":"train"')) {
      sent = true;
      send(child);
    }
  });
}

/** The run stopped itself, saved the step it reached, and exited 0. */
function expectSavedAndStopped(r: Ended, out: string): void {
  expect(r.stderr).toBe('');
  expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
  const records = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const end = records.at(-1);
  expect(end).toMatchObject({ event: 'end', stopped: true });
  const saved = loadCheckpoint(out);
  expect(E.isRight(saved) && saved.right.step).toBe(end?.step);
  expect(existsSync(`${out}.lock`)).toBe(false);
}

describe('telling a signal from a second Ctrl-C', () => {
  it('the first stops, one within the duplicate window is ignored, one later quits', () => {
    expect(signalAction(undefined, 5000)).toBe('stop');
    expect(signalAction(5000, 5000 + DUPLICATE_SIGNAL_MS / 2)).toBe('duplicate');
    expect(signalAction(5000, 5000 + DUPLICATE_SIGNAL_MS + 1)).toBe('quit');
    expect(signalAction(5000, 5999)).toBe('quit');
    // A second signal long after the first is a new request to stop, not a double press.
    expect(signalAction(5000, 6001)).toBe('stop');
  });
});

describe('signals during training save once and exit 0', () => {
  it('SIGINT twice, 5 ms apart (npm relaying the terminal’s Ctrl-C), saves', async () => {
    const out = join(dir, 'relayed.safetensors');
    // Sent at once, the two would merge into one pending signal; 5 ms apart, both are delivered.
    const r = await interruptTraining(out, (child) => {
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGINT'), 5);
    });
    expectSavedAndStopped(r, out);
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)('%s saves', async (signal) => {
    const out = join(dir, `${signal}.safetensors`);
    expectSavedAndStopped(await interruptTraining(out, (child) => child.kill(signal)), out);
  });

  // npm relays the signals it gets to its script's process; with a shell that execs the command (bash,
  // as macOS's sh is) that process is hrm itself, which then gets the terminal's SIGINT and npm's.
  it.skipIf(!existsSync('/bin/bash'))('Ctrl-C through npm saves', async () => {
    const out = join(dir, 'npm.safetensors');
    const npm: Launcher = (argv) => ['npm', 'exec', '--script-shell=/bin/bash', '-c', [...hrm, ...argv].join(' ')];
    const r = await interruptTraining(out, (c) => process.kill(-(c.pid ?? 0), 'SIGINT'), npm);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/"event":"end","step":\d+,"stopped":true/);
    const saved = loadCheckpoint(out);
    expect(E.isRight(saved)).toBe(true);
  });
});

describe('a closed stdout', () => {
  it.each([['eval', '--checkpoint', committed, '--size', '8'], ['--help']])(
    '%j ends quietly with status 0',
    async (...argv) => {
      const [command, ...args] = hrm;
      const child = spawn(command, [...args, ...argv]);
      // The reader is gone before the first line is written: every write meets EPIPE.
      child.stdout.destroy();
      const r = await ended(child);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    },
  );
});
