/** The messages between the page and the training worker (train.worker.ts). */
import type { BackendChoice, BackendInfo } from '../engine/protocol.js';

/** What the page asks for: a run's settings, pause and resume, and the checkpoint as it stands. */
export type TrainRequest =
  | {
      readonly type: 'start';
      readonly backend: BackendChoice;
      readonly task: string;
      readonly steps: number;
      readonly batchSize: number;
      readonly seed: number;
      /** Evaluate on unseen puzzles every this many steps (and at the end). */
      readonly evalEvery: number;
      readonly evalSize: number;
    }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'checkpoint' };

/** One optimiser step's numbers. */
export interface StepReport {
  readonly step: number;
  /** The token loss (per batch slot). */
  readonly loss: number;
  /** Exact accuracy of the sequences that halted this step. */
  readonly exact: number;
  readonly lr: number;
  /** Wall time of this step. */
  readonly ms: number;
}

export type TrainEvent =
  | {
      readonly type: 'started';
      readonly info: BackendInfo;
      readonly parameters: number;
      readonly summary: string;
      readonly totalSteps: number;
    }
  | ({ readonly type: 'step' } & StepReport)
  | { readonly type: 'eval'; readonly step: number; readonly exact: number; readonly segments: number }
  | { readonly type: 'paused'; readonly step: number }
  | { readonly type: 'resumed'; readonly step: number }
  | { readonly type: 'done'; readonly step: number }
  | {
      readonly type: 'checkpoint';
      readonly bytes: Uint8Array<ArrayBuffer>;
      readonly fileName: string;
      readonly step: number;
    }
  | { readonly type: 'error'; readonly message: string };
