/** The page's side of the training worker: start one, send it requests, hear its events. */
import type { TrainEvent, TrainRequest } from './protocol.js';

export class TrainClient {
  private readonly worker: Worker;

  constructor(onEvent: (event: TrainEvent) => void) {
    this.worker = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module', name: 'hrm-train' });
    this.worker.onmessage = (e: MessageEvent<TrainEvent>) => onEvent(e.data);
    this.worker.onerror = (e) => onEvent({ type: 'error', message: e.message || 'the training worker failed' });
  }

  send(request: TrainRequest): void {
    this.worker.postMessage(request);
  }

  close(): void {
    this.worker.terminate();
  }
}
