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

  it('fine-tunes from those weights at another size (--init): unchanged by a step at a vanishing rate', async () => {
    const grid = join(dir, 'grid.safetensors');
    const tuned = join(dir, 'tuned.safetensors');
    // The model comes from the file (grid mixer, no positions), at maze11's length.
    const r = await runHrm(
      'train',
      '--task',
      'maze11',
      '--init',
      grid,
      '--steps',
      '1',
      '--lr',
      '1e-30',
      '--out',
      tuned,
      '--batch',
      '4',
      '--eval-every',
      '0',
      '--eval-size',
      '4',
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const start = JSON.parse(r.out.split('\n')[0]) as { model: { seqLen: number; gridMixer: boolean; hidden: number } };
    expect(start.model).toMatchObject({ seqLen: 121, gridMixer: true, hidden: 16 });
    // Same weights, same puzzles: the tuned model scores maze11 exactly as the 9x9 one run at 11x11.
    const scores = async (...a: string[]) => {
      const out = await runHrm('eval', '--size', '6', '--json', ...a);
      expect(out.code).toBe(0);
      const { perSegment, atHalt } = lastJson(out.out);
      return { perSegment, atHalt };
    };
    expect(await scores('--checkpoint', tuned)).toEqual(await scores('--checkpoint', grid, '--on', 'maze11'));
  });

  it('refuses --init weights that do not fit: another size without the grid mixer, or another width', async () => {
    const mlp = join(dir, 'tied.safetensors');
    expect((await train('tied.safetensors')).code).toBe(0);
    const other = await runHrm(
      'train',
      '--task',
      'maze11',
      '--init',
      mlp,
      '--steps',
      '1',
      '--out',
      join(dir, 'z.safetensors'),
    );
    expect(other.code).not.toBe(0);
    expect(other.err).toMatch(/--init: .* is a maze9 model of seqLen 81, and maze11 has 121; only a size-free model/);
    const wider = await runHrm(
      'train',
      '--task',
      'maze9',
      '--init',
      mlp,
      '--hidden',
      '32',
      '--steps',
      '1',
      '--out',
      join(dir, 'w.safetensors'),
    );
    expect(wider.code).not.toBe(0);
    expect(wider.err).toMatch(
      /--init: cannot start from those weights: buffers\.hInit is \[16\] float32 in the starting weights, \[32\] float32 in this model/,
    );
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
