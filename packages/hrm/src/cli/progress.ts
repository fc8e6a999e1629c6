/**
 * Training progress for a person or a program: on a terminal, one line redrawn in place with a bar,
 * the rate, the ETA and live metrics, as wide as the terminal; otherwise (a pipe, a file, CI) plain log
 * lines; with --json, one JSON record per line and nothing else on stdout. The rate and the ETA count
 * only the steps of this process (a resumed run starts counting where it resumed).
 */
export type OutputMode = 'tty' | 'plain' | 'json';

/** Where progress goes: stdout, or anything with its `write`, `isTTY` and `columns`. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

export function outputMode(json: boolean, stream: ProgressStream = process.stdout): OutputMode {
  return json ? 'json' : stream.isTTY ? 'tty' : 'plain';
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

/**
 * A metric for the progress line: a learning rate in scientific notation (a warm-up's 3e-4 would read
 * 0.000 with three decimals), whole numbers and large values without decimals, the rest with three.
 */
export function formatMetric(name: string, v: number): string {
  if (name === 'lr') return v === 0 ? '0' : v.toExponential(1);
  return Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(3);
}

export class Progress {
  private started: number;
  private startStep = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  /** `total` steps (0: not known, as with --minutes), shown in `mode` on `out`; `clock` in milliseconds. */
  constructor(
    private readonly total: number,
    private readonly mode: OutputMode,
    private readonly out: ProgressStream = process.stdout,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.started = clock();
  }

  /** The run resumed at `step`: the rate counts from here, not from step 0. */
  resumedAt(step: number): void {
    this.startStep = step;
    this.started = this.clock();
  }

  /** Reports step `step` with metrics; draws at most 10 times a second on a terminal. */
  update(step: number, metrics: Readonly<Record<string, number>>, force = false): void {
    const now = this.clock();
    const rate = (step - this.startStep) / Math.max((now - this.started) / 1000, 1e-9);
    if (this.mode === 'json') {
      this.out.write(`${JSON.stringify({ event: 'train', step, ...metrics, stepsPerSecond: rate })}\n`);
      return;
    }
    const shown = Object.entries(metrics)
      .map(([k, v]) => `${k} ${formatMetric(k, v)}`)
      .join('  ');
    const known = this.total > 0;
    const eta = known ? `  eta ${duration((this.total - step) / rate)}` : '';
    if (this.mode === 'plain') {
      this.out.write(`step ${step}${known ? `/${this.total}` : ''}  ${rate.toFixed(2)} steps/s${eta}  ${shown}\n`);
      return;
    }
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 24;
    const filled = Math.min(width, Math.round((width * step) / Math.max(this.total, 1)));
    const where = known ? `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${step}/${this.total}` : `step ${step}`;
    const line = `${where}  ${rate.toFixed(1)} it/s${eta}  ${shown}`;
    // One column short of the terminal's width, so that the line never wraps and breaks the redraw.
    this.out.write(`\r\x1b[2K${line.slice(0, Math.max(20, (this.out.columns ?? 80) - 1))}`);
    this.drawn = true;
  }

  /** Prints a line (an evaluation result, a checkpoint) without breaking the bar. */
  note(text: string, record?: Readonly<Record<string, unknown>>): void {
    if (this.mode === 'json') {
      if (record) this.out.write(`${JSON.stringify(record)}\n`);
      return;
    }
    if (this.drawn && this.mode === 'tty') this.out.write('\r\x1b[2K');
    this.out.write(`${text}\n`);
  }

  finish(): void {
    if (this.mode === 'tty' && this.drawn) this.out.write('\n');
  }
}
