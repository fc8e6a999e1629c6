/**
 * `hrm train --mixer grid`: a model whose weights do not depend on the grid's size (the grid mixer
 * without learned positions), which `hrm eval --on` then scores on mazes of another size; a model
 * tied to its size is refused there, and bad mixer choices are usage errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHrm } from '@hrm/testing/cli';
import { afterAll, describe, expect, it } from 'vitest';

describe('hrm train --mixer grid, scored on another size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hrm-size-free-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const small = ['--hidden', '16', '--heads', '2', '--halt-max-steps', '2', '--batch', '4', '--eval-every', '0'];
  const train = (out: string, ...flags: string[]) =>
    runHrm('train', '--task', 'maze9', '--steps', '1', '--out', join(dir, out), '--eval-size', '4', ...small, ...flags);
  const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;

  it('trains a grid-mixer model on 9x9 mazes and scores it on 11x11 ones', async () => {
    expect((await train('grid.safetensors', '--mixer', 'grid', '--pos-encodings', 'none')).code).toBe(0);
    const ckpt = join(dir, 'grid.safetensors');
    const own = await runHrm('eval', '--checkpoint', ckpt, '--size', '4', '--json');
    expect(own.code).toBe(0);
    const r = await runHrm('eval', '--checkpoint', ckpt, '--size', '6', '--on', 'maze11', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = lastJson(r.out);
    expect(report.task).toBe('maze11');
    expect(report.count).toBe(6);
    expect(report.perSegment).toHaveLength(2);
  });

  it('refuses another size for a model tied to its size, saying which models can', async () => {
    // The maze preset's own model: a token-mixing MLP over 81 positions and learned positions.
    expect((await train('mlp.safetensors')).code).toBe(0);
    const r = await runHrm('eval', '--checkpoint', join(dir, 'mlp.safetensors'), '--on', 'maze11');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/a maze9 model cannot be scored on maze11: .*seqLen 121.*\(only a size-free model/);
    // The grid mixer with learned positions is tied to its size too.
    expect((await train('learned.safetensors', '--mixer', 'grid')).code).toBe(0);
    const learned = await runHrm('eval', '--checkpoint', join(dir, 'learned.safetensors'), '--on', 'maze11');
    expect(learned.err).toMatch(/only a size-free model/);
  });

  it('rejects an unknown mixer, and the grid mixer with RoPE, naming the field', async () => {
    const unknown = await train('x.safetensors', '--mixer', 'conv');
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/--mixer: unknown mixer 'conv' \(known: attention, mlp-t, grid\)/);
    const rope = await train('y.safetensors', '--mixer', 'grid', '--pos-encodings', 'rope');
    expect(rope.code).not.toBe(0);
    expect(rope.err).toMatch(/posEncodings: the grid mixer has no attention for RoPE/);
  });
});
