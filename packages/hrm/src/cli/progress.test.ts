/** The training progress line: the terminal's width, readable learning rates, and the rate of this process's steps. */
import { describe, expect, it } from 'vitest';
import { formatMetric, Progress, type ProgressStream } from './progress.js';

/** A terminal `columns` wide that keeps what is written, and a clock the test moves. */
function terminal(columns: number) {
  const written: string[] = [];
  const stream: ProgressStream = {
    isTTY: true,
    columns,
    write: (s: string) => {
      written.push(s);
      return true;
    },
  };
  const clock = { now: 0 };
  const lastLine = () => (written.at(-1) ?? '').replace('\r\x1b[2K', '');
  return { stream, clock, lastLine, tick: () => clock.now };
}

const metrics = { loss: 1.234567, token: 0.5, exact: 0.25, haltSegment: 2.5, lr: 3e-4 };

describe('the progress line on a terminal', () => {
  it('uses the whole width of a wide terminal, and cuts to a narrow one', () => {
    const wide = terminal(200);
    new Progress(4000, 'tty', wide.stream, wide.tick).update(1000, metrics, true);
    expect(wide.lastLine().length).toBeGreaterThan(80);
    expect(wide.lastLine()).toMatch(/lr 3\.0e-4$/);
    const narrow = terminal(60);
    new Progress(4000, 'tty', narrow.stream, narrow.tick).update(1000, metrics, true);
    expect(narrow.lastLine().length).toBe(59);
  });

  it('shows a learning rate in warm-up with its digits, not as 0.000', () => {
    expect(formatMetric('lr', 3e-4)).toBe('3.0e-4');
    expect(formatMetric('lr', 2.5e-6)).toBe('2.5e-6');
    expect(formatMetric('lr', 0)).toBe('0');
    expect(formatMetric('loss', 1.234567)).toBe('1.235');
    expect(formatMetric('loss', 1234.5)).toBe('1235');
    expect(formatMetric('exact', 0)).toBe('0');
  });

  it('after --resume, counts only the steps this process ran in the rate and the ETA', () => {
    const t = terminal(200);
    const progress = new Progress(4100, 'tty', t.stream, t.tick);
    progress.resumedAt(4000);
    t.clock.now = 2000; // two seconds for ten steps: 5 steps/s, 90 steps to go
    progress.update(4010, metrics, true);
    expect(t.lastLine()).toMatch(/4010\/4100 {2}5\.0 it\/s {2}eta 00:18/);
  });

  it('writes JSON records with the rate of this process', () => {
    const t = terminal(200);
    const progress = new Progress(4100, 'json', t.stream, t.tick);
    progress.resumedAt(4000);
    t.clock.now = 2000;
    progress.update(4010, { loss: 1 });
    expect(JSON.parse(t.lastLine())).toEqual({ event: 'train', step: 4010, loss: 1, stepsPerSecond: 5 });
  });
});
