import { dispose, disposeReplaced, keep, key, scope, take, withBackend } from '@hrm/core';
import {
  initHrm,
  initialCarry,
  initTrainState,
  type ModelConfig,
  reasonerFor,
  resetHalted,
  segment,
  type TrainState,
  trainConfig,
  trainStep,
} from '@hrm/hrm';
import type { Backend } from '@hrm/kernels';
import { randomBatch, tinyConfig } from '@hrm/testing/tiny';

export const HRM_MODEL: ModelConfig = tinyConfig({ hidden: 16, heads: 2, haltMaxSteps: 2, numPuzzleIdentifiers: 1 });
const BATCH = 6;

/** Logits `[B, L, vocab]` then Q halt and Q continue `[B]`, flattened, of one segment from the initial carry. */
export function hrmForward(backend: Backend): Float32Array {
  return withBackend(backend, () =>
    scope(() => {
      const model = HRM_MODEL;
      const { params, buffers } = initHrm(key(5), model);
      const batch = randomBatch(key(6), BATCH, model);
      const reasoner = reasonerFor(model);
      const carry = resetHalted(reasoner, initialCarry(reasoner, buffers, BATCH), batch, buffers);
      const rows = buffers.puzzleEmb ? take(buffers.puzzleEmb, carry.data.puzzleIds, 0) : undefined;
      const out = segment(reasoner, params, carry.inner, carry.data.inputs, rows);
      const parts = [out.logits, out.qHalt, out.qContinue].map((t) => Array.from(t.data()));
      return Float32Array.from(parts.flat());
    }),
  );
}

/** `steps` HRM training steps on one fixed batch; the LM loss of each. */
export function hrmTrain(backend: Backend, steps: number, onStep?: (step: number) => void): number[] {
  return withBackend(backend, () => {
    const model = HRM_MODEL;
    const train = trainConfig({
      batchSize: BATCH,
      totalSteps: steps,
      lr: 5e-3,
      lrWarmupSteps: 5,
      weightDecay: 0,
      puzzleEmbWeightDecay: 0,
    });
    const batch = keep(scope(() => randomBatch(key(42), BATCH, model)));
    let state: TrainState = keep(scope(() => initTrainState(reasonerFor(model), key(0), train)));
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const { state: next, metrics } = trainStep(reasonerFor(model), state, batch, train);
      // Release what the new state no longer holds (it carries some tensors over, as hrm's run loop).
      disposeReplaced(state, next);
      state = keep(next);
      losses.push(metrics.lmLoss);
      onStep?.(i);
    }
    dispose([state, batch]);
    return losses;
  });
}
