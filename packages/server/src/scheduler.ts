/**
 * Batching across callers. A model answers 32 puzzles in one batch in about the time it answers 2 or 3
 * one at a time (the batch fills the SIMD lanes and the threads; see the package README), so puzzles
 * that arrive within a few milliseconds of each other for the same model (and the same number of
 * segments) wait in a small queue and run as one batch: the queue runs when its first puzzle has
 * waited `windowMs`, or at once when it holds `maxBatch` puzzles. One batch runs at a time, queues
 * take turns, and while a batch runs (on the model worker's thread, see worker.ts) the requests that
 * arrive gather for the next one.
 *
 * Bounded: a model's queue holds at most `maxQueue` puzzles (a request that would pass it fails at
 * once with 503 and Retry-After); a request still waiting at its deadline, or whose caller went away,
 * leaves the queue without running.
 */
import { scope } from '@hrm/core';
import { haltingSegment, predictSegments } from '@hrm/hrm';
import { batchesOf } from '@hrm/hrm/node';
import type { Example } from '@hrm/hrm/tasks';
import { ApiError } from './errors.js';
import type { ServedModel } from './models.js';

/** How puzzles from different requests are gathered into batches. */
export interface Batching {
  /** How long the first puzzle of a batch waits for others, in milliseconds (default 2; 0: the next turn of the event loop). */
  readonly windowMs: number;
  /** The most puzzles in one batch (default 32; 1 turns batching across requests off). */
  readonly maxBatch: number;
}

/** The batching a server has unless told otherwise. */
export const DEFAULT_BATCHING: Batching = { windowMs: 2, maxBatch: 32 };

/** What the model did on one puzzle: its answer after each segment, its Q values, and where ACT halts. */
export interface PuzzleRun {
  /** The answer tokens after each segment. */
  readonly answers: readonly Int32Array[];
  readonly qHalt: readonly number[];
  readonly qContinue: readonly number[];
  /** The segment (from 1) where the Q head halts; the last one when it never does. */
  readonly haltSegment: number;
}

/**
 * Runs `segments` segments of a model on examples, in batches, and frees every tensor it made
 * (`scope`): the model's weights are all that stays between requests.
 */
export function runPuzzles(model: ServedModel, examples: readonly Example[], segments: number): PuzzleRun[] {
  const m = model.file;
  return scope(() => {
    const out: PuzzleRun[] = [];
    for (const batch of batchesOf(examples, m.model.seqLen)) {
      const trace = predictSegments(m.reasoner, m.params, m.buffers, batch, segments);
      const halts = haltingSegment(trace, m.model);
      halts.forEach((haltSegment, i) => {
        out.push({
          answers: trace.map((s) => s.tokens[i]),
          qHalt: trace.map((s) => s.qHalt[i]),
          qContinue: trace.map((s) => s.qContinue[i]),
          haltSegment,
        });
      });
    }
    return out;
  });
}

/**
 * A function that runs a batch: `runPuzzles` on this thread, a `ModelWorker`'s `run` on another, or a
 * stand-in in tests.
 */
export type BatchRunner = (
  model: ServedModel,
  examples: readonly Example[],
  segments: number,
) => PuzzleRun[] | Promise<PuzzleRun[]>;

interface Job {
  readonly examples: readonly Example[];
  readonly resolve: (runs: PuzzleRun[]) => void;
  readonly reject: (e: unknown) => void;
  /** Set once the job is settled or has left its queue. */
  done: boolean;
  started: boolean;
  cleanup: () => void;
}

interface Lane {
  readonly key: string;
  readonly model: ServedModel;
  readonly segments: number;
  readonly jobs: Job[];
  puzzles: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Counts of what the scheduler did (for tests and benchmarks). */
export interface SchedulerStats {
  /** Batches run. */
  readonly batches: number;
  /** Puzzles run in them. */
  readonly puzzles: number;
  /** The largest batch. */
  readonly largest: number;
}

/** Options of a request's stay in the queue. */
export interface SubmitOptions {
  /** When (Date.now() milliseconds) the request gives up: 504 if it has not run by then. */
  readonly deadline: number;
  /** Aborted when the caller goes away: a request not yet run leaves the queue. */
  readonly signal?: AbortSignal;
}

/** The per-model queues, and the one loop that runs their batches. */
export class Scheduler {
  private readonly lanes = new Map<string, Lane>();
  private readonly ready: Lane[] = [];
  private readonly perModel = new Map<string, number>();
  private pumping = false;
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private counts = { batches: 0, puzzles: 0, largest: 0 };

  constructor(
    private readonly batching: Batching,
    private readonly maxQueue: number,
    private readonly runner: BatchRunner = runPuzzles,
  ) {}

  /** Puzzles waiting, over every model. */
  queued(): number {
    let n = 0;
    for (const v of this.perModel.values()) n += v;
    return n;
  }

  /** Batches and puzzles run so far. */
  stats(): SchedulerStats {
    return { ...this.counts };
  }

  /** Resolves once nothing waits and nothing runs. */
  idle(): Promise<void> {
    if (this.queued() === 0 && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Queues the examples for the model; resolves with a run per example once their batch has run.
   * Rejects with 503 when the model's queue is full, 504 at the deadline.
   */
  submit(
    model: ServedModel,
    examples: readonly Example[],
    segments: number,
    opts: SubmitOptions,
  ): Promise<PuzzleRun[]> {
    const waiting = this.perModel.get(model.id) ?? 0;
    if (waiting + examples.length > this.maxQueue) {
      const retryAfterSeconds = 1;
      return Promise.reject(
        new ApiError(
          'overloaded',
          `the queue of model '${model.id}' is full (${waiting} puzzles wait, at most ${this.maxQueue}); retry in ${retryAfterSeconds} s`,
          { retryAfterSeconds },
        ),
      );
    }
    if (opts.signal?.aborted) return Promise.reject(new ApiError('timeout', 'the caller went away'));
    const key = `${model.id}\u0000${segments}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { key, model, segments, jobs: [], puzzles: 0, timer: undefined };
      this.lanes.set(key, lane);
    }
    const l = lane;
    return new Promise<PuzzleRun[]>((resolve, reject) => {
      const job: Job = {
        examples,
        resolve,
        reject,
        done: false,
        started: false,
        cleanup: () => {},
      };
      const leave = (error: ApiError) => {
        if (job.done) return;
        job.done = true;
        job.cleanup();
        if (!job.started) {
          const at = l.jobs.indexOf(job);
          if (at >= 0) {
            l.jobs.splice(at, 1);
            l.puzzles -= examples.length;
            this.count(model.id, -examples.length);
          }
        }
        reject(error);
        this.settleIdle();
      };
      const timer = setTimeout(
        () => leave(new ApiError('timeout', 'the request did not finish within its time limit')),
        Math.max(0, opts.deadline - Date.now()),
      );
      const onAbort = () => leave(new ApiError('timeout', 'the caller went away'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      job.cleanup = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      l.jobs.push(job);
      l.puzzles += examples.length;
      this.count(model.id, examples.length);
      if (l.puzzles >= this.batching.maxBatch || this.batching.windowMs <= 0) this.markReady(l);
      else l.timer ??= setTimeout(() => this.markReady(l), this.batching.windowMs);
    });
  }

  private count(id: string, delta: number): void {
    this.perModel.set(id, (this.perModel.get(id) ?? 0) + delta);
  }

  private markReady(lane: Lane): void {
    if (lane.timer !== undefined) clearTimeout(lane.timer);
    lane.timer = undefined;
    if (!this.ready.includes(lane)) this.ready.push(lane);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => {
      this.pumping = false;
      this.pump();
    });
  }

  /**
   * Runs one batch from the first ready queue, then (once it is done: the runner may be another
   * thread) the next, letting the event loop turn in between.
   */
  private pump(): void {
    if (this.running) return;
    const lane = this.ready.shift();
    if (!lane) {
      this.settleIdle();
      return;
    }
    const jobs: Job[] = [];
    let size = 0;
    while (lane.jobs.length > 0) {
      const next = lane.jobs[0];
      if (jobs.length > 0 && size + next.examples.length > this.batching.maxBatch) break;
      lane.jobs.shift();
      jobs.push(next);
      size += next.examples.length;
    }
    lane.puzzles -= size;
    this.count(lane.model.id, -size);
    // What is left waits its turn behind the other ready queues.
    if (lane.jobs.length > 0) this.ready.push(lane);
    if (jobs.length === 0) {
      this.schedulePump();
      return;
    }
    this.running = true;
    void this.runJobs(lane, jobs).finally(() => {
      this.running = false;
      if (this.ready.length > 0) this.schedulePump();
      else this.settleIdle();
    });
  }

  private async runJobs(lane: Lane, jobs: readonly Job[]): Promise<void> {
    for (const j of jobs) j.started = true;
    const examples = jobs.flatMap((j) => j.examples);
    let runs: PuzzleRun[];
    try {
      runs = await this.runner(lane.model, examples, lane.segments);
    } catch (e) {
      for (const j of jobs) this.settle(j, () => j.reject(e));
      return;
    }
    this.counts.batches++;
    this.counts.puzzles += examples.length;
    this.counts.largest = Math.max(this.counts.largest, examples.length);
    let at = 0;
    for (const j of jobs) {
      const mine = runs.slice(at, at + j.examples.length);
      at += j.examples.length;
      this.settle(j, () => j.resolve(mine));
    }
  }

  private settle(job: Job, how: () => void): void {
    if (job.done) return;
    job.done = true;
    job.cleanup();
    how();
  }

  private settleIdle(): void {
    if (this.queued() > 0 || this.running || this.ready.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
