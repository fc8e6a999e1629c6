/**
 * The global scope of a dedicated worker, typed by the messages it takes and sends (the DOM library
 * types `self` as a window, whose `postMessage` differs).
 */
export interface WorkerScope<In, Out> {
  onmessage: ((event: MessageEvent<In>) => void) | null;
  postMessage(message: Out, transfer?: Transferable[]): void;
}

/** This worker's global scope, typed. */
export function workerScope<In, Out>(): WorkerScope<In, Out> {
  return self as unknown as WorkerScope<In, Out>;
}
