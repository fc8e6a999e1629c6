/**
 * The engine worker: runs one backend (chosen by the first message), loads checkpoints from their URLs
 * through the library's safetensors code, and solves puzzles segment by segment, so that the page never
 * waits on the model.
 */
import { atSeqLen, type ModelFromBytes, modelFromBytes, reasonerFor } from '@hrm/hrm';
import * as E from 'fp-ts/lib/Either.js';
import { startBackend } from './backends.js';
import type { EngineReply, EngineRequest, ModelSummary } from './protocol.js';
import { scheduleOf, solveTrace } from './solve.js';
import { workerScope } from './worker-scope.js';

const scope = workerScope<EngineRequest, EngineReply>();
const models = new Map<string, ModelFromBytes>();
/** Reasoners of size-free models at other lengths, by task and length. */
const resized = new Map<string, ModelFromBytes['reasoner']>();

/**
 * The model's reasoner at `tokens` tokens: its own, or for a size-free model (the grid mixer, which runs at
 * any grid size: a model trained on 9x9 mazes solving 15x15 ones) the same weights at that length.
 */
function reasonerAt(task: string, m: ModelFromBytes, tokens: number): ModelFromBytes['reasoner'] {
  if (tokens === m.reasoner.tokens) return m.reasoner;
  const id = `${task}:${tokens}`;
  const known = resized.get(id);
  if (known) return known;
  const cfg = atSeqLen(m.model, tokens);
  if (E.isLeft(cfg)) throw new Error(`the ${task} checkpoint cannot solve ${tokens} tokens: ${cfg.left.join('; ')}`);
  const reasoner = reasonerFor(cfg.right);
  resized.set(id, reasoner);
  return reasoner;
}

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
      const reasoner = reasonerAt(req.task, m, req.inputs.length);
      return { id: req.id, type: 'solved', trace: solveTrace(reasoner, m.params, m.buffers, req.inputs) };
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
