/**
 * The training worker: trains a small HRM on a task's generated puzzles with the library's `trainStep`
 * (deep supervision, ACT, AdamATan2), off the page's thread. It reports every step, evaluates on unseen
 * puzzles now and then, pauses between steps when asked, and sends the checkpoint as it stands, in the
 * format `hrm eval --checkpoint` reads.
 */
import { leaves } from '@hrm/autodiff';
import { disposeReplaced, keep, key } from '@hrm/core';
import {
  builtinPreset,
  evaluate,
  initTrainState,
  type ModelConfig,
  modelConfig,
  modelFileToBytes,
  reasonerFor,
  type TrainConfig,
  type TrainState,
  trainConfig,
  trainStep,
} from '@hrm/hrm';
import { toBatch } from '@hrm/hrm/tasks';
import * as E from 'fp-ts/lib/Either.js';
import { startBackend } from '../engine/backends.js';
import { workerScope } from '../engine/worker-scope.js';
import type { TrainEvent, TrainRequest } from './protocol.js';

const scope = workerScope<TrainRequest, TrainEvent>();

interface Run {
  readonly task: string;
  readonly seed: number;
  readonly model: ModelConfig;
  readonly train: TrainConfig;
  state: TrainState;
  paused: boolean;
  wake: (() => void) | undefined;
}

let run: Run | undefined;

const post = (event: TrainEvent, transfer: Transferable[] = []) => scope.postMessage(event, transfer);

/** Lets messages (pause, checkpoint) in between steps. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function train(req: Extract<TrainRequest, { type: 'start' }>): Promise<void> {
  const info = await startBackend(req.backend);
  const preset = builtinPreset(req.task);
  if (!preset) throw new Error(`unknown task ${req.task}`);
  const model = modelConfig(preset.model);
  const config = trainConfig({ ...preset.train, totalSteps: req.steps, batchSize: req.batchSize, seed: req.seed });
  const reasoner = reasonerFor(model);
  const state = keep(initTrainState(reasoner, key(req.seed), config));
  const current: Run = { task: req.task, seed: req.seed, model, train: config, state, paused: false, wake: undefined };
  run = current;
  const parameters = leaves(state.params).reduce((n, l) => n + l.value.size, 0);
  post({
    type: 'started',
    info,
    parameters,
    totalSteps: config.totalSteps,
    summary:
      `HRM, hidden ${model.hidden}, ${model.hLayers}+${model.lLayers} layers, ${model.hCycles}x${model.lCycles} cycles, ` +
      `up to ${model.haltMaxSteps} segments; batch ${config.batchSize}, lr ${config.lr}`,
  });
  const unseen = toBatch(preset.evalExamples(req.evalSize), { seqLen: model.seqLen });
  if (E.isLeft(unseen)) throw unseen.left;
  const evaluateNow = () => {
    const r = evaluate(reasoner, current.state.params, current.state.buffers, [unseen.right]);
    const last = r.perSegment[r.perSegment.length - 1];
    post({ type: 'eval', step: current.state.step, exact: last.exactAccuracy, segments: r.perSegment.length });
  };
  evaluateNow();
  while (current.state.step < config.totalSteps) {
    await tick();
    while (current.paused) await new Promise<void>((resolve) => (current.wake = resolve));
    const t0 = performance.now();
    const batch = preset.trainBatch(req.seed, current.state.step, config.batchSize);
    const { state: next, metrics } = trainStep(reasoner, current.state, batch, config);
    disposeReplaced({ state: current.state, batch }, next);
    current.state = next;
    post({
      type: 'step',
      step: metrics.step,
      loss: metrics.lmLoss,
      exact: metrics.exactAccuracy,
      lr: metrics.lr,
      ms: performance.now() - t0,
    });
    if (next.step % req.evalEvery === 0 || next.step === config.totalSteps) evaluateNow();
  }
  post({ type: 'done', step: current.state.step });
}

function checkpoint(): void {
  if (!run) throw new Error('no training run to save');
  const bytes = modelFileToBytes(run.state, run.model, run.train, { task: run.task, seed: run.seed });
  if (E.isLeft(bytes)) throw bytes.left;
  const copy = bytes.right.slice();
  post(
    {
      type: 'checkpoint',
      bytes: copy,
      step: run.state.step,
      fileName: `${run.task}-step${run.state.step}.safetensors`,
    },
    [copy.buffer],
  );
}

scope.onmessage = (event) => {
  const req = event.data;
  try {
    if (req.type === 'start') {
      if (run) throw new Error('this worker already trains; start a new one');
      train(req).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
    } else if (req.type === 'pause' && run) {
      run.paused = true;
      post({ type: 'paused', step: run.state.step });
    } else if (req.type === 'resume' && run) {
      run.paused = false;
      run.wake?.();
      run.wake = undefined;
      post({ type: 'resumed', step: run.state.step });
    } else if (req.type === 'checkpoint') checkpoint();
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
