/**
 * Training progress for a person or a program: on a terminal, one line redrawn in place with a bar,
 * the rate, the ETA and live metrics; otherwise (a pipe, a file, CI) plain log lines; with --json,
 * one JSON record per line and nothing else on stdout.
 */
export type OutputMode = 'tty' | 'plain' | 'json';

export function outputMode(json: boolean, stream: NodeJS.WriteStream = process.stdout): OutputMode {
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

export class Progress {
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly total: number,
    private readonly mode: OutputMode,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly startStep = 0,
  ) {}

  /** Reports step `step` with metrics; draws at most 10 times a second on a terminal. */
  update(step: number, metrics: Readonly<Record<string, number>>, force = false): void {
    const now = performance.now();
    const elapsed = (now - this.started) / 1000;
    const done = step - this.startStep;
    const rate = done / Math.max(elapsed, 1e-9);
    const eta = (this.total - step) / rate;
    if (this.mode === 'json') {
      this.out.write(`${JSON.stringify({ event: 'train', step, ...metrics, stepsPerSecond: rate })}\n`);
      return;
    }
    const shown = Object.entries(metrics)
      .map(([k, v]) => `${k} ${Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(3)}`)
      .join('  ');
    if (this.mode === 'plain') {
      this.out.write(`step ${step}/${this.total}  ${rate.toFixed(2)} steps/s  eta ${duration(eta)}  ${shown}\n`);
      return;
    }
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 24;
    const filled = Math.round((width * step) / Math.max(this.total, 1));
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${bar} ${step}/${this.total}  ${rate.toFixed(1)} it/s  eta ${duration(eta)}  ${shown}`;
    this.out.write(`\r\x1b[2K${line.slice(0, Math.max(20, (this.out.columns ?? 120) - 1))}`);
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
