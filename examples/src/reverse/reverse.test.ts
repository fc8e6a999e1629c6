import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { key } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { load, save } from './checkpoint.js';
import { forward } from './model.js';
import { DEFAULT_CONFIG, evaluate, reverseBatch, train, trainStep } from './train.js';

const dir = mkdtempSync(join(tmpdir(), 'reverse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the reverse-a-sequence Transformer', () => {
  const cfg = { ...DEFAULT_CONFIG, steps: 150, seed: 4 };
  const state = train(cfg);

  it('learns the task', () => {
    expect(evaluate(state.params, cfg).exact).toBeGreaterThan(0.9);
  });

  it('saves and reloads to identical outputs', () => {
    const path = join(dir, 'model.safetensors');
    expect(E.isRight(save(path, state, cfg))).toBe(true);
    const loaded = load(path, cfg);
    if (E.isLeft(loaded)) throw loaded.left;
    const { inputs } = reverseBatch(key(7), 8, cfg.model);
    expect(Array.from(forward(loaded.right.params, inputs, cfg.model).data())).toEqual(
      Array.from(forward(state.params, inputs, cfg.model).data()),
    );
  });

  it('resumes from a checkpoint to the same numbers as an uninterrupted run', () => {
    const short = { ...cfg, steps: 6 };
    const straight = train(short);
    const half = train({ ...short, steps: 3 });
    const path = join(dir, 'half.safetensors');
    save(path, half, short);
    const resumed = E.getOrElseW((e: Error) => {
      throw e;
    })(load(path, short));
    const a = trainStep(trainStep(trainStep(resumed, short).state, short).state, short).state;
    expect(Array.from(a.params.head.w.data())).toEqual(Array.from(straight.params.head.w.data()));
  });
});
