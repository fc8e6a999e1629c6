import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AnyTensor, key, tensor } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from './files.js';
import type { Checkpoint } from './index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hrm-checkpoint-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const small = (step: number): Checkpoint<{ w: AnyTensor }> => ({
  params: {
    w: tensor([
      [step, 2],
      [3, 4],
    ]),
  },
  optState: { m: [tensor([0.5])] },
  step,
  key: key(step),
  config: { lr: 0.01, tag: `run-${step}` },
});

function loaded(path: string): Checkpoint {
  const r = loadCheckpoint(path);
  if (E.isLeft(r)) throw r.left;
  return r.right;
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips through a file, replaces it on the next save, and leaves no temporary files', () => {
    const path = join(dir, 'run.safetensors');
    expect(E.isRight(saveCheckpoint(path, small(1)))).toBe(true);
    expect(E.isRight(saveCheckpoint(path, small(2)))).toBe(true);
    const back = loaded(path);
    expect(back.step).toBe(2);
    expect([...back.key]).toEqual([...key(2)]);
    expect(back.config).toEqual({ lr: 0.01, tag: 'run-2' });
    expect((back.params as { w: AnyTensor }).w.toArray()).toEqual([
      [2, 2],
      [3, 4],
    ]);
    expect(readdirSync(dir)).toEqual(['run.safetensors']);
  });

  it('checks against a template when loading from a file', () => {
    const path = join(dir, 'run.safetensors');
    saveCheckpoint(path, small(1));
    const r = loadCheckpoint(path, { params: { w: tensor([1, 2]) } });
    expect(E.isLeft(r) && r.left.message).toBe(
      `${path}: tensor 'params.w' has shape [2, 2] in the file, but the template has [2]`,
    );
  });

  it('says why a file cannot be read or written, and writes nothing invalid', () => {
    const missing = join(dir, 'nope.safetensors');
    const read = loadCheckpoint(missing);
    expect(E.isLeft(read) && read.left.message).toMatch(`${missing}: cannot read checkpoint: ENOENT`);
    const nowhere = join(dir, 'no-such-dir', 'run.safetensors');
    const write = saveCheckpoint(nowhere, small(1));
    expect(E.isLeft(write) && write.left.message).toMatch(`${nowhere}: cannot write checkpoint: ENOENT`);

    const path = join(dir, 'run.safetensors');
    saveCheckpoint(path, small(1));
    const bad = saveCheckpoint(path, { ...small(2), step: -1 });
    expect(E.isLeft(bad) && bad.left.message).toBe(`${path}: step must be a non-negative integer, got -1`);
    expect(loaded(path).step).toBe(1);
    expect(readdirSync(dir)).toEqual(['run.safetensors']);
  });

  it('keeps a good checkpoint rather than save NaN over it, and names the path when loading one', () => {
    const path = join(dir, 'run.safetensors');
    saveCheckpoint(path, small(1));
    const step2 = {
      ...small(2),
      params: {
        w: tensor([
          [Number.NaN, 2],
          [3, 4],
        ]),
      },
    };
    const refused = saveCheckpoint(path, step2);
    expect(E.isLeft(refused) && refused.left.message).toBe(
      `${path}: tensor 'params.w': 1 of its 4 values is not finite (1 NaN, 0 ±Infinity); pass allowNonFinite to save it anyway`,
    );
    expect(loaded(path).step).toBe(1);
    expect(readdirSync(dir)).toEqual(['run.safetensors']);
    // Written on request (to inspect a diverged run), refused on loading unless requested again.
    expect(E.isRight(saveCheckpoint(path, step2, { allowNonFinite: true }))).toBe(true);
    const load = loadCheckpoint(path);
    expect(E.isLeft(load) && load.left.message).toBe(
      `${path}: tensor 'params.w': 1 of its 4 values is not finite (1 NaN, 0 ±Infinity); pass allowNonFinite to load it anyway`,
    );
    const template = {
      params: {
        w: tensor([
          [0, 0],
          [0, 0],
        ]),
      },
      optState: { m: [tensor([0])] },
    };
    expect(E.isLeft(loadCheckpoint(path, template))).toBe(true);
    const inspected = loadCheckpoint(path, template, { allowNonFinite: true });
    expect(E.isRight(inspected) && inspected.right.params.w.toArray()).toEqual([
      [Number.NaN, 2],
      [3, 4],
    ]);
    expect(E.isRight(loadCheckpoint(path, undefined, { allowNonFinite: true }))).toBe(true);
  });
});

describe('a write killed midway', () => {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const writer = `
    import { key, zeros } from ${JSON.stringify(new URL('../../../core/src/index.ts', import.meta.url).href)};
    import { saveCheckpoint } from ${JSON.stringify(new URL('./files.ts', import.meta.url).href)};
    const [target, count, size] = process.argv.slice(2);
    // About 200 MB in 50 tensors, so the write takes long enough to be caught in the middle.
    const params = Array.from({ length: Number(count) }, () => zeros([Number(size)]));
    const result = saveCheckpoint(target, { params, step: 99, key: key(99), config: {} });
    process.stdout.write(result._tag);
  `;

  it('leaves the previous checkpoint intact, and its temporary file is never taken for a checkpoint', async () => {
    const target = join(dir, 'run.safetensors');
    expect(E.isRight(saveCheckpoint(target, small(1)))).toBe(true);
    const before = readFileSync(target);
    const scriptDir = mkdtempSync(join(tmpdir(), 'hrm-checkpoint-writer-'));
    const script = join(scriptDir, 'writer.mts');
    writeFileSync(script, writer);

    const child = spawn(
      process.execPath,
      ['--conditions=@hrm/source', '--import', 'tsx', script, target, '50', `${2 ** 20}`],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, signal) => resolve(signal)));
    // Kill it once its temporary file holds some data: the write is under way and far from finished.
    const poll = setInterval(() => {
      const temp = readdirSync(dir).find((f) => f.endsWith('.tmp'));
      if (temp !== undefined && statSync(join(dir, temp)).size > 2 ** 20) child.kill('SIGKILL');
    }, 1);
    const signal = await exited;
    clearInterval(poll);
    rmSync(scriptDir, { recursive: true, force: true });
    expect(signal, `the writer was not killed mid-write; it said: ${output}`).toBe('SIGKILL');

    const temps = readdirSync(dir).filter((f) => f !== 'run.safetensors');
    expect(temps).toHaveLength(1);
    expect(temps[0]).toMatch(/^\.run\.safetensors\.\d+-[0-9a-f]{8}\.tmp$/);
    const written = statSync(join(dir, temps[0])).size;
    expect(written).toBeGreaterThan(2 ** 20);
    expect(written).toBeLessThan(200 * 2 ** 20);

    expect(readFileSync(target).equals(before)).toBe(true);
    const back = loaded(target);
    expect(back.step).toBe(1);
    expect(back.config).toEqual({ lr: 0.01, tag: 'run-1' });
    // The partial file is not a checkpoint anyone could load by mistake.
    expect(E.isLeft(loadCheckpoint(join(dir, temps[0])))).toBe(true);
    // And it does not get in the way of the next save.
    expect(E.isRight(saveCheckpoint(target, small(3)))).toBe(true);
    expect(loaded(target).step).toBe(3);
  });
});
