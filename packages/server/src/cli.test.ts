/**
 * `hrm serve` and `hrm mcp` as commands: flags checked by `hrm` (usage errors exit 2, a bad checkpoint
 * exits 1 naming it), and a real `hrm serve` process that answers, then on SIGTERM finishes the
 * request in flight and exits 0.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../hrm/src/cli/main.js';

const BIN = fileURLToPath(new URL('../../hrm/src/bin.ts', import.meta.url));
const SUDOKU4 = fileURLToPath(new URL('../../hrm/checkpoints/sudoku4.safetensors', import.meta.url));

describe('flags', () => {
  let err: string[];
  let out: string[];
  beforeEach(() => {
    err = [];
    out = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([
    [['serve', '--port', 'http'], /--port must be an integer, got 'http'/],
    [['serve', '--port', '70000'], /--port must be at most 65535/],
    [['serve', '--batch', '0'], /--batch must be at least 1/],
    [['mcp', '--port', '8080'], /Unknown option '--port'/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    expect(await main(argv)).toBe(2);
    expect(err[0]).toMatch(message);
  });

  it('a missing checkpoint or folder exits 1, naming it', async () => {
    expect(await main(['serve', '--checkpoint', '/nowhere/x.safetensors'])).toBe(1);
    expect(err[0]).toBe('hrm serve: no checkpoint at /nowhere/x.safetensors');
    expect(await main(['mcp', '--checkpoints', '/nowhere'])).toBe(1);
    expect(err[1]).toBe('hrm mcp: no checkpoint folder at /nowhere');
  });

  it('--help lists the flags without loading anything', async () => {
    expect(await main(['serve', '--help'])).toBe(0);
    expect(out.join('\n')).toMatch(/--api-key <key>[\s\S]*HRM_API_KEY/);
  });
});

describe('hrm serve', () => {
  it('answers, and on SIGTERM finishes the request in flight, then exits 0', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=@hrm/source', '--import', 'tsx', BIN, 'serve', '--port', '0', SUDOKU4, '--batch-ms', '300'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stderr.resume();
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(stdout);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stdout}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { models: { id: string }[] };
    expect(models.models.map((m) => m.id)).toEqual(['sudoku4']);
    // The request waits 300 ms for company in the batching queue: the signal comes while it is in flight.
    const inFlight = fetch(`${url}/v1/solve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'sudoku4', puzzle: '.......1.34..4..' }),
    });
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { valid: boolean }).valid).toBe(true);
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/SIGTERM: no new requests[\s\S]*hrm serve: stopped/);
  });
});
