/** The messages between the page and the engine worker (solve.worker.ts), which runs one backend. */
import type { ScheduleCell, SolveTrace } from './solve.js';

/** The backends the page offers. */
export type BackendChoice = 'wasm' | 'gpujs';

/** What a started backend runs on, for the page. */
export interface BackendInfo {
  readonly choice: BackendChoice;
  /** A short name: "wasm" or "gpu.js webgl2". */
  readonly name: string;
  /** What it runs on: SIMD features and threads, or the GL renderer. */
  readonly detail: string;
  /** Threads the wasm backend's kernels may use (1 for gpu.js). */
  readonly threads: number;
  readonly startMs: number;
}

/** A model as the page knows it: its task, training steps and segment schedule. */
export interface ModelSummary {
  readonly task: string;
  readonly step: number;
  readonly haltMaxSteps: number;
  readonly hCycles: number;
  readonly lCycles: number;
  readonly hidden: number;
  readonly window: string;
  readonly haltRule: 'q-compare' | 'q-positive';
  readonly schedule: readonly ScheduleCell[];
}

export type EngineRequest =
  | { readonly id: number; readonly type: 'start'; readonly backend: BackendChoice }
  | { readonly id: number; readonly type: 'load'; readonly task: string; readonly url: string }
  | { readonly id: number; readonly type: 'solve'; readonly task: string; readonly inputs: readonly number[] };

export type EngineReply =
  | { readonly id: number; readonly type: 'started'; readonly info: BackendInfo }
  | { readonly id: number; readonly type: 'loaded'; readonly model: ModelSummary; readonly ms: number }
  | { readonly id: number; readonly type: 'solved'; readonly trace: SolveTrace }
  | { readonly id: number; readonly type: 'error'; readonly message: string };
