/**
 * The Train view: a small HRM learns 4x4 Sudoku in a Web Worker while the page stays responsive: a live
 * chart of the loss and of exact accuracy (on the training batch, and on unseen puzzles now and then),
 * pause and resume, and the checkpoint as it stands, as a file `hrm eval --checkpoint` reads.
 */

import { TrainClient } from '../train/client.js';
import type { TrainEvent } from '../train/protocol.js';
import { TrainChart } from '../ui/charts.js';
import { byId, duration } from '../ui/dom.js';
import type { BackendControl } from './backend-control.js';

/** Smoothing of the training-batch accuracy (an exponential moving average). */
const SMOOTH = 0.9;

export class TrainView {
  private client: TrainClient | undefined;
  private readonly chart: TrainChart;
  private readonly steps: number[] = [];
  private readonly loss: (number | null)[] = [];
  private readonly exact: (number | null)[] = [];
  private readonly unseen: (number | null)[] = [];
  private smoothed: number | undefined;
  private lastUnseen: number | undefined;
  private redraw = false;
  private total = 0;
  private paused = false;
  private msPerStep: number | undefined;

  private readonly root = byId('view-train');
  private readonly startButton = byId<HTMLButtonElement>('train-start');
  private readonly pauseButton = byId<HTMLButtonElement>('train-pause');
  private readonly downloadButton = byId<HTMLButtonElement>('train-download');
  private readonly stepsInput = byId<HTMLInputElement>('train-steps');
  private readonly batchSelect = byId<HTMLSelectElement>('train-batch');
  private readonly status = byId('train-status');
  private readonly summary = byId('train-summary');

  constructor(
    private readonly task: string,
    private readonly backend: BackendControl,
  ) {
    this.chart = new TrainChart(byId('train-chart'));
    this.startButton.addEventListener('click', () =>
      this.start().catch((e: unknown) => this.setState('error', `Training could not start: ${String(e)}`)),
    );
    this.pauseButton.addEventListener('click', () => this.client?.send({ type: this.paused ? 'resume' : 'pause' }));
    this.downloadButton.addEventListener('click', () => this.client?.send({ type: 'checkpoint' }));
  }

  private async start(): Promise<void> {
    this.client?.close();
    for (const series of [this.steps, this.loss, this.exact, this.unseen]) series.length = 0;
    this.smoothed = undefined;
    this.lastUnseen = undefined;
    this.paused = false;
    const steps = Math.max(1, Math.min(100_000, Math.round(Number(this.stepsInput.value) || 1000)));
    const batchSize = Number(this.batchSelect.value) || 32;
    const info = await this.backend.info();
    this.setState('starting', `Starting on ${info.name}…`);
    this.startButton.textContent = 'Restart';
    this.client = new TrainClient((e) => this.onEvent(e));
    this.client.send({
      type: 'start',
      backend: info.choice,
      task: this.task,
      steps,
      batchSize,
      seed: 0,
      evalEvery: Math.max(10, Math.min(100, Math.round(steps / 20))),
      evalSize: 256,
    });
  }

  private setState(state: string, text: string): void {
    this.root.dataset.state = state;
    this.status.textContent = text;
    this.pauseButton.disabled = state !== 'running' && state !== 'paused';
    this.downloadButton.disabled = state !== 'running' && state !== 'paused' && state !== 'done';
    this.pauseButton.textContent = state === 'paused' ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('aria-pressed', String(state === 'paused'));
  }

  private onEvent(e: TrainEvent): void {
    switch (e.type) {
      case 'started':
        this.total = e.totalSteps;
        this.summary.textContent = `${e.summary}; ${e.parameters.toLocaleString('en')} parameters, on ${e.info.name} (${e.info.detail}).`;
        this.setState('running', 'Training…');
        break;
      case 'step': {
        this.smoothed = this.smoothed === undefined ? e.exact : SMOOTH * this.smoothed + (1 - SMOOTH) * e.exact;
        this.msPerStep = this.msPerStep === undefined ? e.ms : 0.9 * this.msPerStep + 0.1 * e.ms;
        this.steps.push(e.step);
        this.loss.push(e.loss);
        this.exact.push(this.smoothed);
        this.unseen.push(null);
        this.root.dataset.step = String(e.step);
        this.root.dataset.msPerStep = this.msPerStep.toFixed(1);
        if (!this.paused) this.setState('running', this.progress(e.step, e.loss));
        this.schedule();
        break;
      }
      case 'eval':
        this.lastUnseen = e.exact;
        if (this.steps.length === 0 || this.steps[this.steps.length - 1] !== e.step) {
          this.steps.push(e.step);
          this.loss.push(null);
          this.exact.push(this.smoothed ?? null);
          this.unseen.push(e.exact);
        } else this.unseen[this.unseen.length - 1] = e.exact;
        this.root.dataset.unseen = e.exact.toFixed(4);
        this.schedule();
        break;
      case 'paused':
        this.paused = true;
        this.setState('paused', `Paused at step ${e.step} of ${this.total}. ${this.accuracyText()}`);
        break;
      case 'resumed':
        this.paused = false;
        this.setState('running', `Resumed at step ${e.step}.`);
        break;
      case 'done':
        this.setState(
          'done',
          `Done: ${e.step} steps. ${this.accuracyText()} Download the checkpoint to use it with the hrm command.`,
        );
        break;
      case 'checkpoint':
        this.download(e.bytes, e.fileName);
        break;
      case 'error':
        this.setState('error', `Training stopped: ${e.message}`);
        break;
    }
  }

  private accuracyText(): string {
    return this.lastUnseen === undefined ? '' : `Exact on 256 unseen puzzles: ${(this.lastUnseen * 100).toFixed(1)}%.`;
  }

  private progress(step: number, loss: number): string {
    const speed = this.msPerStep === undefined ? '' : `, ${duration(this.msPerStep)} per step`;
    return `Step ${step} of ${this.total}: loss ${loss.toFixed(3)}${speed}. ${this.accuracyText()}`;
  }

  /** Redraws the chart at most once a frame. */
  private schedule(): void {
    if (this.redraw) return;
    this.redraw = true;
    requestAnimationFrame(() => {
      this.redraw = false;
      this.chart.show(this.steps, this.loss, this.exact, this.unseen);
      // The last step the chart shows, for tests that compare what it drew (the step itself runs ahead of it).
      this.root.dataset.drawnStep = String(this.steps.at(-1) ?? 0);
    });
  }

  private download(bytes: Uint8Array<ArrayBuffer>, fileName: string): void {
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
