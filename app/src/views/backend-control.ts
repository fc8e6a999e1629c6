/**
 * The backend switch: one engine worker per backend, wasm by default. Switching starts a worker on the
 * other backend; when it cannot start, the page says why and stays on (or falls back to) wasm. The
 * status line shows what the backend runs on, and the speed test times solves of one 6x6 Sudoku.
 */
import { CHECKPOINTS } from '../checkpoints.js';
import { Engine } from '../engine/client.js';
import type { BackendChoice, BackendInfo } from '../engine/protocol.js';
import type { PuzzleTask } from '../puzzles/index.js';
import { byId, duration } from '../ui/dom.js';

const LABELS: Readonly<Record<BackendChoice, string>> = { wasm: 'wasm', gpujs: 'gpu.js (WebGL2)' };

interface Running {
  readonly engine: Engine;
  readonly info: BackendInfo;
}

export class BackendControl {
  private running: Promise<Running>;
  private readonly select = byId<HTMLSelectElement>('backend');
  private readonly status = byId('backend-status');
  private readonly speed = byId('backend-speed');
  private readonly speedButton = byId<HTMLButtonElement>('speed-test');
  private readonly listeners: ((info: BackendInfo) => void)[] = [];

  constructor(private readonly speedTask: PuzzleTask | undefined) {
    this.running = this.startFirst();
    this.running.catch(() => undefined); // the status line says why; callers see the error when they ask
    this.select.addEventListener('change', () => {
      this.running = this.switchTo(this.select.value === 'gpujs' ? 'gpujs' : 'wasm');
      this.running.catch(() => undefined);
    });
    this.speedButton.hidden = speedTask === undefined;
    this.speedButton.addEventListener('click', () =>
      this.speedTest().catch((e: unknown) => {
        this.speed.textContent = `Speed test failed: ${e instanceof Error ? e.message : String(e)}`;
      }),
    );
  }

  /** Called with the backend each time one starts (the first, and after every switch). */
  onChange(listener: (info: BackendInfo) => void): void {
    this.listeners.push(listener);
  }

  /** The engine of the current backend, once started. */
  async engine(): Promise<Engine> {
    return (await this.running).engine;
  }

  /** The backend the engine runs now. */
  async info(): Promise<BackendInfo> {
    return (await this.running).info;
  }

  private async start(choice: BackendChoice): Promise<Running> {
    this.setBusy(true, `Starting ${LABELS[choice]}…`);
    try {
      const running = await Engine.start(choice);
      this.shown(running.info);
      return running;
    } finally {
      this.setBusy(false);
    }
  }

  /** wasm, else gpu.js (a browser without WebAssembly SIMD), else a status line that says why neither started. */
  private async startFirst(): Promise<Running> {
    try {
      return await this.start('wasm');
    } catch (wasm) {
      try {
        return await this.start('gpujs');
      } catch (gpu) {
        const why = (e: unknown) => (e instanceof Error ? e.message : String(e));
        this.status.textContent = `No backend could start: wasm (${why(wasm)}), gpu.js (${why(gpu)}).`;
        this.status.dataset.state = 'error';
        throw gpu;
      }
    }
  }

  private async switchTo(choice: BackendChoice): Promise<Running> {
    const before = await this.running.catch(() => undefined);
    if (before?.info.choice === choice) return before;
    try {
      const next = await this.start(choice);
      before?.engine.close();
      return next;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      this.select.value = before?.info.choice ?? 'wasm';
      const fallback = before ?? (await this.start('wasm'));
      this.status.textContent = `${LABELS[choice]} could not start: ${reason}. Staying on ${fallback.info.name}: ${fallback.info.detail}.`;
      this.status.dataset.state = 'fallback';
      return fallback;
    }
  }

  private setBusy(busy: boolean, text?: string): void {
    this.select.disabled = busy;
    this.speedButton.disabled = busy;
    if (text) {
      this.status.textContent = text;
      this.status.dataset.state = 'starting';
    }
  }

  private shown(info: BackendInfo): void {
    this.select.value = info.choice;
    this.status.textContent = `${info.name}: ${info.detail}; started in ${duration(info.startMs)}.`;
    this.status.dataset.state = 'ready';
    this.status.dataset.backend = info.choice;
    this.speed.textContent = '';
    for (const l of this.listeners) l(info);
  }

  /** Reports a solve's time on the status line. */
  solved(ms: number, segments: number): void {
    this.speed.textContent = `Last solve: ${duration(ms)} for ${segments} segments (${duration(ms / segments)} each).`;
  }

  /** Solves one 6x6 Sudoku `runs` times after a warm-up, and shows the median time. */
  async speedTest(runs = 5): Promise<number | undefined> {
    const task = this.speedTask;
    const url = task && CHECKPOINTS.get(task.name);
    if (!task || !url) return undefined;
    const checked = task.check(task.generate(6));
    if (!checked.ok) return undefined;
    this.speedButton.disabled = true;
    try {
      const { engine, info } = await this.running;
      await engine.load(task.name, url);
      this.speed.textContent = `Speed test on ${info.name}: solving one ${task.title} ${runs} times…`;
      const times: number[] = [];
      let segments = 0;
      for (let i = 0; i <= runs; i++) {
        const trace = await engine.solve(task.name, checked.inputs);
        segments = trace.segments.length;
        if (i > 0) times.push(trace.ms); // the first run warms up (kernels compile on first use)
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      this.speed.textContent = `Speed test on ${info.name}: one ${task.title} (${segments} segments) in ${duration(median)}, the median of ${runs} solves.`;
      this.speed.dataset.medianMs = median.toFixed(1);
      this.speed.dataset.backend = info.choice;
      return median;
    } finally {
      this.speedButton.disabled = false;
    }
  }
}
