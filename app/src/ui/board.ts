/**
 * The puzzle grids. The editor is an ARIA grid with one tab stop (arrow keys, Home/End move; a palette
 * key or button sets the focused cell; a click selects a cell and applies the chosen brush). The
 * prediction board is a read-only table: each cell shows the model's answer, its confidence as a heat
 * map, and whether it changed since the previous segment.
 */
import type { PuzzleTask } from '../puzzles/index.js';
import { h } from './dom.js';

const CLASS_OF: Readonly<Record<string, string>> = { '#': 'wall', S: 'start', G: 'goal', o: 'path', '?': 'unknown' };

function styleCell(cell: HTMLElement, task: PuzzleTask, index: number, value: string): void {
  const edges = task.edges(index);
  cell.className = `cell ${task.kind === 'maze' ? (CLASS_OF[value] ?? 'open') : 'digit'}`;
  cell.classList.toggle('edge-right', edges.right);
  cell.classList.toggle('edge-bottom', edges.bottom);
  cell.dataset.value = value;
  cell.textContent = task.kind === 'sudoku' ? value : '';
}

const position = (task: PuzzleTask, i: number) => `row ${Math.floor(i / task.cols) + 1}, column ${(i % task.cols) + 1}`;

/** The editable puzzle grid and its palette. */
export class Editor {
  private cells: string[] = [];
  private task: PuzzleTask | undefined;
  private focusIndex = 0;
  private brush: string | undefined;
  private readonly grid: HTMLElement;
  private readonly palette: HTMLElement;

  constructor(
    host: HTMLElement,
    private readonly onChange: (cells: readonly string[]) => void,
  ) {
    this.grid = h('div', { class: 'board editor', role: 'grid', 'aria-label': 'Puzzle' });
    this.palette = h('div', { class: 'palette', role: 'toolbar', 'aria-label': 'Cell values' });
    host.append(this.grid, this.palette);
    this.grid.addEventListener('keydown', (e) => this.onKey(e));
    this.grid.addEventListener('click', (e) => {
      const cell = (e.target as HTMLElement).closest<HTMLElement>('[data-index]');
      if (!cell) return;
      this.moveTo(Number(cell.dataset.index));
      if (this.brush !== undefined) this.set(this.focusIndex, this.brush);
    });
  }

  /** Shows `cells` of `task` (a new task rebuilds the grid and its palette). */
  show(task: PuzzleTask, cells: readonly string[]): void {
    if (task !== this.task) {
      this.task = task;
      this.brush = task.defaultBrush;
      this.focusIndex = Math.min(this.focusIndex, task.rows * task.cols - 1);
      this.build(task);
    }
    this.cells = [...cells];
    this.grid.querySelectorAll<HTMLElement>('[data-index]').forEach((cell, i) => {
      styleCell(cell, task, i, this.cells[i]);
      cell.setAttribute('aria-label', `${position(task, i)}: ${task.describe(this.cells[i])}`);
    });
  }

  private build(task: PuzzleTask): void {
    this.grid.style.setProperty('--cols', String(task.cols));
    this.grid.dataset.kind = task.kind;
    this.grid.replaceChildren(
      ...Array.from({ length: task.rows }, (_, r) =>
        h(
          'div',
          { role: 'row', class: 'board-row' },
          ...Array.from({ length: task.cols }, (_, c) => {
            const i = r * task.cols + c;
            return h('div', { role: 'gridcell', 'data-index': i, tabindex: i === this.focusIndex ? 0 : -1 });
          }),
        ),
      ),
    );
    const isBrush = task.kind === 'maze';
    this.palette.replaceChildren(
      ...task.palette.map((entry) => {
        const button = h(
          'button',
          {
            type: 'button',
            class: 'tool',
            'data-value': entry.value,
            'aria-pressed': isBrush ? String(entry.value === this.brush) : undefined,
            title: `keys: ${entry.keys.filter((k) => k.length === 1 && k !== ' ').join(' ') || entry.keys.join(' ')}`,
          },
          entry.label,
        );
        button.addEventListener('click', () => {
          if (isBrush) {
            this.brush = entry.value;
            for (const b of this.palette.querySelectorAll('button'))
              b.setAttribute('aria-pressed', String(b.dataset.value === entry.value));
          } else {
            this.set(this.focusIndex, entry.value);
            this.cellAt(this.focusIndex)?.focus();
          }
        });
        return button;
      }),
    );
  }

  private cellAt(i: number): HTMLElement | null {
    return this.grid.querySelector<HTMLElement>(`[data-index="${i}"]`);
  }

  private moveTo(i: number): void {
    const old = this.cellAt(this.focusIndex);
    old?.setAttribute('tabindex', '-1');
    this.focusIndex = i;
    const cell = this.cellAt(i);
    cell?.setAttribute('tabindex', '0');
    cell?.focus();
  }

  private set(i: number, value: string): void {
    if (!this.task) return;
    this.onChange(this.task.edit(this.cells, i, value));
  }

  private onKey(e: KeyboardEvent): void {
    const task = this.task;
    if (!task || e.ctrlKey || e.metaKey || e.altKey) return;
    const { rows, cols } = task;
    const i = this.focusIndex;
    const r = Math.floor(i / cols);
    const c = i % cols;
    const moves: Readonly<Record<string, number>> = {
      ArrowUp: Math.max(r - 1, 0) * cols + c,
      ArrowDown: Math.min(r + 1, rows - 1) * cols + c,
      ArrowLeft: r * cols + Math.max(c - 1, 0),
      ArrowRight: r * cols + Math.min(c + 1, cols - 1),
      Home: r * cols,
      End: r * cols + cols - 1,
    };
    if (e.key in moves) {
      e.preventDefault();
      this.moveTo(moves[e.key]);
      return;
    }
    const entry = task.palette.find((p) => p.keys.includes(e.key));
    if (entry) {
      e.preventDefault();
      this.set(i, entry.value);
    } else if ((e.key === 'Enter' || e.key === ' ') && this.brush !== undefined) {
      e.preventDefault();
      this.set(i, this.brush);
    }
  }
}

/** One segment's view of the answer, for `PredictionBoard.show`. */
export interface CellView {
  readonly value: string;
  /** The softmax probability of the shown value. */
  readonly confidence: number;
  readonly changed: boolean;
  /** A cell the puzzle gave (shown, not predicted: the model still predicts it). */
  readonly given: boolean;
}

/** The model's answer after a segment: values, confidence heat and changed cells. */
export class PredictionBoard {
  private readonly table: HTMLElement;
  private task: PuzzleTask | undefined;

  constructor(host: HTMLElement) {
    this.table = h('div', { class: 'board prediction', role: 'table', 'aria-label': 'The model’s answer' });
    host.append(this.table);
  }

  /** Shows `cells` (or, with none, an empty grid of `task`). */
  show(task: PuzzleTask, cells: readonly CellView[] | undefined, label: string): void {
    if (task !== this.task) {
      this.task = task;
      this.table.style.setProperty('--cols', String(task.cols));
      this.table.dataset.kind = task.kind;
      this.table.replaceChildren(
        ...Array.from({ length: task.rows }, (_, r) =>
          h(
            'div',
            { role: 'row', class: 'board-row' },
            ...Array.from({ length: task.cols }, (_, c) => h('div', { role: 'cell', 'data-index': r * task.cols + c })),
          ),
        ),
      );
    }
    this.table.setAttribute('aria-label', label);
    this.table.classList.toggle('empty', cells === undefined);
    this.table.querySelectorAll<HTMLElement>('[data-index]').forEach((cell, i) => {
      const view = cells?.[i];
      styleCell(cell, task, i, view?.value ?? '');
      if (!view) {
        cell.removeAttribute('aria-label');
        cell.style.removeProperty('--confidence');
        delete cell.dataset.confidence;
        return;
      }
      cell.classList.toggle('changed', view.changed);
      cell.classList.toggle('given', view.given);
      cell.style.setProperty('--confidence', view.confidence.toFixed(3));
      cell.dataset.confidence = view.confidence.toFixed(4);
      const pct = Math.round(view.confidence * 100);
      cell.setAttribute(
        'aria-label',
        `${position(task, i)}: ${task.describe(view.value)}, ${pct}% sure${view.changed ? ', changed' : ''}${view.given ? ', given' : ''}`,
      );
    });
  }
}
