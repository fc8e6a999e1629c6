/**
 * Solving, apart from any transport: the HTTP API and the MCP tools both call this. A request names a
 * task or a model; its puzzles are read by the task's preset (`parse`, which also refuses
 * contradictory and unsolvable puzzles) before anything runs, queued for batching, and each answer is
 * judged by the task's exact checker (`check`): `valid` and `correct` come from the checker, never
 * from the model.
 */
import { haltSegmentOf } from '@hrm/hrm';
import type { Verdict } from '@hrm/hrm/node';
import type { Example } from '@hrm/hrm/tasks';
import { DEFAULT_LIMITS, type Health, type Limits, type ModelInfo, requestCodecs, type SolveResult } from './codecs.js';
import { ApiError } from './errors.js';
import { ModelWorker } from './model-worker.js';
import type { ModelRegistry, ServedModel } from './models.js';
import { type Batching, type BatchRunner, DEFAULT_BATCHING, type PuzzleRun, Scheduler } from './scheduler.js';

/** A request to solve: the task or model, the puzzles, and how to run them. */
export interface SolveInput {
  readonly task?: string | undefined;
  readonly model?: string | undefined;
  readonly puzzles: readonly string[];
  readonly segments?: number | undefined;
  readonly trace?: boolean | undefined;
  /** Halt only where the Q head says so by this much (see `haltSegmentOf`); the model's own rule when absent. */
  readonly haltMargin?: number | undefined;
}

/** Options of a `SolveService`. */
export interface ServiceOptions {
  readonly limits?: Partial<Limits>;
  readonly batching?: Partial<Batching>;
  /**
   * Run the models on a worker thread (default false here; `startServer` and the commands turn it on),
   * so that a batch never blocks the event loop.
   */
  readonly worker?: boolean;
  /** Runs a batch (default: `runPuzzles` on this thread, or the worker); tests put a failing stand-in here. */
  readonly runner?: BatchRunner;
  /** The folder of the tasks' data files, for the worker's models (see `ModelSource`). */
  readonly dataDir?: string;
}

/**
 * A task's family, the word its name starts with: `sudoku4`, `sudoku9-wide` and `sudoku-hard` are Sudoku,
 * `maze9` and `maze9-mix` mazes (the MCP tools are per family).
 */
export function taskFamily(task: string): string {
  return /^[a-z]+/.exec(task)?.[0] ?? task;
}

/** The exact checker's verdict (or, for a task without one, whether the answer is the label). */
function judge(model: ServedModel, example: Example, answer: readonly number[]): Verdict {
  const { preset } = model.file;
  if (preset.check) return preset.check(example, answer);
  const same = answer.every((t, i) => t === example.labels[i]);
  return { valid: same, ambiguous: false, correct: same };
}

/** A puzzle of the task, in the format requests use ('' when the task cannot make one). */
function examplePuzzle(model: ServedModel): string {
  try {
    const [e] = model.file.preset.evalExamples(1);
    return e ? model.file.preset.format(e.inputs) : '';
  } catch {
    return '';
  }
}

/** The models, the limits and the batching scheduler of a server; what every route and tool calls. */
export class SolveService {
  readonly limits: Limits;
  readonly batching: Batching;
  readonly codecs: ReturnType<typeof requestCodecs>;
  readonly scheduler: Scheduler;
  private readonly worker: ModelWorker | undefined;
  private examples = new Map<string, string>();

  constructor(
    readonly registry: ModelRegistry,
    opts: ServiceOptions = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.batching = { ...DEFAULT_BATCHING, ...opts.batching };
    this.codecs = requestCodecs(this.limits);
    this.worker = opts.worker && !opts.runner ? new ModelWorker(registry, opts.dataDir) : undefined;
    this.scheduler = new Scheduler(this.batching, this.limits.maxQueue, opts.runner ?? this.worker?.run);
  }

  /** Starts the model worker, if there is one, and resolves when its models are loaded. */
  async start(): Promise<void> {
    await this.worker?.start();
  }

  /** Waits for the queued work, then stops the model worker. */
  async close(): Promise<void> {
    await this.scheduler.idle();
    await this.worker?.close();
  }

  /** The tasks served, in the order their models were loaded. */
  tasks(): string[] {
    return this.registry.models.filter((m) => m.default).map((m) => m.task);
  }

  /** The model a request names (by model, or by task), or a 400/404 saying why there is none. */
  pick(task: string | undefined, model: string | undefined): ServedModel {
    if (model !== undefined) {
      const m = this.registry.byId(model);
      if (!m)
        throw new ApiError(
          'not_found',
          `no model '${model}' (models: ${this.registry.models.map((x) => x.id).join(', ')})`,
          { field: 'model', reason: 'unknown model' },
        );
      if (task !== undefined && task !== m.task)
        throw new ApiError('invalid_request', `model '${model}' solves ${m.task}, not ${task}`, {
          field: 'task',
          reason: `model '${model}' solves ${m.task}`,
        });
      return m;
    }
    if (task === undefined)
      throw new ApiError('invalid_request', 'give the task (or the model) to solve with', {
        field: 'task',
        reason: 'give `task` or `model`',
      });
    const m = this.registry.forTask(task);
    if (!m)
      throw new ApiError('not_found', `no model for task '${task}' (tasks: ${this.tasks().join(', ')})`, {
        field: 'task',
        reason: 'no model for this task',
      });
    return m;
  }

  /**
   * The default model of a family's task that reads `puzzle` (the MCP tools, which take no task): the
   * first whose preset parses it. When none does, 422 with the reasons of the tasks whose size fits.
   */
  pickByPuzzle(family: string, puzzle: string): ServedModel {
    const candidates = this.registry.models.filter((m) => m.default && taskFamily(m.task) === family);
    const reasons: { task: string; error: string }[] = [];
    for (const m of candidates) {
      const parsed = m.file.preset.parse(puzzle);
      if ('example' in parsed) return m;
      reasons.push({ task: m.task, error: parsed.error });
    }
    // A size error ("expected 36 characters") from the other sizes says nothing about this puzzle.
    const fitting = reasons.filter((r) => !r.error.startsWith('expected'));
    const shown = fitting.length > 0 ? fitting : reasons;
    const [first] = shown;
    throw new ApiError(
      'unsolvable_puzzle',
      shown.map((r) => `not a ${r.task} puzzle: ${r.error}`).join('; ') || `no ${family} model`,
      { field: 'puzzle', reason: first?.error ?? `no ${family} model` },
    );
  }

  /** The puzzles read by the model's task, or 422 naming the first that is not one (`field(i)`). */
  parse(model: ServedModel, puzzles: readonly string[], field: (i: number) => string): Example[] {
    return puzzles.map((text, i) => {
      const parsed = model.file.preset.parse(text);
      if ('error' in parsed)
        throw new ApiError('unsolvable_puzzle', `${field(i)}: not a ${model.task} puzzle: ${parsed.error}`, {
          field: field(i),
          reason: parsed.error,
        });
      return parsed.example;
    });
  }

  /** Solves the puzzles of a request (one batch request is one job: its puzzles run together). */
  async solve(input: SolveInput, opts: { readonly signal?: AbortSignal; readonly single?: boolean } = {}) {
    const model = this.pick(input.task, input.model);
    return this.solveWith(model, input, opts);
  }

  /** Solves the puzzles with `model` (already picked). */
  async solveWith(
    model: ServedModel,
    input: SolveInput,
    opts: { readonly signal?: AbortSignal; readonly single?: boolean } = {},
  ): Promise<SolveResult[]> {
    const examples = this.parse(model, input.puzzles, (i) => (opts.single ? 'puzzle' : `puzzles[${i}]`));
    const segments = input.segments ?? model.file.model.haltMaxSteps;
    if (segments > this.limits.maxSegments)
      throw new ApiError('invalid_request', `segments: at most ${this.limits.maxSegments} on this server`, {
        field: 'segments',
        reason: `at most ${this.limits.maxSegments}`,
      });
    const runs = await this.scheduler.submit(model, examples, segments, {
      deadline: Date.now() + this.limits.timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return runs.map((run, i) =>
      this.result(model, input.puzzles[i], examples[i], run, segments, input.trace === true, input.haltMargin),
    );
  }

  private result(
    model: ServedModel,
    puzzle: string,
    example: Example,
    run: PuzzleRun,
    segments: number,
    trace: boolean,
    haltMargin: number | undefined,
  ): SolveResult {
    const { preset } = model.file;
    const answers = run.answers.map((a) => Array.from(a));
    // The run kept the Q values of every segment: a margin only moves where the answer is read.
    const haltSegment = haltMargin
      ? haltSegmentOf(run.qHalt, run.qContinue, model.file.model, haltMargin)
      : run.haltSegment;
    const answer = answers[haltSegment - 1];
    const verdict = judge(model, example, answer);
    return {
      task: model.task,
      model: model.id,
      puzzle,
      answer: preset.format(answer),
      valid: verdict.valid,
      ambiguous: verdict.ambiguous,
      ...(verdict.correct === undefined ? {} : { correct: verdict.correct }),
      ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
      segments,
      haltSegment,
      ...(trace
        ? {
            perSegment: answers.map((a, k) => ({
              segment: k + 1,
              answer: preset.format(a),
              valid: judge(model, example, a).valid,
              qHalt: run.qHalt[k],
              qContinue: run.qContinue[k],
            })),
          }
        : {}),
    };
  }

  /** What `GET /v1/models` lists. */
  models(): ModelInfo[] {
    return this.registry.models.map((m) => {
      let example = this.examples.get(m.id);
      if (example === undefined) {
        example = examplePuzzle(m);
        this.examples.set(m.id, example);
      }
      return {
        id: m.id,
        task: m.task,
        summary: m.file.preset.summary,
        default: m.default,
        arch: m.file.model.arch,
        step: m.file.step,
        segments: m.file.model.haltMaxSteps,
        example,
      };
    });
  }

  /** What `GET /healthz` says. */
  health(stopping: boolean): Health {
    return {
      status: stopping ? 'stopping' : 'ok',
      models: this.registry.models.length,
      queued: this.scheduler.queued(),
    };
  }
}
