/**
 * `hrm import` and `hrm export` on files PyTorch wrote (torch/fixtures): a tiny HRM saved as the official
 * pretrain.py saves it, with its all_config.yaml and dataset.json. The imported checkpoint must be one that
 * `hrm solve` runs; exporting it must give back the same tensors, names and config.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { decodeModelConfig } from '../config.js';
import { readStateDictFile } from '../torch/files.js';
import { modelFromOfficialConfig } from '../torch/official-config.js';
import { torchSaveBytes } from '../torch/save.js';
import { parse } from './args.js';
import { exportCommand } from './export-command.js';
import { importCommand } from './import-command.js';
import { readModelFile } from './model-file.js';
import { solve } from './solve.js';

const fixtures = new URL('../torch/fixtures/', import.meta.url).pathname;
const tiny = join(fixtures, 'hrm-tiny');
const dir = mkdtempSync(join(tmpdir(), 'hrm-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let out: string[] = [];
beforeEach(() => {
  out = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out.push(a.join(' '));
  });
});
afterEach(() => vi.restoreAllMocks());

const run = async (command: typeof importCommand, argv: string[]) => command.run(parse(command, argv));
const importTo = (file: string, ...argv: string[]) =>
  run(importCommand, [...argv, '--dataset', join(tiny, 'dataset.json'), '--out', file]);

describe('hrm import', () => {
  const imported = join(dir, 'tiny.safetensors');

  it('reads an official torch.save checkpoint and its config into a checkpoint hrm solve runs', async () => {
    expect(await importTo(imported, join(tiny, 'step_10'))).toBe(0);
    expect(out.join('\n')).toMatch(/imported 15 tensors \(HRM, 0\.01M parameters, step 10\)/);
    const m = readModelFile(imported);
    expect(m.preset.name).toBe('sudoku4');
    expect(m.step).toBe(10);
    expect(m.model).toMatchObject({ arch: 'hrm', hidden: 8, heads: 2, vocabSize: 6, seqLen: 16, multipleOf: 256 });
    // lm_head [vocab, hidden] in PyTorch is [hidden, vocab] here.
    const sd = readStateDictFile(join(tiny, 'step_10'));
    if (E.isLeft(sd)) throw sd.left;
    const lm = sd.right['_orig_mod.model.inner.lm_head.weight'];
    expect(m.params.lmHead.w.shape).toEqual([8, 6]);
    expect((m.params.lmHead.w.toArray() as number[][])[3][2]).toBe(lm.data[2 * 8 + 3]);
    out = [];
    // The tiny fixture model is untrained: solve runs and judges its answer (exit 1 when it is not valid).
    const code = await run(solve, ['--checkpoint', imported, '--json', '.2343.1221.3432.']);
    const verdict = JSON.parse(out.join('')) as { answer: string; valid: boolean };
    expect(verdict).toHaveProperty('answer');
    expect(code).toBe(verdict.valid ? 0 : 1);
  });

  it('imports the all-bfloat16 copy', async () => {
    const file = join(dir, 'bf16.pt');
    copyFileSync(join(fixtures, 'hrm-tiny-bf16.pt'), file);
    expect(await importTo(join(dir, 'bf16.safetensors'), file, '--config', join(tiny, 'all_config.yaml'))).toBe(0);
  });

  it('asks for the sequence length that a RoPE model does not hold', async () => {
    await expect(run(importCommand, [join(tiny, 'step_10'), '--out', join(dir, 'x.safetensors')])).rejects.toThrow(
      /the sequence length is not in the checkpoint \(its positions are RoPE\); give --dataset data\/tiny\/train\/dataset\.json or --seq-len N/,
    );
    expect(
      await run(importCommand, [join(tiny, 'step_10'), '--seq-len', '16', '--out', join(dir, 'y.safetensors')]),
    ).toBe(0);
  });

  it('names every missing and unexpected tensor', async () => {
    for (const [file, message] of [
      ['missing.pt', "missing '_orig_mod.model.inner.lm_head.weight' (expected shape [6, 8])"],
      ['extra.pt', "unexpected '_orig_mod.model.inner.extra_head.weight' (not part of this HRM config)"],
    ]) {
      const at = join(dir, file);
      copyFileSync(join(fixtures, file), at);
      await expect(importTo(join(dir, 'z.safetensors'), at, '--config', join(tiny, 'all_config.yaml'))).rejects.toThrow(
        message,
      );
    }
  });

  it('refuses non-finite weights, naming them', async () => {
    const sd = readStateDictFile(join(tiny, 'step_10'));
    if (E.isLeft(sd)) throw sd.left;
    const entries = Object.entries(sd.right).map(([n, t]) => {
      const values = Float32Array.from(t.data);
      if (n.endsWith('q_head.weight')) values[1] = Number.NaN;
      return [n, { dtype: 'F32' as const, shape: t.shape, values }] as const;
    });
    const at = join(dir, 'step_11');
    writeFileSync(at, torchSaveBytes(entries));
    await expect(importTo(join(dir, 'n.safetensors'), at, '--config', join(tiny, 'all_config.yaml'))).rejects.toThrow(
      "'_orig_mod.model.inner.q_head.weight' holds 1 non-finite values (NaN or ±Infinity)",
    );
  });

  it('refuses unknown model keys and reports unknown training keys', async () => {
    const doc = parseYaml(readFileSync(join(tiny, 'all_config.yaml'), 'utf8')) as Record<string, unknown>;
    const bad = { ...doc, arch: { ...(doc.arch as object), H_cylces: 3 }, wandb_team: 'x' };
    expect(modelFromOfficialConfig(bad)).toEqual({
      problems: ['arch.H_cylces: unknown key (not a setting of hrm.hrm_act_v1@HierarchicalReasoningModel_ACTV1)'],
    });
    const noted = modelFromOfficialConfig({ ...doc, wandb_team: 'x', arch: { ...(doc.arch as object), mlp_t: true } });
    expect('model' in noted && noted.model.notes).toEqual([
      'arch.mlp_t: ignored, as hrm.hrm_act_v1@HierarchicalReasoningModel_ACTV1 has no such setting',
      'wandb_team: not a setting of the official trainers; ignored',
    ]);
  });
});

describe('hrm export', () => {
  it('gives back the official tensors, names and config: export → import is the identity', async () => {
    const imported = join(dir, 'roundtrip.safetensors');
    await importTo(imported, join(tiny, 'step_10'));
    const outDir = join(dir, 'exported');
    expect(await run(exportCommand, ['--checkpoint', imported, '--out', outDir, '--data-path', 'data/tiny'])).toBe(0);

    const original = readStateDictFile(join(tiny, 'step_10'));
    if (E.isLeft(original)) throw original.left;
    for (const file of ['step_10', 'model.safetensors']) {
      const back = readStateDictFile(join(outDir, file));
      if (E.isLeft(back)) throw back.left;
      expect(Object.keys(back.right).sort(), file).toEqual(Object.keys(original.right).sort());
      for (const [name, t] of Object.entries(original.right)) {
        expect(back.right[name].shape, name).toEqual(t.shape);
        expect(back.right[name].storedAs, name).toBe(t.storedAs);
        expect(Array.from(back.right[name].data), name).toEqual(Array.from(t.data));
      }
    }
    // The config describes the same model, and the official keys of the fixture's are all there.
    const exported = parseYaml(readFileSync(join(outDir, 'all_config.yaml'), 'utf8')) as Record<string, unknown>;
    const fixture = parseYaml(readFileSync(join(tiny, 'all_config.yaml'), 'utf8')) as Record<string, unknown>;
    for (const k of Object.keys(fixture)) expect(exported, k).toHaveProperty(k);
    for (const k of Object.keys(fixture.arch as object)) expect(exported.arch, k).toHaveProperty(k);
    const again = modelFromOfficialConfig(exported);
    if (!('model' in again)) throw new Error(again.problems.join('; '));
    const cfg = decodeModelConfig({ ...again.model.model, vocabSize: 6, seqLen: 16, numPuzzleIdentifiers: 3 });
    expect(cfg).toEqual(E.right(readModelFile(imported).model));

    // And importing the export gives the same weights.
    const twice = join(dir, 'twice.safetensors');
    expect(await importTo(twice, join(outDir, 'step_10'))).toBe(0);
    const a = readModelFile(imported);
    const b = readModelFile(twice);
    expect(b.params.L[0].mlp.gateUp.toArray()).toEqual(a.params.L[0].mlp.gateUp.toArray());
    expect(b.buffers.hInit.toArray()).toEqual(a.buffers.hInit.toArray());
  });

  it('refuses a model the official code cannot build (SwiGLU widths not a multiple of 256)', async () => {
    const committed = new URL('../../checkpoints/sudoku4.safetensors', import.meta.url).pathname;
    await expect(run(exportCommand, ['--checkpoint', committed, '--out', join(dir, 'no')])).rejects.toThrow(
      /the official code cannot load this model: multipleOf \d+: the official SwiGLU rounds its width to a multiple of 256/,
    );
  });
});
