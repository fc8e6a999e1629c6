/** A three-level reasoner (H slow, M middle, L fast) on 6x6 Sudoku, from @hrm/hrm's public parts only. */
import { add, type Key, key, splitKey, type Tensor } from '@hrm/core';
import * as hrm from '@hrm/hrm';
import { presetNamed, runReasoner, scoreExamples } from '@hrm/hrm/node';
import { initialState } from '@hrm/nn';

type Params = hrm.ReasonerIO & Readonly<Record<'H' | 'M' | 'L', hrm.ReasoningBlocks>>;
type Buffers = hrm.HrmBuffers & { readonly mInit: Tensor<['hidden']> };
type States = Readonly<Record<'zH' | 'zM' | 'zL', hrm.Hidden>>;

/** Per segment: 2 × [2 × (zL ← L(zL, zM + x)), zM ← M(zM, zL + zH)], then zH ← H(zH, zM): seven updates. */
export function threeLevel(cfg: hrm.ModelConfig): hrm.Reasoner<Params, Buffers, States> {
  const parts = hrm.hrmParts(cfg);
  const blocks = hrm.blockConfig(cfg);
  const module = (pick: (p: Params) => hrm.ReasoningBlocks) => (p: Params, z: hrm.Hidden, injection: hrm.Hidden) =>
    hrm.reasoningModule(pick(p), z, injection, blocks);
  const init = (k: Key) => {
    const [kIO, kPos, kLm, kH, kM, kL, kh, km, kl] = splitKey(k, 9);
    const vector = (kv: Key) => initialState(kv, 'hidden', { dims: hrm.modelDims(cfg) });
    const stack = (kb: Key) => hrm.initReasoningBlocks(kb, cfg, 1);
    const io = hrm.initIO({ embed: kIO, positions: kPos, lmHead: kLm }, cfg);
    const buffers = { hInit: vector(kh), mInit: vector(km), lInit: vector(kl), ...hrm.initPuzzleTable(cfg) };
    return { params: { ...io, H: stack(kH), M: stack(kM), L: stack(kL) }, buffers };
  };
  return {
    ...parts,
    init,
    window: 'one-step', // the last update of each level is differentiated
    initial: (b) => ({ ...parts.initial(b), zM: b.mInit }),
    blank: (b, n) => ({ ...parts.blank(b, n), zM: parts.blank(b, n).zL }), // placeholders, replaced on the first reset
    hierarchy: {
      cycles: 1,
      levels: [
        { state: 'zH', period: 2, inject: (s) => s.zM, module: module((p) => p.H) },
        { state: 'zM', period: 2, inject: (s) => add(s.zL, s.zH), module: module((p) => p.M) },
        { state: 'zL', inject: (s, x) => add(s.zM, x), module: module((p) => p.L) },
      ],
    },
  };
}

/** Trains on 6x6 Sudoku for `steps`; the task's metrics (exact, cell, blank-cell accuracy) on 500 unseen puzzles. */
export async function trainThreeLevel(steps: number, seed = 0): Promise<Record<string, number>> {
  const preset = presetNamed('sudoku6');
  if (!preset) throw new Error('no sudoku6 preset');
  const model = hrm.modelConfig(preset.model);
  const train = hrm.trainConfig({ ...preset.train, totalSteps: steps, lrWarmupSteps: Math.min(100, steps) });
  const reasoner = threeLevel(model);
  const data = (_: Key, step: number) => preset.trainBatch(seed, step, train.batchSize);
  const { state } = await runReasoner(reasoner, { model, train, key: key(seed), data });
  const m = { model, reasoner, params: state.ema ?? state.params, buffers: state.buffers };
  return scoreExamples(m, preset, preset.evalExamples(500)).atHalt;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await trainThreeLevel(Number(process.argv[2] ?? 300)));
