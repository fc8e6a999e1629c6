/**
 * The model worker's thread: it reads the same checkpoints as the server and runs the batches the
 * scheduler sends it, so the server's event loop never waits for a model (requests are read, health
 * answered and deadlines kept while a batch runs). Messages: `{ id, model, examples, segments }` in,
 * `{ id, runs }` or `{ id, error }` out; `{ ready: true }` once every model is loaded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readModelFile } from '@hrm/hrm/node';
import type { Example } from '@hrm/hrm/tasks';
import type { ServedModel } from './models.js';
import { runPuzzles } from './scheduler.js';

/** What the worker is started with: the models to load, by id. */
export interface WorkerData {
  readonly models: readonly { readonly id: string; readonly path: string }[];
  readonly dataDir?: string;
}

/** A batch to run. */
export interface WorkerRequest {
  readonly id: number;
  readonly model: string;
  readonly examples: readonly Example[];
  readonly segments: number;
}

const port = parentPort;
if (port) {
  const data = workerData as WorkerData;
  const models = new Map<string, ServedModel>(
    data.models.map(({ id, path }) => {
      const file = readModelFile(path, data.dataDir === undefined ? {} : { dataDir: data.dataDir });
      return [id, { id, task: file.preset.name, default: false, file }];
    }),
  );
  port.on('message', (req: WorkerRequest) => {
    try {
      const model = models.get(req.model);
      if (!model) throw new Error(`the worker has no model '${req.model}'`);
      port.postMessage({ id: req.id, runs: runPuzzles(model, req.examples, req.segments) });
    } catch (e) {
      port.postMessage({ id: req.id, error: (e as Error).stack ?? String(e) });
    }
  });
  port.postMessage({ ready: true });
}
