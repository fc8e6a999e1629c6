/**
 * The solve runner: one puzzle through a trained reasoner, segment by segment, keeping what the page
 * shows. After each segment: the answer (argmax per cell), each cell's confidence (the softmax
 * probability of that answer), and the Q head's halt and continue logits; inside each segment, after
 * every update of the hierarchy (the `observe` callback of `segment`), the norm of every state and how
 * far the updated state moved. Pure code over the library: it runs in the page's worker and in Node.
 */
import { dispose, scope, type Tensor, take } from '@hrm/core';
import {
  haltSegmentOf,
  initialCarry,
  type Reasoner,
  type ReasonerBuffers,
  recordedBy,
  resetHalted,
  type States,
  schedule,
  segment,
} from '@hrm/hrm';
import { toBatch } from '@hrm/hrm/tasks';
import * as E from 'fp-ts/lib/Either.js';

/** One update of the hierarchy inside a segment, as the observer saw it. */
export interface UpdateTrace {
  /** Position in the segment's schedule, from 0. */
  readonly index: number;
  /** The state the update wrote (HRM: `zH` or `zL`). */
  readonly state: string;
  /** The top-level cycle it belongs to (HRM's n, from 0). */
  readonly cycle: number;
  /** Whether the gradient window records it (HRM's one-step gradient: the last update of each level). */
  readonly recorded: boolean;
  /** The L2 norm of every state after the update. */
  readonly norms: Readonly<Record<string, number>>;
  /** ‖new − old‖ / ‖old‖ of the state this update wrote: small when the module has converged. */
  readonly change: number;
}

/** What the model thinks after one segment. */
export interface SegmentTrace {
  /** The predicted token per cell (argmax of the logits). */
  readonly tokens: readonly number[];
  /** The softmax probability of the predicted token, per cell. */
  readonly confidence: readonly number[];
  readonly qHalt: number;
  readonly qContinue: number;
  readonly updates: readonly UpdateTrace[];
}

/** A whole solve: every segment, where ACT halts (1-based), and how long it took. */
export interface SolveTrace {
  readonly segments: readonly SegmentTrace[];
  readonly haltAt: number;
  /** Milliseconds for the whole run, reading results back included. */
  readonly ms: number;
}

/** One step of a segment's schedule, for the page: the level's state, its cycle, and whether it is recorded. */
export interface ScheduleCell {
  readonly index: number;
  readonly state: string;
  readonly level: number;
  readonly cycle: number;
  readonly recorded: boolean;
}

/** The schedule of one segment of `reasoner` with the steps its gradient window records. */
export function scheduleOf<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
): ScheduleCell[] {
  const recorded = recordedBy(reasoner.hierarchy, reasoner.window);
  let cycle = 0;
  return schedule(reasoner.hierarchy).map((step) => {
    const cell = { index: step.index, state: step.state, level: step.level, cycle, recorded: recorded(step) };
    if (step.level === 0) cycle++;
    return cell;
  });
}

function l2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Argmax and its softmax probability for each row of `vocab` logits. */
export function answerOf(logits: ArrayLike<number>, vocab: number): { tokens: number[]; confidence: number[] } {
  const rows = logits.length / vocab;
  const tokens: number[] = [];
  const confidence: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let top = Number.NEGATIVE_INFINITY;
    for (let v = 0; v < vocab; v++) {
      const x = logits[r * vocab + v];
      if (x > top) {
        top = x;
        best = v;
      }
    }
    let z = 0;
    for (let v = 0; v < vocab; v++) z += Math.exp(logits[r * vocab + v] - top);
    tokens.push(best);
    confidence.push(1 / z);
  }
  return { tokens, confidence };
}

type AnyStates = Readonly<Record<string, Tensor>>;

/**
 * Runs `segments` segments (default: the model's `haltMaxSteps`, as `hrm solve` does) on one puzzle given as
 * input tokens, and returns what the page shows. Every tensor made is released before it returns.
 */
export function solveTrace<P, B extends ReasonerBuffers, C extends States<C>, X>(
  reasoner: Reasoner<P, B, C, X>,
  params: P,
  buffers: B,
  inputs: readonly number[],
  segments = reasoner.act.haltMaxSteps,
): SolveTrace {
  const t0 = performance.now();
  const traced = scope(() => {
    const batch = toBatch([{ inputs, labels: inputs, puzzleId: 0 }], { seqLen: reasoner.tokens });
    if (E.isLeft(batch)) throw batch.left;
    const carry = resetHalted(reasoner, initialCarry(reasoner, buffers, 1), batch.right, buffers);
    const rows = buffers.puzzleEmb ? take(buffers.puzzleEmb, carry.data.puzzleIds, 0) : undefined;
    const plan = scheduleOf(reasoner);
    const out: SegmentTrace[] = [];
    let states = carry.inner;
    for (let s = 0; s < segments; s++) {
      const start = states;
      states = scope(() => {
        const last = new Map<string, Float32Array>();
        for (const [name, t] of Object.entries(start as AnyStates)) last.set(name, Float32Array.from(t.data()));
        const updates: UpdateTrace[] = [];
        const r = segment(reasoner, params, start, carry.data.inputs, rows, (step, after, recorded) => {
          const norms: Record<string, number> = {};
          let change = 0;
          for (const [name, t] of Object.entries(after as AnyStates)) {
            const now = t.data();
            norms[name] = l2(now);
            if (name === step.state) {
              const before = last.get(name) ?? new Float32Array(now.length);
              change = distance(now, before) / Math.max(l2(before), 1e-12);
              last.set(name, Float32Array.from(now));
            }
          }
          updates.push({
            index: step.index,
            state: step.state,
            cycle: plan[step.index].cycle,
            recorded,
            norms,
            change,
          });
        });
        const vocab = r.logits.shape[2];
        out.push({
          ...answerOf(r.logits.data(), vocab),
          qHalt: r.qHalt.data()[0],
          qContinue: r.qContinue.data()[0],
          updates,
        });
        return r.carry;
      });
      if (s > 0) dispose(start);
    }
    return out;
  });
  const haltAt = haltSegmentOf(
    traced.map((s) => s.qHalt),
    traced.map((s) => s.qContinue),
    reasoner.act,
  );
  return { segments: traced, haltAt, ms: performance.now() - t0 };
}
