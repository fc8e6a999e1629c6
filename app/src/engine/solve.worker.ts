/**
 * The engine worker: runs one backend (chosen by the first message), loads checkpoints from their URLs
 * through the library's safetensors code, and solves puzzles segment by segment, so that the page never
 * waits on the model.
 */
import { type ModelFromBytes, modelFromBytes } from '@hrm/hrm';
import * as E from 'fp-ts/lib/Either.js';
import { startBackend } from './backends.js';
import type { EngineReply, EngineRequest, ModelSummary } from './protocol.js';
import { scheduleOf, solveTrace } from './solve.js';
import { workerScope } from './worker-scope.js';

const scope = workerScope<EngineRequest, EngineReply>();
const models = new Map<string, ModelFromBytes>();

async function load(task: string, url: string): Promise<ModelFromBytes> {
  const cached = models.get(task);
  if (cached) return cached;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch the ${task} checkpoint: HTTP ${response.status}`);
  const loaded = modelFromBytes(new Uint8Array(await response.arrayBuffer()), `${task}.safetensors`);
  if (E.isLeft(loaded)) throw loaded.left;
  models.set(task, loaded.right);
  return loaded.right;
}

function summary(task: string, m: ModelFromBytes): ModelSummary {
  return {
    task,
    step: m.step,
    haltMaxSteps: m.model.haltMaxSteps,
    hCycles: m.model.hCycles,
    lCycles: m.model.lCycles,
    hidden: m.model.hidden,
    window: typeof m.reasoner.window === 'string' ? m.reasoner.window : 'custom',
    haltRule: m.reasoner.act.haltRule,
    schedule: scheduleOf(m.reasoner),
  };
}

async function handle(req: EngineRequest): Promise<EngineReply> {
  switch (req.type) {
    case 'start':
      return { id: req.id, type: 'started', info: await startBackend(req.backend) };
    case 'load': {
      const t0 = performance.now();
      const m = await load(req.task, req.url);
      return { id: req.id, type: 'loaded', model: summary(req.task, m), ms: performance.now() - t0 };
    }
    case 'solve': {
      const m = models.get(req.task);
      if (!m) throw new Error(`the ${req.task} checkpoint is not loaded`);
      return { id: req.id, type: 'solved', trace: solveTrace(m.reasoner, m.params, m.buffers, req.inputs) };
    }
  }
}

// One request at a time, in order.
let queue = Promise.resolve();
scope.onmessage = (event) => {
  const req = event.data;
  queue = queue.then(async () => {
    try {
      scope.postMessage(await handle(req));
    } catch (e) {
      scope.postMessage({ id: req.id, type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  });
};
