/**
 * The server side of the model worker (worker.ts): a `BatchRunner` whose batches run on another
 * thread. A worker that dies fails the batch it was running (500) and is started again for the next.
 */
import { Worker } from 'node:worker_threads';
import type { Example } from '@hrm/hrm/tasks';
import type { ModelRegistry, ServedModel } from './models.js';
import type { PuzzleRun } from './scheduler.js';
import type { WorkerData, WorkerRequest } from './worker.js';

interface Pending {
  readonly resolve: (runs: PuzzleRun[]) => void;
  readonly reject: (e: Error) => void;
}

/**
 * Starts worker.ts: the built file, or (when this package runs from its TypeScript sources, in this
 * repository) the source file through tsx.
 */
function spawn(data: WorkerData): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData: data, name: 'hrm-models' });
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: data, name: 'hrm-models', execArgv: ['--conditions=@hrm/source'] });
}

/** Runs batches of the registry's models on a worker thread. */
export class ModelWorker {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private closed = false;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly dataDir?: string,
  ) {}

  /** Starts the worker now (otherwise on the first batch); resolves once its models are loaded. */
  start(): Promise<void> {
    if (this.ready) return this.ready;
    const data: WorkerData = {
      models: this.registry.models.map((m) => ({ id: m.id, path: m.file.path })),
      ...(this.dataDir === undefined ? {} : { dataDir: this.dataDir }),
    };
    const worker = spawn(data);
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: { ready?: true; id?: number; runs?: PuzzleRun[]; error?: string }) => {
        if (msg.ready) return resolve();
        const p = msg.id === undefined ? undefined : this.pending.get(msg.id);
        if (!p || msg.id === undefined) return;
        this.pending.delete(msg.id);
        if (msg.error !== undefined) p.reject(new Error(`model worker: ${msg.error}`));
        else p.resolve(msg.runs ?? []);
      });
      const fail = (e: Error) => {
        reject(e);
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
        // The next batch starts a fresh worker.
        this.worker = undefined;
        this.ready = undefined;
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!this.closed) fail(new Error(`the model worker exited (code ${code})`));
      });
    });
    // Once loaded, only the batches keep the process alive for it: a server with nothing to run may exit.
    void this.ready.then(
      () => {
        if (this.pending.size === 0) worker.unref();
      },
      () => {},
    );
    return this.ready;
  }

  /** Runs a batch on the worker (a `BatchRunner`). */
  readonly run = async (model: ServedModel, examples: readonly Example[], segments: number): Promise<PuzzleRun[]> => {
    if (this.closed) throw new Error('the model worker is closed');
    await this.start();
    const worker = this.worker;
    if (!worker) throw new Error('the model worker is not running');
    const id = this.next++;
    return new Promise<PuzzleRun[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      const request: WorkerRequest = { id, model: model.id, examples, segments };
      worker.postMessage(request);
    }).finally(() => {
      if (this.pending.size === 0) this.worker?.unref();
    });
  };

  /** Stops the worker (batches still running fail). */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
