/**
 * The batching queue on its own, with a stand-in for the model: puzzles that arrive within the window
 * run as one batch, a full batch runs at once, a model's queue is bounded (503), a request leaves the
 * queue at its deadline (504) or when its caller goes away, and a failing batch fails only its requests.
 */
import type { ModelFile } from '@hrm/hrm/node';
import type { Example } from '@hrm/hrm/tasks';
import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import type { ServedModel } from './models.js';
import { type BatchRunner, type PuzzleRun, Scheduler } from './scheduler.js';

const model = (id: string): ServedModel => ({ id, task: id, default: true, file: {} as ModelFile });
const examples = (n: number, tag = 0): Example[] =>
  Array.from({ length: n }, (_, i) => ({ inputs: [tag, i], labels: [], puzzleId: 0 }));

/** A runner that records each batch (model, size, segments) and answers each example with its own inputs. */
function recorder() {
  const batches: { model: string; size: number; segments: number }[] = [];
  const runner: BatchRunner = (m, ex, segments) => {
    batches.push({ model: m.id, size: ex.length, segments });
    return ex.map(
      (e): PuzzleRun => ({ answers: [Int32Array.from(e.inputs)], qHalt: [0], qContinue: [0], haltSegment: 1 }),
    );
  };
  return { batches, runner };
}

const later = (ms: number) => Date.now() + ms;

describe('Scheduler', () => {
  it('runs the puzzles of concurrent requests to one model as one batch, each getting its own answers', async () => {
    const { batches, runner } = recorder();
    const s = new Scheduler({ windowMs: 20, maxBatch: 32 }, 100, runner);
    const m = model('a');
    const runs = await Promise.all(
      [0, 1, 2, 3].map((tag) => s.submit(m, examples(2, tag), 4, { deadline: later(5000) })),
    );
    expect(batches).toEqual([{ model: 'a', size: 8, segments: 4 }]);
    runs.forEach((r, tag) => {
      expect(r.map((x) => Array.from(x.answers[0] ?? []))).toEqual([
        [tag, 0],
        [tag, 1],
      ]);
    });
    expect(s.stats()).toEqual({ batches: 1, puzzles: 8, largest: 8 });
  });

  it('keeps models and segment counts apart, and splits at maxBatch without splitting a request', async () => {
    const { batches, runner } = recorder();
    const s = new Scheduler({ windowMs: 10, maxBatch: 4 }, 100, runner);
    const [a, b] = [model('a'), model('b')];
    const d = { deadline: later(5000) };
    await Promise.all([
      s.submit(a, examples(3), 4, d),
      s.submit(a, examples(3), 4, d),
      s.submit(a, examples(1), 8, d),
      s.submit(b, examples(2), 4, d),
    ]);
    expect(
      batches.sort((x, y) => `${x.model}${x.segments}${x.size}`.localeCompare(`${y.model}${y.segments}${y.size}`)),
    ).toEqual([
      { model: 'a', size: 3, segments: 4 },
      { model: 'a', size: 3, segments: 4 },
      { model: 'a', size: 1, segments: 8 },
      { model: 'b', size: 2, segments: 4 },
    ]);
  });

  it('with maxBatch 1 runs every request alone', async () => {
    const { batches, runner } = recorder();
    const s = new Scheduler({ windowMs: 0, maxBatch: 1 }, 100, runner);
    await Promise.all([0, 1, 2].map(() => s.submit(model('a'), examples(1), 4, { deadline: later(5000) })));
    expect(batches.map((b) => b.size)).toEqual([1, 1, 1]);
  });

  it('refuses a request that would overfill the model’s queue with 503 and a retry time', async () => {
    const { runner } = recorder();
    const s = new Scheduler({ windowMs: 50, maxBatch: 64 }, 5, runner);
    const first = s.submit(model('a'), examples(4), 4, { deadline: later(5000) });
    const refused = s.submit(model('a'), examples(2), 4, { deadline: later(5000) });
    await expect(refused).rejects.toMatchObject({ status: 503, code: 'overloaded', detail: { retryAfterSeconds: 1 } });
    // Another model's queue is its own.
    await expect(s.submit(model('b'), examples(2), 4, { deadline: later(5000) })).resolves.toHaveLength(2);
    await expect(first).resolves.toHaveLength(4);
    expect(s.queued()).toBe(0);
  });

  it('drops a request still waiting at its deadline (504) or whose caller went away, and never runs it', async () => {
    const { batches, runner } = recorder();
    const s = new Scheduler({ windowMs: 100, maxBatch: 64 }, 100, runner);
    const late = s.submit(model('a'), examples(2), 4, { deadline: later(10) });
    const aborted = new AbortController();
    const gone = expect(
      s.submit(model('a'), examples(3), 4, { deadline: later(5000), signal: aborted.signal }),
    ).rejects.toBeInstanceOf(ApiError);
    aborted.abort();
    const kept = s.submit(model('a'), examples(1), 4, { deadline: later(5000) });
    await expect(late).rejects.toMatchObject({ status: 504, code: 'timeout' });
    await gone;
    await expect(kept).resolves.toHaveLength(1);
    expect(batches).toEqual([{ model: 'a', size: 1, segments: 4 }]);
    await s.idle();
    expect(s.queued()).toBe(0);
  });

  it('fails only the requests of a batch that throws, and keeps serving', async () => {
    let fail = true;
    const { runner } = recorder();
    const s = new Scheduler({ windowMs: 5, maxBatch: 64 }, 100, (m, ex, seg) => {
      if (fail) throw new Error('boom');
      return runner(m, ex, seg);
    });
    await expect(s.submit(model('a'), examples(1), 4, { deadline: later(5000) })).rejects.toThrow('boom');
    fail = false;
    await expect(s.submit(model('a'), examples(1), 4, { deadline: later(5000) })).resolves.toHaveLength(1);
  });

  it('idle() waits for queued work', async () => {
    const { runner } = recorder();
    const s = new Scheduler({ windowMs: 30, maxBatch: 64 }, 100, runner);
    let done = false;
    void s.submit(model('a'), examples(1), 4, { deadline: later(5000) }).then(() => {
      done = true;
    });
    expect(s.queued()).toBe(1);
    await s.idle();
    expect(done).toBe(true);
  });
});
