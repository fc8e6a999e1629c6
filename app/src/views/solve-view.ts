/**
 * The Solve view: pick a task, edit or generate a puzzle (checked exactly before the model runs), solve it
 * with the committed checkpoint in the engine worker, and move through the segments: the answer with
 * each cell's confidence and the cells that changed, the exact verdict, the Q head's values and where ACT
 * halts, and the loop inside the segment shown.
 */
import { haltSegmentOf, MAX_HALT_MARGIN, saysHalt } from '@hrm/hrm';
import { CHECKPOINTS } from '../checkpoints.js';
import type { ModelSummary } from '../engine/protocol.js';
import type { SolveTrace } from '../engine/solve.js';
import type { Checked, PuzzleTask } from '../puzzles/index.js';
import { type CellView, Editor, PredictionBoard } from '../ui/board.js';
import { QChart } from '../ui/charts.js';
import { byId, duration, h } from '../ui/dom.js';
import type { BackendControl } from './backend-control.js';
import { LoopView } from './loop-view.js';

interface Solved {
  readonly task: PuzzleTask;
  readonly puzzle: readonly string[];
  readonly trace: SolveTrace;
  readonly model: ModelSummary;
  readonly backend: string;
}

const randomSeed = () => Math.floor(Math.random() * 2 ** 31);
const PLAY_MS = 900;

export class SolveView {
  private task: PuzzleTask;
  private cells: string[];
  private checked: Checked;
  private solved: Solved | undefined;
  private shown = 0;
  /** Where ACT halts in the solved trace at the current margin (1-based). */
  private haltAt = 0;
  private margin = 0;
  private playing: ReturnType<typeof setInterval> | undefined;
  private readonly summaries = new Map<string, ModelSummary>();

  private readonly root = byId('view-solve');
  private readonly taskSelect = byId<HTMLSelectElement>('task');
  private readonly text = byId<HTMLTextAreaElement>('puzzle-text');
  private readonly textHelp = byId('text-help');
  private readonly checkLine = byId('puzzle-check');
  private readonly solveButton = byId<HTMLButtonElement>('solve');
  private readonly slider = byId<HTMLInputElement>('segment');
  private readonly prev = byId<HTMLButtonElement>('seg-prev');
  private readonly next = byId<HTMLButtonElement>('seg-next');
  private readonly play = byId<HTMLButtonElement>('play');
  private readonly segmentLabel = byId('segment-label');
  private readonly verdict = byId('verdict');
  private readonly changedNote = byId('changed-note');
  private readonly haltNote = byId('halt-note');
  private readonly marginInput = byId<HTMLInputElement>('halt-margin');
  private readonly editor: Editor;
  private readonly board: PredictionBoard;
  private readonly qChart: QChart;
  private readonly loop = new LoopView();

  constructor(
    private readonly tasks: readonly PuzzleTask[],
    private readonly backend: BackendControl,
  ) {
    this.task = tasks[0];
    this.cells = this.task.generate(randomSeed());
    this.checked = this.task.check(this.cells);
    this.editor = new Editor(byId('editor'), (cells) => this.setCells(cells, 'grid'));
    this.board = new PredictionBoard(byId('prediction'));
    this.qChart = new QChart(byId('q-chart'));

    this.taskSelect.replaceChildren(...tasks.map((t) => h('option', { value: t.name }, t.title)));
    this.taskSelect.addEventListener('change', () => this.setTask(this.taskSelect.value));
    byId('generate').addEventListener('click', () => this.setCells(this.task.generate(randomSeed()), 'generator'));
    byId('clear').addEventListener('click', () => this.setCells(this.task.empty(), 'generator'));
    this.text.addEventListener('input', () => this.fromText());
    this.solveButton.addEventListener('click', () => void this.solve());
    this.slider.addEventListener('input', () => {
      this.stop();
      this.showSegment(Number(this.slider.value));
    });
    this.prev.addEventListener('click', () => this.step(-1));
    this.next.addEventListener('click', () => this.step(1));
    this.play.addEventListener('click', () => (this.playing ? this.stop() : this.start()));
    this.marginInput.addEventListener('input', () => this.setMargin());
    backend.onChange(() => this.prefetch());
    this.setTask(this.task.name);
  }

  private setTask(name: string): void {
    const task = this.tasks.find((t) => t.name === name);
    if (!task) return;
    this.task = task;
    this.taskSelect.value = name;
    this.root.dataset.kind = task.kind;
    this.text.rows = task.kind === 'maze' ? task.rows : 2;
    this.text.classList.toggle('maze-text', task.kind === 'maze');
    this.textHelp.textContent = task.textHelp;
    this.setCells(task.generate(randomSeed()), 'generator');
    this.prefetch();
  }

  /** Loads the task's checkpoint in the engine ahead of a solve, and shows its loop. */
  private prefetch(): void {
    const task = this.task;
    const url = CHECKPOINTS.get(task.name);
    if (!url) return;
    void this.backend
      .engine()
      .then((engine) => engine.load(task.name, url))
      .then(({ model }) => {
        this.summaries.set(task.name, model);
        if (this.task === task && !this.solved) this.loop.show(model, undefined, 0);
      })
      .catch(() => undefined); // a solve reports the error
  }

  private setCells(cells: readonly string[], from: 'grid' | 'text' | 'generator'): void {
    this.stop();
    this.cells = [...cells];
    this.editor.show(this.task, this.cells);
    if (from !== 'text') {
      this.text.value = this.task.toText(this.cells);
      this.text.removeAttribute('aria-invalid');
    }
    this.checked = this.task.check(this.cells);
    this.checkLine.textContent = this.checked.ok ? this.checked.note : this.checked.message;
    this.checkLine.dataset.state = this.checked.ok ? 'ok' : 'error';
    this.solveButton.disabled = !this.checked.ok;
    this.clearResult();
  }

  private fromText(): void {
    const parsed = this.task.fromText(this.text.value);
    if (Array.isArray(parsed)) {
      this.setCells(parsed, 'text');
      return;
    }
    this.text.setAttribute('aria-invalid', 'true');
    this.checkLine.textContent = `Not a ${this.task.title} yet: ${parsed.error}.`;
    this.checkLine.dataset.state = 'error';
    this.solveButton.disabled = true;
  }

  private clearResult(): void {
    this.solved = undefined;
    this.shown = 0;
    this.root.dataset.state = 'idle';
    this.board.show(this.task, undefined, 'The model’s answer (not solved yet)');
    for (const b of [this.prev, this.next, this.play]) b.disabled = true;
    this.slider.disabled = true;
    this.segmentLabel.textContent = 'Press Solve to run the model.';
    this.verdict.textContent = '';
    delete this.verdict.dataset.kind;
    this.changedNote.textContent = '';
    this.haltNote.textContent = '';
    this.qChart.show([], [], 0, 0);
    const model = this.summaries.get(this.task.name);
    if (model) this.loop.show(model, undefined, 0);
  }

  private async solve(): Promise<void> {
    const checked = this.checked;
    const url = CHECKPOINTS.get(this.task.name);
    if (!checked.ok || !url) return;
    const task = this.task;
    const puzzle = [...this.cells];
    this.solveButton.disabled = true;
    this.root.dataset.state = 'solving';
    this.segmentLabel.textContent = 'Solving…';
    try {
      const engine = await this.backend.engine();
      const info = await this.backend.info();
      const { model } = await engine.load(task.name, url);
      this.summaries.set(task.name, model);
      const trace = await engine.solve(task.name, checked.inputs);
      if (this.task !== task || this.cells.join() !== puzzle.join()) return; // edited meanwhile
      this.solved = { task, puzzle, trace, model, backend: info.name };
      this.backend.solved(trace.ms, trace.segments.length);
      this.slider.min = '1';
      this.slider.max = String(trace.segments.length);
      this.slider.disabled = false;
      this.play.disabled = false;
      this.root.dataset.state = 'solved';
      this.showHalt();
    } catch (e) {
      this.root.dataset.state = 'error';
      this.segmentLabel.textContent = `The model could not run: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      this.solveButton.disabled = !this.checked.ok;
    }
  }

  /** Reads the margin field; a valid new margin moves the halt in the trace shown. */
  private setMargin(): void {
    const value = this.marginInput.valueAsNumber;
    const valid = Number.isFinite(value) && Math.abs(value) <= MAX_HALT_MARGIN;
    if (valid) this.marginInput.removeAttribute('aria-invalid');
    else this.marginInput.setAttribute('aria-invalid', 'true');
    if (!valid || value === this.margin) return;
    this.margin = value;
    if (this.solved) {
      this.stop();
      this.showHalt();
    }
  }

  /** Where ACT halts at the current margin: the Q chart's marker, the note, and that segment shown. */
  private showHalt(): void {
    const solved = this.solved;
    if (!solved) return;
    const { trace, model, backend } = solved;
    const qHalt = trace.segments.map((s) => s.qHalt);
    const qContinue = trace.segments.map((s) => s.qContinue);
    this.haltAt = haltSegmentOf(qHalt, qContinue, model, this.margin);
    const k = this.haltAt - 1;
    const byQ = saysHalt(qHalt[k], qContinue[k], model, this.margin);
    this.qChart.show(qHalt, qContinue, this.haltAt, this.haltAt);
    const rule = `${model.haltRule === 'q-positive' ? 'q_halt > 0' : 'q_halt > q_continue'}${
      this.margin === 0 ? '' : ` by more than ${this.margin}`
    }`;
    this.haltNote.textContent =
      (byQ
        ? `The Q head says halt after segment ${this.haltAt} (${rule}): that is the model’s answer. `
        : `The Q head never says halt (${rule}), so ACT stops at its limit, segment ${this.haltAt}. `) +
      `All ${trace.segments.length} segments ran here, on ${backend}, in ${duration(trace.ms)}.`;
    this.showSegment(this.haltAt);
  }

  private showSegment(k: number): void {
    const solved = this.solved;
    if (!solved) return;
    const { task, puzzle, trace } = solved;
    const n = trace.segments.length;
    this.shown = Math.min(Math.max(k, 1), n);
    const seg = trace.segments[this.shown - 1];
    const before = this.shown > 1 ? trace.segments[this.shown - 2].tokens : undefined;
    const values = task.decode(seg.tokens);
    const cells: CellView[] = values.map((value, i) => ({
      value,
      confidence: seg.confidence[i],
      changed: before !== undefined && before[i] !== seg.tokens[i],
      given: task.kind === 'sudoku' && puzzle[i] !== '',
    }));
    const halts = this.shown === this.haltAt;
    this.board.show(task, cells, `The model’s answer after segment ${this.shown} of ${n}`);
    this.slider.value = String(this.shown);
    this.slider.setAttribute('aria-valuetext', `segment ${this.shown} of ${n}`);
    this.prev.disabled = this.shown <= 1;
    this.next.disabled = this.shown >= n;
    this.segmentLabel.textContent = `Segment ${this.shown} of ${n}${halts ? ' · ACT halts here' : ''}`;
    this.root.dataset.segment = String(this.shown);
    const verdict = task.verdict(puzzle, seg.tokens);
    this.verdict.textContent = verdict.text;
    this.verdict.dataset.kind = verdict.kind;
    const changed = cells.filter((c) => c.changed).length;
    const sure = cells.filter((c) => c.confidence >= 0.9).length;
    this.changedNote.textContent =
      (before === undefined
        ? 'The first segment’s answer.'
        : `${changed} cell${changed === 1 ? '' : 's'} changed since segment ${this.shown - 1}.`) +
      ` ${sure} of ${cells.length} cells at 90% or more; q_halt ${seg.qHalt.toFixed(2)}, q_continue ${seg.qContinue.toFixed(2)}.`;
    this.qChart.select(this.shown);
    this.loop.show(solved.model, seg, this.shown);
  }

  private step(delta: number): void {
    this.stop();
    this.showSegment(this.shown + delta);
  }

  private start(): void {
    const solved = this.solved;
    if (!solved) return;
    const n = solved.trace.segments.length;
    if (this.shown >= n) this.showSegment(1);
    this.play.textContent = 'Pause';
    this.play.setAttribute('aria-pressed', 'true');
    this.playing = setInterval(() => {
      if (this.shown >= n) this.stop();
      else this.showSegment(this.shown + 1);
    }, PLAY_MS);
  }

  private stop(): void {
    if (this.playing !== undefined) clearInterval(this.playing);
    this.playing = undefined;
    this.play.textContent = 'Play';
    this.play.setAttribute('aria-pressed', 'false');
  }
}
