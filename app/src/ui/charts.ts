/**
 * The charts, on uPlot: the Q head's two logits over the segments, the states' norms inside one segment,
 * and the training curves. Each fills the width of its host and follows it when the page resizes.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Okabe-Ito colours: told apart with every common colour-vision deficiency. */
export const COLOURS = {
  orange: '#d55e00',
  blue: '#0072b2',
  green: '#009e73',
  purple: '#cc79a7',
  grey: '#666',
} as const;

const AXIS = { stroke: '#444', grid: { stroke: '#e6e6e6', width: 1 }, ticks: { stroke: '#ccc', width: 1 } };

/** A uPlot chart in `host` at the host's width, resized with it. */
function responsive(host: HTMLElement, height: number, opts: Omit<uPlot.Options, 'width' | 'height'>): uPlot {
  const width = () => Math.max(240, Math.floor(host.clientWidth || 320));
  const chart = new uPlot({ ...opts, width: width(), height }, [[]], host);
  new ResizeObserver(() => {
    if (Math.abs(chart.width - width()) > 2) chart.setSize({ width: width(), height });
  }).observe(host);
  return chart;
}

/** A vertical line at x (dashed), drawn over the plot. */
function drawMarker(u: uPlot, x: number, colour: string, dash: number[], label: string, atBottom = false): void {
  const { ctx, bbox } = u;
  const px = u.valToPos(x, 'x', true);
  if (!Number.isFinite(px)) return;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
  ctx.beginPath();
  ctx.moveTo(px, bbox.top);
  ctx.lineTo(px, bbox.top + bbox.height);
  ctx.stroke();
  ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
  const y = atBottom ? bbox.top + bbox.height - 4 * devicePixelRatio : bbox.top + 12 * devicePixelRatio;
  ctx.fillText(label, px + 4 * devicePixelRatio, y);
  ctx.restore();
}

/** The Q head's halt and continue logits after each segment, with the shown segment and ACT's halt marked. */
export class QChart {
  private readonly chart: uPlot;
  private shown = 0;
  private haltAt = 0;

  constructor(host: HTMLElement) {
    this.chart = responsive(host, 180, {
      scales: { x: { time: false } },
      legend: { live: false },
      cursor: { show: false },
      axes: [
        { ...AXIS, label: 'segment', size: 36, incrs: [1], space: 16 },
        { ...AXIS, label: 'Q logit', size: 48 },
      ],
      series: [
        { label: 'segment' },
        { label: 'q_halt', stroke: COLOURS.orange, width: 2, points: { size: 7 } },
        { label: 'q_continue', stroke: COLOURS.blue, width: 2, dash: [6, 4], points: { size: 7 } },
      ],
      hooks: {
        draw: [
          (u) => {
            if (this.haltAt > 0) drawMarker(u, this.haltAt, COLOURS.green, [], 'ACT halts');
            if (this.shown > 0 && this.shown !== this.haltAt)
              drawMarker(u, this.shown, COLOURS.grey, [4, 4], 'shown', true);
          },
        ],
      },
    });
  }

  show(qHalt: readonly number[], qContinue: readonly number[], haltAt: number, shown: number): void {
    this.haltAt = haltAt;
    this.shown = shown;
    const xs = qHalt.map((_, i) => i + 1);
    this.chart.setData([xs, [...qHalt], [...qContinue]]);
  }

  select(shown: number): void {
    this.shown = shown;
    this.chart.redraw(false, false);
  }
}

/**
 * Inside one segment: how far each update moved the state it wrote, ‖Δz‖ / ‖z‖, one bar colour per module
 * (the states' norms themselves stay near √(positions × hidden): both are RMS-normalised).
 */
export class MoveChart {
  private readonly chart: uPlot;

  constructor(
    host: HTMLElement,
    private readonly states: readonly string[],
  ) {
    const colours = [COLOURS.purple, COLOURS.green, COLOURS.blue];
    const bars = uPlot.paths.bars?.({ size: [0.55, 40] });
    this.chart = responsive(host, 200, {
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max * 1.1, 0.05)] } },
      legend: { live: false },
      cursor: { show: false },
      axes: [
        { ...AXIS, label: 'update in the segment', size: 36, incrs: [1], space: 16 },
        {
          ...AXIS,
          label: 'moved: ‖Δz‖ / ‖z‖',
          size: 56,
          values: (_u, ticks) => ticks.map((t) => `${Math.round(t * 100)}%`),
        },
      ],
      series: [
        { label: 'update' },
        ...states.map((s, i) => ({
          label: `update of ${s}`,
          stroke: colours[i % colours.length],
          fill: `${colours[i % colours.length]}b3`,
          width: 1,
          points: { show: false },
          ...(bars ? { paths: bars } : {}),
        })),
      ],
    });
  }

  /** Per update of the segment: the state it wrote and how far it moved that state. */
  show(updates: readonly { readonly state: string; readonly change: number }[]): void {
    const xs = updates.map((_, i) => i + 1);
    this.chart.setData([xs, ...this.states.map((s) => updates.map((u) => (u.state === s ? u.change : null)))]);
  }
}

/** Training curves: the loss, and exact accuracy on the training batch and on unseen puzzles. */
export class TrainChart {
  private readonly chart: uPlot;

  constructor(host: HTMLElement) {
    this.chart = responsive(host, 280, {
      // Accuracy from 0 to a little above its best so far (at least 10%), so that its first rise shows.
      scales: {
        x: { time: false },
        acc: { range: (_u, _min, max) => [0, Math.min(1, Math.max(0.1, Math.ceil(max * 12) / 10))] },
      },
      legend: { live: false },
      axes: [
        { ...AXIS, label: 'training step', size: 36 },
        { ...AXIS, label: 'loss', size: 52 },
        {
          ...AXIS,
          scale: 'acc',
          side: 1,
          label: 'exact accuracy',
          size: 56,
          grid: { show: false },
          values: (_u, ticks) => ticks.map((t) => `${Math.round(t * 100)}%`),
        },
      ],
      series: [
        { label: 'step' },
        { label: 'loss', stroke: COLOURS.blue, width: 1.5, spanGaps: true, points: { show: false } },
        {
          label: 'exact, training batch (smoothed)',
          scale: 'acc',
          stroke: COLOURS.orange,
          width: 1.5,
          spanGaps: true,
          points: { show: false },
        },
        {
          label: 'exact, unseen puzzles',
          scale: 'acc',
          stroke: COLOURS.green,
          width: 2,
          spanGaps: true,
          points: { size: 7 },
        },
      ],
    });
  }

  show(
    steps: readonly number[],
    loss: readonly (number | null)[],
    exact: readonly (number | null)[],
    unseen: readonly (number | null)[],
  ): void {
    this.chart.setData([[...steps], [...loss], [...exact], [...unseen]]);
  }
}
