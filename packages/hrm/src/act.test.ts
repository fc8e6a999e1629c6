/** ACT: who halts when, which slots are replaced, and the bootstrapped continue target. */
import { type AnyTensor, key, maximum, noGrad, normal, sigmoid, take, tensor, where } from '@hrm/core';
import { batchOf, randomBatch, tinyConfig } from '@hrm/testing/tiny';
import { describe, expect, it } from 'vitest';
import { actStep, type Carry, initialCarry, resetHalted } from './act.js';
import { reasonerFor } from './arch.js';
import type { ModelConfig } from './config.js';
import type { HrmStates } from './hrm.js';
import { type HrmParams, initHrm } from './params.js';
import { segment } from './reasoner.js';

/** The model with its Q head saying q_halt = qh and q_continue = qc for every input (its weights are zero). */
function withQ(params: HrmParams, qh: number, qc: number): HrmParams {
  return { ...params, qHead: { w: params.qHead.w, b: tensor([qh, qc]) } };
}

function setup(cfg: ModelConfig, batch = 32) {
  const { params, buffers } = initHrm(key(1), cfg);
  const data = randomBatch(key(2), batch, cfg);
  const carry = resetHalted(reasonerFor(cfg), initialCarry(reasonerFor(cfg), buffers, batch), data, buffers);
  const rows = buffers.puzzleEmb ? take(buffers.puzzleEmb, carry.data.puzzleIds, 0) : undefined;
  return { params, buffers, data, carry, rows };
}

const flags = (t: AnyTensor) => Array.from(t.data(), (v) => v !== 0);
const all = (t: AnyTensor, v: boolean) => flags(t).every((f) => f === v);

describe('halting in training', () => {
  it('follows the Q rule: halt when q_halt > q_continue (HRM)', () => {
    const cfg = tinyConfig({ haltMaxSteps: 4, haltExplorationProb: 0 });
    const { params, carry, rows } = setup(cfg);
    const halt = actStep(reasonerFor(cfg), withQ(params, 1, -1), rows, carry, { training: true, key: key(3) });
    expect(all(halt.carry.halted, true)).toBe(true);
    const go = actStep(reasonerFor(cfg), withQ(params, -1, 1), rows, carry, { training: true, key: key(3) });
    expect(all(go.carry.halted, false)).toBe(true);
    expect(Array.from(go.carry.steps.data())).toEqual(new Array(32).fill(1));
  });

  it('follows the Q rule: halt when q_halt > 0 (TRM)', () => {
    const cfg = tinyConfig({ arch: 'trm', haltMaxSteps: 4, haltExplorationProb: 0, puzzleEmbLen: 1 });
    const { params, carry, rows } = setup(cfg);
    expect(
      all(
        actStep(reasonerFor(cfg), withQ(params, 0.5, 9), rows, carry, { training: true, key: key(3) }).carry.halted,
        true,
      ),
    ).toBe(true);
    expect(
      all(
        actStep(reasonerFor(cfg), withQ(params, -0.5, -9), rows, carry, { training: true, key: key(3) }).carry.halted,
        false,
      ),
    ).toBe(true);
  });

  it('always halts at haltMaxSteps', () => {
    const cfg = tinyConfig({ haltMaxSteps: 2, haltExplorationProb: 0 });
    const { params, carry, rows } = setup(cfg);
    const p = withQ(params, -5, 5);
    const first = actStep(reasonerFor(cfg), p, rows, carry, { training: true, key: key(3) });
    expect(all(first.carry.halted, false)).toBe(true);
    const second = actStep(reasonerFor(cfg), p, rows, first.carry, { training: true, key: key(4) });
    expect(all(second.carry.halted, true)).toBe(true);
  });

  it('explores: with probability eps a slot must first run 2..haltMaxSteps segments', () => {
    const cfg = tinyConfig({ haltMaxSteps: 4, haltExplorationProb: 0.3 });
    const { params, carry, rows } = setup(cfg, 400);
    // The Q head wants to halt at once; only exploring slots keep going.
    const r = actStep(reasonerFor(cfg), withQ(params, 1, -1), rows, carry, { training: true, key: key(5) });
    const kept = flags(r.carry.halted).filter((h) => !h).length / 400;
    // 400 slots at p = 0.3: 5 standard deviations is about 0.115.
    expect(Math.abs(kept - 0.3)).toBeLessThan(0.115);
    expect(kept).toBeGreaterThan(0);
    // Every exploring slot runs at least 2 segments: none of them halts at step 1.
    const withAll = { ...cfg, haltExplorationProb: 1 };
    expect(
      all(
        actStep(reasonerFor(withAll), withQ(params, 1, -1), rows, carry, { training: true, key: key(5) }).carry.halted,
        false,
      ),
    ).toBe(true);
  });
});

describe('evaluation', () => {
  it('runs exactly haltMaxSteps segments whatever the Q head says', () => {
    const cfg = tinyConfig({ haltMaxSteps: 3 });
    const { params, carry, rows } = setup(cfg);
    let c = carry;
    for (let s = 1; s <= 3; s++) {
      c = actStep(reasonerFor(cfg), withQ(params, 9, -9), rows, c, { training: false }).carry;
      expect(all(c.halted, s === 3)).toBe(true);
    }
  });
});

describe('the continue target', () => {
  it('is sigmoid of the next segment: q_halt on the last step, else max(q_halt, q_continue)', () => {
    const cfg = tinyConfig({ haltMaxSteps: 2, haltExplorationProb: 0 });
    const { params: p0, carry, rows } = setup(cfg, 4);
    // A Q head with random weights, so that the next segment's Q values differ per slot.
    const sliced: HrmParams = {
      ...p0,
      qHead: { w: normal(key(9), ['hidden', 2], { dims: { hidden: cfg.hidden } }), b: tensor([0, 0]) },
    };
    for (const step of [0, 1]) {
      const from = { ...carry, steps: where(carry.halted, step, carry.steps) };
      const r = actStep(reasonerFor(cfg), sliced, rows, from, { training: true, key: key(6) });
      const next = noGrad(() => segment(reasonerFor(cfg), sliced, r.carry.inner, from.data.inputs, rows));
      const isLast = step + 1 >= cfg.haltMaxSteps;
      const want = sigmoid(isLast ? next.qHalt : maximum(next.qHalt, next.qContinue)).data();
      const got = r.outputs.targetQContinue?.data();
      expect(got && Array.from(got)).toEqual(Array.from(want));
    }
  });
});

describe('slots', () => {
  it('a halted slot restarts on the new example; the others keep theirs', () => {
    const cfg = tinyConfig({ haltMaxSteps: 4, haltExplorationProb: 0 });
    const { buffers } = initHrm(key(1), cfg);
    const a = batchOf(
      [
        [1, 1, 1, 1, 1],
        [2, 2, 2, 2, 2],
      ],
      [
        [1, 1, 1, 1, 1],
        [2, 2, 2, 2, 2],
      ],
      [0, 1],
    );
    const b = batchOf(
      [
        [3, 3, 3, 3, 3],
        [4, 4, 4, 4, 4],
      ],
      [
        [3, 3, 3, 3, 3],
        [4, 4, 4, 4, 4],
      ],
      [2, 2],
    );
    const loaded = resetHalted(reasonerFor(cfg), initialCarry(reasonerFor(cfg), buffers, 2), a, buffers);
    const midway = {
      ...loaded,
      halted: tensor([true, false]),
      steps: tensor([3, 2], 'int32'),
    } as unknown as Carry<HrmStates>;
    const next = resetHalted(reasonerFor(cfg), midway, b, buffers);
    expect(next.data.inputs.toArray()).toEqual([
      [3, 3, 3, 3, 3],
      [2, 2, 2, 2, 2],
    ]);
    expect(next.data.puzzleIds.toArray()).toEqual([2, 1]);
    expect(next.steps.toArray()).toEqual([0, 2]);
  });
});
