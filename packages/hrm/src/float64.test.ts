/**
 * float64 is exact: the library's HRM in float64 agrees with an independent float64 implementation of
 * the official maths (plain arrays and loops, packages/testing/src/hrm-reference.ts) to 1e-9, with RoPE
 * and with learned positions, a puzzle-embedding prefix, and Q heads that are not zero.
 */
import { treeMap } from '@hrm/autodiff';
import { type AnyTensor, cast, key, normal, splitKey, take, withBackend } from '@hrm/core';
import type { BlockParams } from '@hrm/nn';
import { type Matrix, type RefBlock, referenceSegment } from '@hrm/testing/hrm-reference';
import { randomBatch, tinyConfig } from '@hrm/testing/tiny';
import { describe, expect, it } from 'vitest';
import { initialCarry, resetHalted } from './act.js';
import { reasonerFor } from './arch.js';
import { type ModelConfig, prefixLength } from './config.js';
import { type HrmBuffers, type HrmParams, initHrm } from './params.js';
import { segment } from './reasoner.js';

const matrix = (t: AnyTensor): Matrix => t.toArray() as Matrix;

function refBlock(b: BlockParams<'hidden', 'seq'>): RefBlock {
  if (!('attention' in b)) throw new Error('the reference has attention blocks only');
  return {
    qkv: matrix(b.attention.qkv),
    out: matrix(b.attention.out),
    gateUp: matrix(b.mlp.gateUp),
    down: matrix(b.mlp.down),
  };
}

/** The float64 model's segment and the reference's on the same weights: the largest difference. */
function largestDifference(cfg: ModelConfig): number {
  return withBackend('reference', () => {
    const [kInit, kData, kQ, kPuzzle] = splitKey(key(21), 4);
    const init = initHrm(kInit, cfg);
    // Q head and puzzle table away from their zero initialisation, so that both paths are exercised.
    const qHead = { ...init.params.qHead, w: normal(kQ, ['hidden', 2], { dims: { hidden: cfg.hidden } }) };
    const puzzleEmb = normal(kPuzzle, ['puzzles', 'puzzleDim'], {
      dims: { puzzles: cfg.numPuzzleIdentifiers, puzzleDim: cfg.puzzleEmbDim },
    });
    const to64 = <T>(t: T): T => treeMap((x) => cast(x, 'float64'), t);
    const params: HrmParams = to64({ ...init.params, qHead });
    const buffers: HrmBuffers = to64({ ...init.buffers, puzzleEmb });
    const batch = randomBatch(kData, 3, cfg);
    const reasoner = reasonerFor(cfg);
    const carry = resetHalted(reasoner, initialCarry(reasoner, buffers, 3), batch, buffers);
    const rows = take(buffers.puzzleEmb ?? puzzleEmb, batch.puzzleIds, 0);
    const out = segment(reasoner, params, carry.inner, batch.inputs, rows);
    expect(out.logits.dtype).toBe('float64');

    const weights = {
      embed: matrix(params.embed.table),
      ...(params.positions ? { positions: matrix(params.positions.table) } : {}),
      H: (params.H ?? []).map(refBlock),
      L: params.L.map(refBlock),
      lmHead: matrix(params.lmHead.w),
      qHead: { w: matrix(params.qHead.w), b: Array.from(params.qHead.b?.data() ?? []) },
      hInit: Array.from(buffers.hInit.data()),
      lInit: Array.from(buffers.lInit.data()),
    };
    const refCfg = {
      hidden: cfg.hidden,
      heads: cfg.heads,
      hCycles: cfg.hCycles,
      lCycles: cfg.lCycles,
      prefix: prefixLength(cfg),
      ropeTheta: cfg.posEncodings === 'rope' ? cfg.ropeTheta : undefined,
      eps: cfg.rmsNormEps,
    };
    const tokens = batch.inputs.toArray() as number[][];
    const puzzleRows = rows.toArray() as number[][];
    const logits = out.logits.toArray() as number[][][];
    const qHalt = Array.from(out.qHalt.data());
    const qContinue = Array.from(out.qContinue.data());
    let worst = 0;
    tokens.forEach((t, b) => {
      const want = referenceSegment(weights, t, puzzleRows[b] ?? [], refCfg);
      want.logits.forEach((row, i) => {
        row.forEach((v, j) => {
          worst = Math.max(worst, Math.abs(v - (logits[b]?.[i]?.[j] ?? Number.NaN)));
        });
      });
      worst = Math.max(
        worst,
        Math.abs((want.q[0] ?? 0) - (qHalt[b] ?? 0)),
        Math.abs((want.q[1] ?? 0) - (qContinue[b] ?? 0)),
      );
    });
    return worst;
  });
}

describe('a float64 HRM agrees with an independent float64 implementation of the official maths', () => {
  const base = { hidden: 8, heads: 2, hLayers: 1, lLayers: 2, hCycles: 2, lCycles: 2, puzzleEmbDim: 12, multipleOf: 4 };

  it('with RoPE and a two-token puzzle prefix, to 1e-9', () => {
    expect(largestDifference(tinyConfig({ ...base, posEncodings: 'rope' }))).toBeLessThan(1e-9);
  });

  it('with learned positions (mixed by 0.707106781), to 1e-9', () => {
    expect(largestDifference(tinyConfig({ ...base, posEncodings: 'learned' }))).toBeLessThan(1e-9);
  });
});
