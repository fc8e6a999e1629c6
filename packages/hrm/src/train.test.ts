/** Training: a tiny model overfits, a resumed run matches an uninterrupted one, NaN stops the run. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leaves } from '@hrm/autodiff';
import { currentBackend, type Key, key, withBackend } from '@hrm/core';
import { loadCheckpoint } from '@hrm/nn/node';
import { randomBatch, tinyConfig } from '@hrm/testing/tiny';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { reasonerFor } from './arch.js';
import { evaluate } from './evaluate.js';
import { run } from './loop.js';
import { initTrainState, NonFiniteError, trainStep } from './train.js';
import { trainConfig } from './train-config.js';

const dir = mkdtempSync(join(tmpdir(), 'hrm-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a tiny HRM', () => {
  it('overfits a handful of examples to 100% exact accuracy, at every segment', () => {
    const model = tinyConfig({
      hidden: 16,
      heads: 2,
      haltMaxSteps: 2,
      haltExplorationProb: 0.5,
      numPuzzleIdentifiers: 1,
    });
    const train = trainConfig({
      batchSize: 6,
      totalSteps: 250,
      lr: 5e-3,
      lrWarmupSteps: 10,
      lrMinRatio: 0.02,
      puzzleEmbLr: 5e-3,
      weightDecay: 0,
      puzzleEmbWeightDecay: 0,
    });
    const batch = randomBatch(key(42), 6, model);
    let state = initTrainState(reasonerFor(model), key(0), train);
    const before = evaluate(reasonerFor(model), state.params, state.buffers, [batch]);
    for (let i = 0; i < train.totalSteps; i++) state = trainStep(reasonerFor(model), state, batch, train).state;
    const after = evaluate(reasonerFor(model), state.params, state.buffers, [batch]);
    expect(before.exactAccuracy).toBeLessThan(0.5);
    expect(after.perSegment.map((s) => s.exactAccuracy)).toEqual([1, 1]);
  });
});

describe('a training run', () => {
  const model = tinyConfig({ haltMaxSteps: 3 });
  const data = (k: Key, step: number) => randomBatch(key(1000 + step + k[1]), 4, model);

  it('resumed from a checkpoint reproduces the uninterrupted run exactly', async () => {
    const train = trainConfig({ batchSize: 4, totalSteps: 6, lr: 1e-3, lrWarmupSteps: 2 });
    const straight = await run({ model, train, key: key(7), data });
    const path = join(dir, 'resume.safetensors');
    await run({ model, train: { ...train, totalSteps: 3 }, key: key(7), data, checkpoint: { path, every: 3 } });
    const resumed = await run({ model, train, key: key(7), data, checkpoint: { path, every: 100, resume: true } });
    expect(resumed.state.step).toBe(6);
    expect(resumed.last).toEqual(straight.last);
    expect(Array.from(resumed.state.params.lmHead.w.data())).toEqual(Array.from(straight.state.params.lmHead.w.data()));
    expect(Array.from(resumed.state.carry.steps.data())).toEqual(Array.from(straight.state.carry.steps.data()));
  });

  it('stops on a non-finite loss naming the step, and keeps the last good checkpoint', async () => {
    // A learning rate of 1e30 sends the weights to ~1e30 after one step; the next forward overflows.
    const train = trainConfig({ batchSize: 4, totalSteps: 10, lr: 1e30, lrWarmupSteps: 0 });
    const path = join(dir, 'nan.safetensors');
    const log: Record<string, unknown>[] = [];
    await expect(
      run({ model, train, key: key(8), data, checkpoint: { path, every: 1 }, log: (r) => log.push(r) }),
    ).rejects.toThrow(NonFiniteError);
    await expect(run({ model, train, key: key(8), data })).rejects.toThrow(/^step 2: loss is not finite/);
    const saved = loadCheckpoint(path);
    expect(E.isRight(saved) && saved.right.step).toBe(1);
  });

  it('logs JSON-ready records and evaluates on schedule', async () => {
    const train = trainConfig({ batchSize: 4, totalSteps: 4, lr: 1e-3, lrWarmupSteps: 1 });
    const log: Record<string, unknown>[] = [];
    const r = await run({
      model,
      train,
      key: key(9),
      data,
      log: (x) => log.push(x),
      evaluation: { every: 2, batches: () => [randomBatch(key(5), 4, model)] },
    });
    expect(log.filter((x) => x.event === 'train').map((x) => x.step)).toEqual([1, 2, 3, 4]);
    expect(log.filter((x) => x.event === 'eval').map((x) => x.step)).toEqual([2, 4]);
    expect(r.evaluation?.perSegment).toHaveLength(3);
    expect(() => JSON.stringify(log)).not.toThrow();
  });
});

describe("a training step's memory against recurrence depth", () => {
  /** Peak bytes of live buffers during one training step (after a warm-up step), on the reference backend. */
  const peakBytes = (gradWindow: 'one-step' | 'bptt', depth: number) =>
    withBackend('reference', () => {
      const memory = currentBackend();
      const model = tinyConfig({ hidden: 32, seqLen: 16, hCycles: depth, lCycles: depth, gradWindow });
      const train = trainConfig({ batchSize: 8, totalSteps: 10, lr: 1e-3, lrWarmupSteps: 0 });
      const batch = randomBatch(key(3), 8, model);
      const first = trainStep(
        reasonerFor(model),
        initTrainState(reasonerFor(model), key(0), train),
        batch,
        train,
      ).state;
      memory.resetPeak?.();
      trainStep(reasonerFor(model), first, batch, train);
      const stats = memory.memory?.();
      if (!stats) throw new Error('the reference backend reports memory');
      return stats.peakBytes - stats.liveBytes;
    });

  it('peaks near the activations of the recorded updates: the backward pass and the optimiser free as they go', () => {
    withBackend('reference', () => {
      const memory = currentBackend();
      const model = tinyConfig({ hidden: 64, heads: 4, seqLen: 16, hLayers: 2, lLayers: 2, multipleOf: 16 });
      const train = trainConfig({ batchSize: 16, totalSteps: 10, lr: 1e-3, lrWarmupSteps: 0 });
      const reasoner = reasonerFor(model);
      const batch = randomBatch(key(3), 16, model);
      const state = trainStep(reasoner, initTrainState(reasoner, key(0), train), batch, train).state;
      const bytes = (tree: unknown) => leaves(tree).reduce((n, l) => n + l.value.size * 4, 0);
      const paramBytes = bytes(state.params);
      const live = memory.memory?.().liveBytes ?? 0;
      memory.resetPeak?.();
      trainStep(reasoner, state, batch, train);
      const stepPeak = (memory.memory?.().peakBytes ?? 0) - live;
      // The new parameters and moments (3 × the parameters), the gradient (1 ×), and the activations of
      // the recorded updates (most of it at this width): 27 × the parameters' bytes. Before the backward
      // pass freed as it went and the optimiser and the finiteness check worked one parameter at a time,
      // 79 ×.
      expect(stepPeak / paramBytes).toBeLessThan(40);
    });
  });

  it('stays flat for the one-step gradient and grows with BPTT', () => {
    const oneStep = [peakBytes('one-step', 2), peakBytes('one-step', 5)];
    const bptt = [peakBytes('bptt', 2), peakBytes('bptt', 5)];
    expect(oneStep[1]).toBeLessThanOrEqual(oneStep[0] * 1.02);
    // 30 module evaluations against 6: BPTT keeps every one's activations.
    expect(bptt[1]).toBeGreaterThan(bptt[0] * 3);
  });
});

describe('gradient accumulation', () => {
  const model = tinyConfig({
    hidden: 32,
    seqLen: 8,
    haltExplorationProb: 0,
    puzzleEmbDim: 32,
    numPuzzleIdentifiers: 5,
  });
  const reasoner = reasonerFor(model);
  const twoSteps = (accumulate: number) =>
    withBackend('reference', () => {
      const batch = randomBatch(key(4), 16, model);
      const train = trainConfig({ batchSize: 16, totalSteps: 10, lr: 1e-3, lrWarmupSteps: 0, accumulate });
      let state = initTrainState(reasoner, key(0), train);
      const metrics = [];
      for (let i = 0; i < 2; i++) {
        const r = trainStep(reasoner, state, batch, train);
        state = r.state;
        metrics.push(r.metrics);
      }
      return { state, metrics };
    });

  it('k micro-batches give the step of the whole batch (without exploration), up to the order of the sums', () => {
    const whole = twoSteps(1);
    const split = twoSteps(4);
    const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Array.from(a).every((v, i) => Math.abs(v - (b[i] ?? Number.NaN)) <= 1e-5 * (1 + Math.abs(v)));
    const [wl, sl] = [leaves(whole.state.params), leaves(split.state.params)];
    expect(sl.map((l) => l.path)).toEqual(wl.map((l) => l.path));
    wl.forEach((l, i) => {
      expect(close(l.value.data(), sl[i]?.value.data() ?? []), l.path).toBe(true);
    });
    const [wt, st] = [whole.state.buffers.puzzleEmb, split.state.buffers.puzzleEmb];
    expect(wt && st && close(wt.data(), st.data())).toBe(true);
    expect(split.state.carry.steps.toArray()).toEqual(whole.state.carry.steps.toArray());
    expect(split.metrics[1]?.lmLoss).toBeCloseTo(whole.metrics[1]?.lmLoss ?? Number.NaN, 5);
    expect(split.metrics[1]?.count).toBe(whole.metrics[1]?.count);
  });

  it('refuses a batch the micro-batches do not split', () => {
    expect(() => trainConfig({ batchSize: 10, totalSteps: 1, accumulate: 4 })).toThrow(
      'accumulate: 4 micro-batches do not split a batch of 10 slots',
    );
  });

  it('keeps the peak memory of a step to about one micro-batch', () => {
    const peak = (accumulate: number) =>
      withBackend('reference', () => {
        const memory = currentBackend();
        const wide = tinyConfig({ hidden: 64, heads: 4, seqLen: 32, haltExplorationProb: 0 });
        const r = reasonerFor(wide);
        const train = trainConfig({ batchSize: 32, totalSteps: 10, lr: 1e-3, lrWarmupSteps: 0, accumulate });
        const data = randomBatch(key(5), 32, wide);
        const state = trainStep(r, initTrainState(r, key(0), train), data, train).state;
        const live = memory.memory?.().liveBytes ?? 0;
        memory.resetPeak?.();
        trainStep(r, state, data, train);
        return (memory.memory?.().peakBytes ?? 0) - live;
      });
    const [one, four] = [peak(1), peak(4)];
    expect(four).toBeLessThan(one * 0.6);
  });
});
