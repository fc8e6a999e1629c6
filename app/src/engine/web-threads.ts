/**
 * Threads for the wasm backend in a browser. Its thread pool starts helpers through Node's
 * `worker_threads` (`new Worker(source, { eval: true, workerData })`), which a browser does not have; in a
 * cross-origin isolated page a Web Worker can do the same job: it receives the compiled module and the
 * shared memory by `postMessage`, and runs the pool's own worker source with `require('node:worker_threads')`
 * answering `{ workerData }`. The pool finds this constructor where it looks for Node's (the
 * `process.getBuiltinModule` of `globalThis`), so its code is unchanged. Only for a worker: the pool's
 * caller blocks with `Atomics.wait`, which a page's main thread may not.
 */

interface NodeLikeWorkerOptions {
  readonly eval: true;
  readonly workerData: unknown;
  readonly name?: string;
}

/** A Web Worker behind the part of Node's `Worker` interface that the thread pool uses. */
class WebThread {
  private readonly worker: Worker;

  constructor(source: string, options: NodeLikeWorkerOptions) {
    const program = `self.onmessage = (event) => {
  self.onmessage = null;
  const require = () => ({ workerData: event.data });
  ${source}
};`;
    // The URL stays valid while the worker lives: the worker fetches its script after the constructor returns.
    const url = URL.createObjectURL(new Blob([program], { type: 'text/javascript' }));
    this.worker = new Worker(url, options.name === undefined ? {} : { name: options.name });
    this.worker.postMessage(options.workerData);
  }

  unref(): void {}

  terminate(): Promise<number> {
    this.worker.terminate();
    return Promise.resolve(0);
  }

  on(_event: 'error', listener: (e: Error) => void): void {
    this.worker.addEventListener('error', (e) => listener(new Error(e.message || 'wasm thread failed to start')));
  }
}

/**
 * Lets the wasm backend's thread pool start Web Workers, where shared memory exists (the page is cross-origin
 * isolated); returns whether it could. Call it before the backend is made.
 */
export function enableWebThreads(): boolean {
  if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer !== 'function') return false;
  if ('process' in globalThis) return false; // something else already plays Node here
  const builtins: Readonly<Record<string, unknown>> = { 'node:worker_threads': { Worker: WebThread } };
  Object.defineProperty(globalThis, 'process', {
    value: { env: {}, getBuiltinModule: (name: string) => builtins[name] },
    configurable: true,
  });
  return true;
}
