/**
 * The gradient windows and the detached carry, checked as mechanisms: each test compares against an
 * explicit construction of what the window should be, and checks that the comparison can tell the
 * windows apart. Finite-difference checks run in float64 on the reference backend.
 */
import { checkGradients, grad, treeMap } from '@hrm/autodiff';
import {
  type AnyTensor,
  add,
  cast,
  key,
  mul,
  noGrad,
  normal,
  slice,
  splitKey,
  stopGradient,
  sum,
  take,
  withBackend,
} from '@hrm/core';
import { type BlockParams, linear } from '@hrm/nn';
import { randomBatch, tinyConfig } from '@hrm/testing/tiny';
import { describe, expect, it } from 'vitest';
import { initialCarry, resetHalted } from './act.js';
import { reasonerFor } from './arch.js';
import type { ModelConfig } from './config.js';
import { inputEmbeddings } from './embedding.js';
import { type HrmStates, reasoningModule } from './hrm.js';
import { blockConfig, type HrmParams, initHrm, type ReasoningBlocks } from './params.js';
import { segment } from './reasoner.js';

function setup(cfg: ModelConfig, dtype: 'float32' | 'float64' = 'float32') {
  const [kInit, kData, kProj] = splitKey(key(5), 3);
  const init = initHrm(kInit, cfg);
  const f = <T>(t: T): T => (dtype === 'float64' ? treeMap((x) => cast(x, 'float64'), t) : t);
  const params = f(init.params);
  const buffers = f(init.buffers);
  const batch = randomBatch(kData, 2, cfg);
  const start = resetHalted(
    reasonerFor(cfg),
    initialCarry(reasonerFor(cfg), init.buffers, 2),
    batch,
    init.buffers,
  ).inner;
  const inner: HrmStates = { zH: f(start.zH), zL: f(start.zL) };
  const rows = buffers.puzzleEmb ? take(buffers.puzzleEmb, batch.puzzleIds, 0) : undefined;
  // A fixed random projection of the logits: one scalar whose gradient sees every output.
  const r: AnyTensor = cast(normal(kProj, [2, cfg.seqLen, cfg.vocabSize]), dtype);
  const loss = (p: HrmParams, from: HrmStates = inner, c: ModelConfig = cfg) =>
    sum(mul(segment(reasonerFor(c), p, from, batch.inputs, rows).logits, r));
  return { params, batch, inner, rows, r, loss };
}

const onReference = (fn: () => void) => () => withBackend('reference', fn);

/** The first block's attention projection of a module. */
const qkvOf = (blocks: ReasoningBlocks): AnyTensor => (blocks[0] as { attention: { qkv: AnyTensor } }).attention.qkv;

function withQkv(params: HrmParams, qkv: AnyTensor): HrmParams {
  const first = params.L[0] as { attention: object; mlp: object };
  return { ...params, L: [{ ...first, attention: { ...first.attention, qkv } } as BlockParams<'hidden', 'seq'>] };
}

/** Elementwise |a - b| <= tol·(1 + |b|). */
function close(a: AnyTensor, b: AnyTensor, tol = 1e-5): boolean {
  const x = a.data();
  const y = b.data();
  return x.length === y.length && x.every((v, i) => Math.abs(v - y[i]) <= tol * (1 + Math.abs(y[i])));
}

describe('the one-step gradient (HRM)', () => {
  const cfg = tinyConfig({ hCycles: 2, lCycles: 2, gradWindow: 'one-step' });

  it('equals the gradient of the last L and H evaluations started from constants', () => {
    const { params, batch, inner, rows, r, loss } = setup(cfg);
    const blocks = blockConfig(cfg);
    const H = params.H ?? [];
    // The first four of the six evaluations, without a tape: their result is a constant.
    const start = noGrad(() => {
      const x = inputEmbeddings(params, batch.inputs, rows, cfg);
      let { zH, zL } = inner;
      zL = reasoningModule(params.L, zL, add(zH, x), blocks);
      zL = reasoningModule(params.L, zL, add(zH, x), blocks);
      zH = reasoningModule(H, zH, zL, blocks);
      zL = reasoningModule(params.L, zL, add(zH, x), blocks);
      return { zH: stopGradient(zH), zL: stopGradient(zL) };
    });
    const explicit = (p: HrmParams) => {
      const x = inputEmbeddings(p, batch.inputs, rows, cfg);
      const zL = reasoningModule(p.L, start.zL, add(start.zH, x), blocks);
      const zH = reasoningModule(p.H ?? [], start.zH, zL, blocks);
      return sum(mul(linear(p.lmHead, slice(zH, 1, 1)), r));
    };
    const ours = grad((p: HrmParams) => loss(p))(params);
    const want = grad(explicit)(params);
    expect(close(qkvOf(ours.L), qkvOf(want.L))).toBe(true);
    expect(close(qkvOf(ours.H ?? []), qkvOf(want.H ?? []))).toBe(true);
    expect(close(ours.embed.table, want.embed.table)).toBe(true);
    expect(close(ours.lmHead.w, want.lmHead.w)).toBe(true);

    // And it is not what backpropagating through the whole segment gives.
    const bptt = grad((p: HrmParams) => loss(p, inner, { ...cfg, gradWindow: 'bptt' }))(params);
    expect(close(qkvOf(bptt.L), qkvOf(want.L))).toBe(false);
  });
});

describe('full BPTT through the segment', () => {
  it(
    'matches finite differences in float64',
    onReference(() => {
      const { params, loss } = setup(tinyConfig({ hCycles: 2, lCycles: 2, gradWindow: 'bptt' }), 'float64');
      const weights = checkGradients((w: AnyTensor) => loss(withQkv(params, w)), [qkvOf(params.L)], {
        atol: 1e-5,
        rtol: 1e-4,
      });
      expect(weights.ok, JSON.stringify(weights.worst)).toBe(true);
      const table = checkGradients((t: AnyTensor) => loss({ ...params, embed: { table: t } }), [params.embed.table], {
        atol: 1e-5,
        rtol: 1e-4,
      });
      expect(table.ok, JSON.stringify(table.worst)).toBe(true);
    }),
  );

  it(
    'the one-step gradient is an approximation: finite differences disagree with it',
    onReference(() => {
      const { params, loss } = setup(tinyConfig({ hCycles: 2, lCycles: 2, gradWindow: 'one-step' }), 'float64');
      const table = checkGradients((t: AnyTensor) => loss({ ...params, embed: { table: t } }), [params.embed.table], {
        atol: 1e-5,
        rtol: 1e-4,
      });
      expect(table.ok).toBe(false);
    }),
  );
});

describe('the carry between segments is detached', () => {
  it('the loss of segment 2 sends no gradient through segment 1', () => {
    const cfg = tinyConfig();
    const { params, batch, inner, rows, r } = setup(cfg);
    const twoSegments = (p: HrmParams) => {
      const first = segment(reasonerFor(cfg), p, inner, batch.inputs, rows);
      return sum(mul(segment(reasonerFor(cfg), p, first.carry, batch.inputs, rows).logits, r));
    };
    const between = segment(reasonerFor(cfg), params, inner, batch.inputs, rows).carry;
    const secondOnly = (p: HrmParams) => sum(mul(segment(reasonerFor(cfg), p, between, batch.inputs, rows).logits, r));
    const a = grad(twoSegments)(params);
    const b = grad(secondOnly)(params);
    expect(close(a.lmHead.w, b.lmHead.w)).toBe(true);
    expect(close(a.embed.table, b.embed.table)).toBe(true);
    expect(close(qkvOf(a.L), qkvOf(b.L))).toBe(true);
    expect(between.zH.tapes).toEqual([]);
  });
});

describe('TRM: the last full recursion is differentiated', () => {
  it(
    'with one recursion the window is the whole segment, and finite differences agree',
    onReference(() => {
      const cfg = tinyConfig({ arch: 'trm', hCycles: 1, lCycles: 2, puzzleEmbLen: 2 });
      expect(cfg.gradWindow).toBe('last-cycle');
      const { params, loss } = setup(cfg, 'float64');
      const table = checkGradients((t: AnyTensor) => loss({ ...params, embed: { table: t } }), [params.embed.table], {
        atol: 1e-5,
        rtol: 1e-4,
      });
      expect(table.ok, JSON.stringify(table.worst)).toBe(true);
    }),
  );

  it(
    'with two recursions the first is not differentiated (finite differences disagree)',
    onReference(() => {
      const { params, loss } = setup(tinyConfig({ arch: 'trm', hCycles: 2, lCycles: 2, puzzleEmbLen: 2 }), 'float64');
      const table = checkGradients((t: AnyTensor) => loss({ ...params, embed: { table: t } }), [params.embed.table], {
        atol: 1e-5,
        rtol: 1e-4,
      });
      expect(table.ok).toBe(false);
    }),
  );
});
