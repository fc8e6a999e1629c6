/**
 * The training loop as a long run meets it: memory flat over hundreds of steps, no checkpoint of
 * non-finite weights, and no resuming of a checkpoint written by another run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentBackend, type Key, key, setDefaultBackend } from '@hrm/core';
import { randomBatch, tinyConfig } from '@hrm/testing/tiny';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './loop.js';
import { NonFiniteError } from './train.js';
import { trainConfig } from './train-config.js';

const dir = mkdtempSync(join(tmpdir(), 'hrm-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model = tinyConfig({ haltMaxSteps: 2, hCycles: 1, lCycles: 1 });
const data = (k: Key, step: number) => randomBatch(key(1000 + step + k[1]), 2, model);

describe('a 500-step run', () => {
  it('holds as many live buffers after the last step as after warm-up, saving and evaluating (wasm)', async () => {
    // `run` is async and `withBackend` scopes only its synchronous part, so the default backend is set
    // for the whole run instead (and put back after).
    const before = currentBackend();
    setDefaultBackend('wasm');
    const live: number[] = [];
    try {
      // The caller owns the evaluation batches (the CLI makes them once), so they are made once here.
      const evaluationBatches = [data(key(0), 0)];
      const train = trainConfig({ batchSize: 2, totalSteps: 500, lr: 1e-3, lrWarmupSteps: 0 });
      await run({
        model,
        train,
        key: key(3),
        data,
        log: (r) => {
          if (r.event === 'train') live.push(currentBackend().liveBuffers());
        },
        // Saves and evaluations along the way, so that their buffers are counted too.
        checkpoint: { path: join(dir, 'soak.safetensors'), every: 100 },
        evaluation: { every: 250, batches: () => evaluationBatches },
      });
      expect(currentBackend().name).toBe('wasm');
    } finally {
      setDefaultBackend(before);
    }
    expect(live).toHaveLength(500);
    // A leak of one buffer a step would add 490 here.
    const afterWarmUp = live.slice(10);
    expect(Math.max(...afterWarmUp) - Math.min(...afterWarmUp)).toBe(0);
  }, 20_000);
});

describe('a run that diverges', () => {
  const diverging = { batchSize: 2, lr: 3e37, weightDecay: 10, lrWarmupSteps: 0 };

  it('never writes non-finite weights, and leaves the previous checkpoint as it was', async () => {
    // A decay factor 1 - lr·wd of -3e38 sends the Q head's bias of -5 past float32's range in the first
    // update: the loss and gradients of step 1 are finite, the weights after it are not.
    const train = trainConfig({ ...diverging, totalSteps: 5 });
    const path = join(dir, 'diverged.safetensors');
    writeFileSync(path, 'the previous checkpoint');
    await expect(run({ model, train, key: key(4), data, checkpoint: { path, every: 1 } })).rejects.toThrow(
      NonFiniteError,
    );
    await expect(run({ model, train, key: key(4), data, checkpoint: { path, every: 1 } })).rejects.toThrow(
      /^step 1: params\.params\.qHead\.b is not finite .* the last checkpoint is untouched/,
    );
    expect(readFileSync(path, 'utf8')).toBe('the previous checkpoint');
  });

  it('refuses to save when asked to stop with non-finite weights', async () => {
    const train = trainConfig({ ...diverging, totalSteps: 5 });
    const path = join(dir, 'stopped.safetensors');
    let steps = 0;
    const log = (r: Record<string, unknown>) => {
      if (r.event === 'train') steps++;
    };
    await expect(
      run({ model, train, key: key(4), data, log, checkpoint: { path, every: 100 }, shouldStop: () => steps > 0 }),
    ).rejects.toThrow(/^step 1: .* is not finite/);
  });
});

describe('resuming', () => {
  it('refuses a checkpoint of another run, naming every setting that differs', async () => {
    const path = join(dir, 'other-run.safetensors');
    const train = trainConfig({ batchSize: 2, totalSteps: 2, lr: 1e-3, lrWarmupSteps: 0 });
    await run({ model, train, key: key(5), data, checkpoint: { path, every: 2 }, metadata: { task: 'a' } });
    const other = { ...train, totalSteps: 4, lr: 2e-3, weightDecay: 0.5 };
    await expect(
      run({
        model,
        train: other,
        key: key(5),
        data,
        checkpoint: { path, every: 2, resume: true },
        metadata: { task: 'b' },
      }),
    ).rejects.toThrow(
      `${path} holds another run: task is "a" there and "b" here; train.lr is 0.001 there and 0.002 here; train.weightDecay is 0.1 there and 0.5 here`,
    );
    await expect(
      run({
        model: tinyConfig({ haltMaxSteps: 3 }),
        train,
        key: key(5),
        data,
        checkpoint: { path, every: 2, resume: true },
        metadata: { task: 'a' },
      }),
    ).rejects.toThrow(/model\.haltMaxSteps is 2 there and 3 here/);
    // The run's length is not part of what it is: a run resumed to train longer goes on.
    const longer = await run({
      model,
      train: { ...train, totalSteps: 3 },
      key: key(5),
      data,
      checkpoint: { path, every: 2, resume: true },
      metadata: { task: 'a' },
    });
    expect(longer.state.step).toBe(3);
  });
});

describe('stopping', () => {
  const train = trainConfig({ batchSize: 2, totalSteps: 50, lr: 1e-3, lrWarmupSteps: 0 });
  const stoppedAfter = async (stop: true | 'evaluate', every: number) => {
    const events: { event: unknown; step: unknown }[] = [];
    const batches = [data(key(0), 0)];
    const result = await run({
      model,
      train,
      key: key(6),
      data,
      log: (r) => events.push({ event: r.event, step: r.step }),
      evaluation: { every, batches: () => batches },
      shouldStop: () => (events.filter((e) => e.event === 'train').length >= 3 ? stop : false),
    });
    return { result, evals: events.filter((e) => e.event === 'eval').map((e) => e.step) };
  };

  it('evaluates the final state when the stop is planned (a time budget), and not when interrupted', async () => {
    const planned = await stoppedAfter('evaluate', 100);
    expect(planned.result.stopped).toBe(true);
    expect(planned.evals).toEqual([3]);
    expect(planned.result.evaluation?.perSegment.length).toBe(model.haltMaxSteps);
    const interrupted = await stoppedAfter(true, 100);
    expect(interrupted.evals).toEqual([]);
    expect(interrupted.result.evaluation).toBeUndefined();
  });

  it('does not evaluate the same step twice', async () => {
    expect((await stoppedAfter('evaluate', 3)).evals).toEqual([3]);
  });
});
