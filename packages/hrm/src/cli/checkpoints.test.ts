/**
 * `hrm train`, `eval` and `solve` with the checkpoint files a user has: an existing `--out` is never
 * replaced by accident, `--resume` continues only the same run, one trainer writes a file at a time,
 * a missing folder is found before training, stale temporary files are cleared, and a checkpoint's
 * claims (finite weights, sizes) are checked before they cost anything.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { full, key } from '@hrm/core';
import { loadCheckpoint, saveCheckpoint } from '@hrm/nn/node';
import { runHrm } from '@hrm/testing/cli';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { reasonerFor } from '../arch.js';
import { toCheckpoint } from '../checkpoint.js';
import { decodeModelConfig } from '../config.js';
import { presetNamed } from '../presets/node.js';
import { initTrainState } from '../train.js';
import { decodeTrainConfig } from '../train-config.js';

const dir = mkdtempSync(join(tmpdir(), 'hrm-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const committed = fileURLToPath(new URL('../../checkpoints/sudoku4.safetensors', import.meta.url));

const hrm = runHrm;

/** A copy of the committed 4x4 checkpoint (4,000 steps of sudoku4 at the preset's settings, seed 0). */
function copyOfCommitted(name: string): string {
  const path = join(dir, name);
  copyFileSync(committed, path);
  return path;
}

const quick = ['--task', 'sudoku4', '--batch', '64', '--eval-every', '0', '--eval-size', '4', '--json'];

/** A pid that no process has: one that has just exited (pids are not reused at once). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid ?? 2 ** 22 + 1;
}

describe('an existing --out', () => {
  it('is refused without --resume or --force, naming its step, and left as it was', async () => {
    const out = copyOfCommitted('existing.safetensors');
    const r = await hrm('train', ...quick, '--steps', '3', '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/existing\.safetensors exists \(step 4000 of sudoku4\); give --resume to continue/);
    expect(r.err).toMatch(/--force to replace it/);
    expect(readFileSync(out).equals(readFileSync(committed))).toBe(true);
  });

  it('is replaced with --force', async () => {
    const out = copyOfCommitted('forced.safetensors');
    const r = await hrm('train', ...quick, '--steps', '1', '--batch', '4', '--out', out, '--force');
    expect(r.code).toBe(0);
    const saved = loadCheckpoint(out);
    expect(E.isRight(saved) && saved.right.step).toBe(1);
  });

  it('--resume and --force together are refused', async () => {
    const r = await hrm('train', ...quick, '--steps', '1', '--out', join(dir, 'x.safetensors'), '--resume', '--force');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/give --resume or --force, not both/);
  });
});

describe('--resume', () => {
  it('with no file at --out is refused, saying so', async () => {
    const r = await hrm('train', ...quick, '--steps', '3', '--out', join(dir, 'never-written.safetensors'), '--resume');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no checkpoint at .*never-written\.safetensors to resume \(leave out --resume/);
    expect(existsSync(join(dir, 'never-written.safetensors'))).toBe(false);
  });

  it('with other settings than the run it continues is refused, naming each, and the file is left as it was', async () => {
    const out = copyOfCommitted('resumed.safetensors');
    const r = await hrm('train', ...quick, '--steps', '4001', '--out', out, '--resume', '--seed', '1', '--lr', '0.01');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot resume: .*resumed\.safetensors holds another run: /);
    expect(r.err).toMatch(/train\.lr is 0\.003 there and 0\.01 here/);
    expect(r.err).toMatch(/train\.seed is 0 there and 1 here/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(out).equals(readFileSync(committed))).toBe(true);
  });

  it('with the same settings continues the run', async () => {
    const out = copyOfCommitted('continued.safetensors');
    const r = await hrm('train', ...quick, '--steps', '4001', '--out', out, '--resume');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const saved = loadCheckpoint(out);
    expect(E.isRight(saved) && saved.right.step).toBe(4001);
  });
});

describe('one trainer per --out', () => {
  it('a second writer is refused while the first holds the lock', async () => {
    const out = join(dir, 'locked.safetensors');
    // This process is alive: a lock holding its pid is a live one.
    writeFileSync(`${out}.lock`, `${process.pid}\n`);
    const r = await hrm('train', ...quick, '--steps', '1', '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(`locked\\.safetensors is being written by process ${process.pid} \\(.*locked\\.safetensors\\.lock\\)`),
    );
    expect(existsSync(out)).toBe(false);
    rmSync(`${out}.lock`);
  });

  it('a stale lock of a dead process is taken over with a warning, and the lock is gone after the run', async () => {
    const out = join(dir, 'stale-lock.safetensors');
    const pid = deadPid();
    writeFileSync(`${out}.lock`, `${pid}\n`);
    const r = await hrm('train', ...quick, '--steps', '1', '--batch', '4', '--out', out);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(new RegExp(`taking over the lock .*stale-lock\\.safetensors\\.lock of process ${pid}`));
    expect(existsSync(out)).toBe(true);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});

describe('before training starts', () => {
  it('an --out in a missing folder is refused, naming the folder', async () => {
    const out = join(dir, 'no', 'such', 'folder', 'c.safetensors');
    const r = await hrm('train', ...quick, '--steps', '1', '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot write .*c\.safetensors: the folder .*folder does not exist/);
    expect(r.out).not.toMatch(/training/);
  });

  it('temporary files of dead writers beside --out are removed, those of live ones kept', async () => {
    const sub = mkdtempSync(join(dir, 'temps-'));
    const out = join(sub, 'c.safetensors');
    const dead = `.c.safetensors.${deadPid()}-0badf00d.tmp`;
    const live = `.c.safetensors.${process.pid}-cafebabe.tmp`;
    const others = ['.c.safetensors.notatemp', `.other.safetensors.${deadPid()}-0badf00d.tmp`];
    for (const f of [dead, live, ...others]) writeFileSync(join(sub, f), 'partial');
    const r = await hrm('train', ...quick, '--steps', '1', '--batch', '4', '--out', out);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/removed .*\.c\.safetensors\.\d+-0badf00d\.tmp, left by process \d+/);
    expect(readdirSync(sub).sort()).toEqual([live, ...others, 'c.safetensors'].sort());
  });

  it('eval --out in a missing folder is refused before the evaluation', async () => {
    const r = await hrm('eval', '--checkpoint', committed, '--out', join(dir, 'missing'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot write in .*missing: the folder does not exist/);
    expect(r.out).toBe('');
  });

  it('stray arguments are refused (a variable meant for the environment is not ignored)', async () => {
    const r = await hrm('train', ...quick, '--steps', '1', 'HRM_DATA=/x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unexpected argument 'HRM_DATA=\/x'.*before the command/);
    expect((await hrm('eval', '--checkpoint', committed, 'extra')).err).toMatch(/unexpected argument 'extra'/);
  });
});

describe('size flags have bounds, named in the error', () => {
  it.each([
    [['train', '--task', 'sudoku4', '--steps', '1', '--batch', '1e7'], /--batch must be at most 4096, got 10000000/],
    [['train', '--task', 'sudoku4', '--steps', '1e10'], /--steps must be at most 1000000000/],
    [['train', '--task', 'sudoku4', '--steps', '1', '--eval-size', '1e6'], /--eval-size must be at most 100000/],
    [['train', '--task', 'sudoku4', '--steps', '1', '--lr', '1e300'], /--lr must be at most 1, got 1e\+300/],
    [['eval', '--checkpoint', committed, '--size', '1e8'], /--size must be at most 100000, got 100000000/],
    [['eval', '--checkpoint', committed, '--segments', '1e6'], /--segments must be at most 1024/],
    [['solve', '--checkpoint', committed, '--segments', '1e6', '1'], /--segments must be at most 1024/],
    [['solve', '--checkpoint', committed, '--halt-margin', 'x', '1'], /--halt-margin must be a number/],
  ])('%j', async (argv, message) => {
    const r = await hrm(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('hrm solve --halt-margin', () => {
  it('halts where the margin says: never before the last segment with a margin past any Q value', async () => {
    const run = async (...extra: string[]) => {
      const r = await hrm('solve', '--checkpoint', committed, '.2343.1221.3432.', '--json', ...extra);
      return JSON.parse(r.out.trim()) as { haltSegment: number };
    };
    const segments = Number(presetNamed('sudoku4')?.model.haltMaxSteps);
    expect((await run('--halt-margin', '100')).haltSegment).toBe(segments);
    expect((await run('--halt-margin=-100')).haltSegment).toBe(1);
  });
});

/** The committed checkpoint with its metadata's config changed by `edit` (the tensors as they were). */
function forged(name: string, edit: (config: Record<string, unknown>) => void): string {
  const bytes = readFileSync(committed);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  const config = JSON.parse(header.__metadata__.config);
  edit(config);
  header.__metadata__.config = JSON.stringify(config);
  const text = Buffer.from(JSON.stringify(header), 'utf8');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(text.length));
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([size, text, bytes.subarray(8 + length)]));
  return path;
}

describe("a checkpoint's claims are checked before anything is built", () => {
  it('a model config whose sizes the tensors do not have is refused at once', async () => {
    const path = forged('forged-hidden.safetensors', (c) => {
      (c.model as Record<string, unknown>).hidden = 4096;
    });
    const t0 = performance.now();
    const r = await hrm('solve', '--checkpoint', path, '.2343.1221.3432.');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /forged-hidden\.safetensors: the config says hidden 4096, but tensor 'params\.params\.embed\.table' is \[6, 64\]/,
    );
    expect(performance.now() - t0).toBeLessThan(2000); // it took 65 s and 1.2 GB to fail
  }, 10_000);

  it('a model config past the bounds is refused, naming the bound', async () => {
    const path = forged('forged-huge.safetensors', (c) => {
      (c.model as Record<string, unknown>).hidden = 2 ** 20;
    });
    const r = await hrm('eval', '--checkpoint', path, '--size', '4');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/forged-huge\.safetensors: bad model config: hidden: 1048576 is over the limit/);
  });

  it('a model config of another task than its sequences is refused', async () => {
    const path = forged('forged-task.safetensors', (c) => {
      c.task = 'sudoku6';
    });
    const r = await hrm('eval', '--checkpoint', path, '--size', '4');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/forged-task\.safetensors: a sudoku6 model has vocabSize 8 and seqLen 36, this one 6 and 16/);
  });

  it('non-finite weights are refused on load, with the path and the reason', async () => {
    const model = decodeModelConfig(presetNamed('sudoku4')?.model);
    const train = decodeTrainConfig({ totalSteps: 1, batchSize: 2 });
    if (E.isLeft(model) || E.isLeft(train)) throw new Error('preset configs');
    const state = initTrainState(reasonerFor(model.right), key(0), train.right);
    const qHead = { ...state.params.qHead, b: full([2], Number.POSITIVE_INFINITY) };
    const broken = { ...state, params: { ...state.params, qHead } };
    const path = join(dir, 'infinite.safetensors');
    const saved = saveCheckpoint(path, toCheckpoint(broken, model.right, train.right, { task: 'sudoku4' }), {
      allowNonFinite: true,
    });
    expect(E.isRight(saved)).toBe(true);
    const r = await hrm('solve', '--checkpoint', path, '.2343.1221.3432.');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/infinite\.safetensors: tensor 'params\.params\.qHead\.b': 2 of its 2 values are not finite/);
    expect(r.out).toBe('');
  });
});
