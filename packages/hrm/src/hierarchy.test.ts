/**
 * The hierarchy combinator on a toy three-level model (H slow, M middle, L fast): the schedule, and which
 * updates the gradient windows record, checked by the gradient itself. Every update adds a "tap" (a
 * scalar parameter of its own, 0) to its new state, so the gradient of a tap is non-zero exactly when
 * the update it belongs to was recorded.
 */
import { grad } from '@hrm/autodiff';
import {
  add,
  currentBackend,
  isRecording,
  key,
  matmul,
  mul,
  noGrad,
  normal,
  splitKey,
  sum,
  type Tensor,
  tanh,
  zeros,
} from '@hrm/core';
import { describe, expect, it } from 'vitest';
import { type GradientWindow, type Hierarchy, runHierarchy, schedule } from './hierarchy.js';

type State = Tensor<['batch', 'width']>;
type Weight = Tensor<['width', 'width']>;
interface ToyStates {
  readonly h: State;
  readonly m: State;
  readonly l: State;
}
interface ToyParams {
  readonly w: { readonly h: Weight; readonly m: Weight; readonly l: Weight };
  /** One scalar per update of each level, in schedule order. */
  readonly taps: { readonly h: Tensor<[]>[]; readonly m: Tensor<[]>[]; readonly l: Tensor<[]>[] };
}

const dims = { batch: 2, width: 3 };

/** A toy level: `tanh((state + injection)·W) + tap`, counting its calls to pick the tap of this update. */
function toyHierarchy(
  periods: { h: number; m: number },
  cycles: number,
  seen: { state: string; recording: boolean }[],
) {
  const calls = { h: 0, m: 0, l: 0 };
  const module =
    (name: keyof ToyStates) =>
    (p: ToyParams, state: State, injection: State): State => {
      seen.push({ state: name, recording: isRecording() });
      const tap = p.taps[name][calls[name]++ % p.taps[name].length];
      return add(tanh(matmul(add(state, injection), p.w[name])), tap);
    };
  const h: Hierarchy<ToyParams, ToyStates, State> = {
    cycles,
    levels: [
      { state: 'h', period: periods.h, inject: (s) => s.m, module: module('h') },
      { state: 'm', period: periods.m, inject: (s) => add(s.l, s.h), module: module('m') },
      { state: 'l', inject: (s, x) => add(s.m, x), module: module('l') },
    ],
  };
  return h;
}

function setup(periods = { h: 2, m: 2 }, cycles = 2) {
  const seen: { state: string; recording: boolean }[] = [];
  const h = toyHierarchy(periods, cycles, seen);
  const steps = schedule(h);
  const count = (s: string) => steps.filter((t) => t.state === s).length;
  const [kw, kx, ks] = splitKey(key(3), 3);
  const [wh, wm, wl] = splitKey(kw, 3).map((k) => mul(normal(k, ['width', 'width'], { dims }), 0.8));
  const params: ToyParams = {
    w: { h: wh, m: wm, l: wl },
    taps: {
      h: Array.from({ length: count('h') }, () => zeros([])),
      m: Array.from({ length: count('m') }, () => zeros([])),
      l: Array.from({ length: count('l') }, () => zeros([])),
    },
  };
  const x: State = normal(kx, ['batch', 'width'], { dims });
  const [a, b, c] = splitKey(ks, 3).map((k): State => normal(k, ['batch', 'width'], { dims }));
  const start: ToyStates = { h: a, m: b, l: c };
  const loss = (window: GradientWindow) => (p: ToyParams) => sum(runHierarchy(h, p, start, x, window).h);
  return { h, steps, params, start, x, loss, seen };
}

/** Which taps got a non-zero gradient, per level, in schedule order. */
function flowing(g: ToyParams): { h: boolean[]; m: boolean[]; l: boolean[] } {
  const nonZero = (t: Tensor<[]>) => t.item() !== 0;
  return { h: g.taps.h.map(nonZero), m: g.taps.m.map(nonZero), l: g.taps.l.map(nonZero) };
}

describe('the schedule', () => {
  it('runs period updates of the level below before each update, and cycles of the top per segment', () => {
    const { steps } = setup({ h: 2, m: 3 }, 2);
    const order = steps.map((s) => s.state.toUpperCase()).join('');
    expect(order).toBe('LLLMLLLMH'.repeat(2));
    expect(steps.filter((s) => s.last).map((s) => s.index)).toEqual([15, 16, 17]);
  });

  it('HRM is N cycles of T fast updates then one slow update', () => {
    const h: Hierarchy<unknown, { zH: State; zL: State }, State> = {
      cycles: 3,
      levels: [
        { state: 'zH', period: 2, inject: (s) => s.zL, module: (_, z) => z },
        { state: 'zL', inject: (s) => s.zH, module: (_, z) => z },
      ],
    };
    expect(schedule(h).map((s) => s.state)).toEqual(['zL', 'zL', 'zH', 'zL', 'zL', 'zH', 'zL', 'zL', 'zH']);
  });

  it('refuses levels that share a state, and periods or cycles that are not positive integers', () => {
    const base = toyHierarchy({ h: 1, m: 1 }, 1, []);
    expect(() => schedule({ ...base, cycles: 0 })).toThrow('cycles must be a positive integer, got 0');
    expect(() => schedule({ ...base, levels: [base.levels[0], { ...base.levels[1], period: 1.5 }] })).toThrow(
      'the period of level 1 (m) must be a positive integer, got 1.5',
    );
    expect(() => schedule({ ...base, levels: [base.levels[0], base.levels[0]] })).toThrow(
      "two levels update the state 'h'",
    );
  });
});

describe('gradient windows on three levels', () => {
  it('one-step: exactly the last update of each level sends gradient into its parameters', () => {
    const { params, loss } = setup();
    const g = flowing(grad(loss('one-step'))(params));
    expect(g.h).toEqual([false, true]);
    expect(g.m).toEqual([false, false, false, true]);
    expect(g.l).toEqual([...new Array(7).fill(false), true]);
  });

  it('bptt: every update does', () => {
    const { params, loss } = setup();
    const g = flowing(grad(loss('bptt'))(params));
    expect([...g.h, ...g.m, ...g.l].every(Boolean)).toBe(true);
  });

  it('last-cycle: every update of the last top-level cycle, and none before it', () => {
    const { params, loss } = setup();
    const g = flowing(grad(loss('last-cycle'))(params));
    expect(g).toEqual({
      h: [false, true],
      m: [false, false, true, true],
      l: [false, false, false, false, true, true, true, true],
    });
  });

  it('last k and a predicate over the schedule pick the updates they name', () => {
    const { params, loss } = setup();
    expect(flowing(grad(loss({ last: 2 }))(params))).toMatchObject({
      h: [false, true],
      m: [false, false, false, true],
    });
    // Record H and M, never L: every H and M update reaches the loss through recorded updates; L's
    // updates are constants, so no gradient reaches their parameters.
    const notL = flowing(grad(loss((s) => s.state !== 'l'))(params));
    expect(notL).toEqual({ h: [true, true], m: [true, true, true, true], l: new Array(8).fill(false) });
  });

  it('one-step equals the gradient of the last update of each level run by hand from constant states', () => {
    const { h, params, start, x, loss } = setup();
    // The schedule by hand: every update but the last three (L, M, H) without gradient.
    const byHand = (p: ToyParams) => {
      let s = start;
      for (const step of schedule(h)) {
        const level = h.levels[step.level];
        const before = s;
        const run = () => level.module(p, before[level.state], level.inject(before, x));
        s = { ...before, [level.state]: step.index < step.total - 3 ? noGrad(run) : run() };
      }
      return sum(s.h);
    };
    const explicit = grad(byHand)(params);
    const windowed = grad(loss('one-step'))(params);
    const bptt = grad(loss('bptt'))(params);
    for (const k of ['h', 'm', 'l'] as const) {
      expect(windowed.w[k].data()).toEqual(explicit.w[k].data());
      // The comparison can tell windows apart: the full gradient differs.
      expect(bptt.w[k].data()).not.toEqual(explicit.w[k].data());
    }
  });

  it('lets an observer watch every update in order, with the states after it and whether it was recorded', () => {
    const { h, params, start, x } = setup();
    const seen: string[] = [];
    let lastH = start.h;
    runHierarchy(h, params, start, x, 'one-step', (step, states, recorded) => {
      seen.push(`${step.state}${recorded ? '*' : ''}`);
      if (step.state === 'h') lastH = states.h;
      expect(Object.keys(states).sort()).toEqual(['h', 'l', 'm']);
    });
    expect(seen.join(' ')).toBe('l l m l l m h l l m l l* m* h*');
    expect(lastH).not.toBe(start.h);
  });

  it('records nothing outside the window: the modules of unrecorded updates run with recording off', () => {
    const { params, loss, seen } = setup();
    grad(loss('one-step'))(params);
    const recordedStates = seen.filter((s) => s.recording).map((s) => s.state);
    expect(recordedStates).toEqual(['l', 'm', 'h']);
  });

  it('frees each state an unrecorded update replaces, so memory does not grow with depth', () => {
    const live = (cycles: number) => {
      const { params, start, x, h } = setup({ h: 2, m: 2 }, cycles);
      const before = currentBackend().liveBuffers();
      runHierarchy(h, params, start, x, 'one-step');
      return { added: currentBackend().liveBuffers() - before };
    };
    // Outside a gradient: one new tensor per state whatever the depth, nothing else left behind.
    expect(live(1).added).toBe(3);
    expect(live(6).added).toBe(3);
  });
});
