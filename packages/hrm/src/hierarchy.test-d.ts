/**
 * The types carry the model: a hierarchy's levels are checked against its states, HRM's weights and
 * activations have named dims, and the generic machinery keeps a reasoner's own types.
 */
import type { Tensor } from '@hrm/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { Carry } from './act.js';
import type { ModelConfig } from './config.js';
import type { Hierarchy } from './hierarchy.js';
import { runHierarchy } from './hierarchy.js';
import { type HrmStates, hrm, reasoningModule } from './hrm.js';
import type { HrmBuffers, HrmParams, ReasoningBlocks } from './params.js';
import { type Hidden, type Logits, type Reasoner, segment, type Tokens } from './reasoner.js';
import { type TrainState, trainStep } from './train.js';

declare const cfg: ModelConfig;
declare const blocks: ReasoningBlocks;
declare const h: Hidden;

declare const wide: Tensor<['batch', 'seq', 'vocab']>;

interface Three {
  readonly zH: Hidden;
  readonly zM: Hidden;
  readonly zL: Hidden;
}
interface P {
  readonly w: Tensor<['hidden', 'hidden']>;
}
declare const three: Reasoner<P, HrmBuffers, Three>;
declare const state: TrainState<P, HrmBuffers, Three>;
declare const tokens: Tokens;
declare const hrmState: TrainState;

interface Two {
  readonly fast: Hidden;
  readonly slow: Tensor<['batch', 'hidden']>;
}

describe('a hierarchy is checked against its states', () => {
  it('accepts levels whose modules and injections keep their state’s type', () => {
    const ok: Hierarchy<ReasoningBlocks, Two, Hidden> = {
      cycles: 2,
      levels: [
        { state: 'slow', period: 3, inject: (s) => s.slow, module: (_, z) => z },
        {
          state: 'fast',
          inject: (_, x) => x,
          module: (p, z, injection) => reasoningModule(p, z, injection, { hidden: 8, heads: 2, expansion: 2 }),
        },
      ],
    };
    expectTypeOf(runHierarchy(ok, blocks, {} as Two, h, 'one-step')).toEqualTypeOf<Two>();
  });

  it('refuses a level on a state the carry does not have', () => {
    const bad: Hierarchy<unknown, Two, Hidden> = {
      cycles: 1,
      // @ts-expect-error -- there is no state 'medium'
      levels: [{ state: 'medium', inject: (s) => s.fast, module: (_, z) => z }],
    };
    void bad;
  });

  it('refuses a module that returns another shape than its state', () => {
    const bad: Hierarchy<unknown, Two, Hidden> = {
      cycles: 1,
      // @ts-expect-error -- 'slow' is [batch, hidden]; this module returns [batch, seq, hidden]
      levels: [{ state: 'slow', inject: (s) => s.slow, module: () => h }],
    };
    void bad;
  });

  it('refuses an injection of another shape than the state', () => {
    const bad: Hierarchy<unknown, Two, Hidden> = {
      cycles: 1,
      // @ts-expect-error -- the fast state is [batch, seq, hidden]; this injection is [batch, hidden]
      levels: [{ state: 'fast', inject: (s) => s.slow, module: (_, z) => z }],
    };
    void bad;
  });
});

describe('HRM is typed with named dims', () => {
  it('weights and activations carry hidden, vocab, seq, tokens and batch', () => {
    expectTypeOf<HrmParams['lmHead']['w']>().toEqualTypeOf<Tensor<['hidden', 'vocab']>>();
    expectTypeOf<HrmParams['embed']['table']>().toEqualTypeOf<Tensor<['vocab', 'hidden']>>();
    expectTypeOf<HrmBuffers['hInit']>().toEqualTypeOf<Tensor<['hidden']>>();
    expectTypeOf(hrm(cfg)).toEqualTypeOf<Reasoner<HrmParams, HrmBuffers, HrmStates>>();
    expectTypeOf(hrm(cfg).output).returns.toEqualTypeOf<Logits>();
    expectTypeOf<Logits>().toEqualTypeOf<Tensor<['batch', 'tokens', 'vocab']>>();
  });

  it('a reasoning module refuses a state whose dims are not [batch, seq, hidden]', () => {
    // @ts-expect-error -- a [batch, seq, vocab] state is not a Hidden
    reasoningModule(blocks, wide, h, { hidden: 8, heads: 2, expansion: 2 });
  });
});

describe('the machinery keeps a reasoner’s own types', () => {
  it('segment returns the same named states, detached', () => {
    expectTypeOf(segment(three, state.params, state.carry.inner, tokens, undefined).carry).toEqualTypeOf<Three>();
  });

  it('trainStep returns the state of the same parameters, buffers and states', () => {
    const r = trainStep(three, state, state.carry.data, {} as Parameters<typeof trainStep>[3]);
    expectTypeOf(r.state).toEqualTypeOf<TrainState<P, HrmBuffers, Three>>();
    expectTypeOf(r.state.carry).toEqualTypeOf<Carry<Three>>();
  });

  it('refuses a training state of another reasoner', () => {
    // @ts-expect-error -- HRM's state (zH, zL) is not the three-level reasoner's
    trainStep(three, hrmState, hrmState.carry.data, {} as Parameters<typeof trainStep>[3]);
  });
});
