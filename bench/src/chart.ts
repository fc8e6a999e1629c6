/**
 * A small SVG chart writer for the benchmarks, with no dependencies. Its output is plain SVG 1.1 with
 * inline presentation attributes, no scripts, no CSS classes and no external resources (fonts:
 * sans-serif), so any viewer, an image preview or a browser renders it the same way.
 *
 * - `lineChart`: lines with markers, optional spread bands and dashed lines; linear or log axes.
 * - `barChart`: grouped bars (one bar per series in each group), optional log axis and reference line.
 * - `histogram`: counts (or fractions) of samples per category, as grouped bars (see its comment).
 * - `writeChart`: writes `bench/results/<name>.svg` atomically.
 *
 * Ticks are "nice" (1, 2 or 5 times a power of ten); log axes tick at powers of ten, with 2 and 5
 * between them when the axis spans few decades. Colours are the Okabe-Ito palette (distinguishable
 * with the common colour-vision deficiencies), and every line series has its own marker shape as
 * well, so charts stay readable in grey. Non-finite values (NaN, null from JSON) are skipped: a line
 * breaks there, a bar is marked "n/a". On a log axis, values <= 0 are skipped the same way. A chart
 * with nothing to draw is an empty-state chart that says so; bad options (a size <= 0, yMin >= yMax,
 * a log axis with yMin <= 0, a series with the wrong number of values) throw an Error naming them.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR } from './lib.js';

// ---------------------------------------------------------------------------------------------
// The API

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** optional spread band: [x, low, high] */
  readonly band?: readonly (readonly [number, number, number])[];
  readonly dashed?: boolean;
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly yMin?: number;
  readonly yMax?: number;
  readonly width?: number;
  readonly height?: number;
}

export interface BarChart {
  readonly title: string;
  readonly yLabel: string;
  /** Optional label under the group names. */
  readonly xLabel?: string;
  readonly groups: readonly string[];
  readonly series: readonly { readonly name: string; readonly values: readonly (number | null)[] }[];
  readonly logY?: boolean;
  /** draw a reference line, e.g. ratio 1 */
  readonly referenceLine?: number;
  readonly width?: number;
  readonly height?: number;
}

/**
 * A distribution of samples over categories: for each series, how many of its samples fall in each
 * category (or what fraction of them, with `normalize`), drawn as grouped bars, one group per
 * category in the order given. A sample belongs to the category equal to it (numbers compare as
 * numbers, so the segment counts 1, 2, 3 need no conversion); samples matching no category are
 * counted in a final "other" group, which appears only when there are some. Non-finite numbers and
 * null are ignored. Use it for, e.g., the number of segments ACT chooses on easy vs hard puzzles.
 */
export interface Histogram {
  readonly title: string;
  readonly xLabel: string;
  /** Default: "count", or "fraction of samples" with `normalize`. */
  readonly yLabel?: string;
  readonly categories: readonly (string | number)[];
  readonly series: readonly { readonly name: string; readonly samples: readonly (string | number | null)[] }[];
  /** Divide each series' counts by its number of (counted) samples. */
  readonly normalize?: boolean;
  readonly width?: number;
  readonly height?: number;
}

// ---------------------------------------------------------------------------------------------
// Scales and ticks

/** Okabe & Ito's colour-blind-safe palette, the yellow last (weak on white). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'down', 'cross', 'plus', 'star'] as const;
type Marker = (typeof MARKERS)[number];

export interface Ticks {
  /** The axis range: the data range widened to whole steps (unless fixed). */
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
  /** Ticks with a label (on log axes, the minor ticks 2 and 5 may go unlabelled). */
  readonly labelled: readonly number[];
}

/** A "nice" step: 1, 2 or 5 times a power of ten, near `span / target`. */
export function niceStep(span: number, target = 5): number {
  const raw = span / Math.max(target, 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  // Thresholds at the geometric midpoints (√2, √10, √50), so the tick count stays nearest `target`.
  return (f < Math.SQRT2 ? 1 : f < Math.sqrt(10) ? 2 : f < Math.sqrt(50) ? 5 : 10) * p;
}

/** Rounds away the float noise of k·step (0.30000000000000004 -> 0.3). */
const clean = (x: number, step: number): number => {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return digits > 15 ? x : Number(x.toFixed(digits));
};

/**
 * Linear ticks over [lo, hi]: a nice step, the range widened outward to whole steps except at ends
 * the caller fixed. A degenerate range (lo = hi) is widened around the value first.
 */
export function linearTicks(lo: number, hi: number, fixed: { min?: number; max?: number } = {}, target = 5): Ticks {
  let a = fixed.min ?? lo;
  let b = fixed.max ?? hi;
  if (!(Number.isFinite(a) && Number.isFinite(b))) throw new Error(`chart: axis range [${a}, ${b}] is not finite`);
  if (a > b) [a, b] = [b, a];
  if (a === b) {
    const pad = a === 0 ? 1 : Math.abs(a) * 0.1;
    if (fixed.min === undefined) a -= pad;
    if (fixed.max === undefined) b += pad;
    if (a === b) b = a + 1;
  }
  const step = niceStep(b - a, target);
  const min = fixed.min ?? clean(Math.floor(a / step + 1e-9) * step, step);
  const max = fixed.max ?? clean(Math.ceil(b / step - 1e-9) * step, step);
  const values: number[] = [];
  for (let k = Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9; k++) values.push(clean(k * step, step));
  return { min, max, values, labelled: values };
}

const NICE_125 = [1, 2, 5];

/** The largest 1-2-5 value <= x (below), or the smallest >= x (above). */
function snap125(x: number, dir: 'below' | 'above'): number {
  const p = 10 ** Math.floor(Math.log10(x));
  const candidates = [...NICE_125.map((m) => (m * p) / 10), ...NICE_125.map((m) => m * p), 10 * p];
  const ok = candidates.filter((c) => (dir === 'below' ? c <= x * (1 + 1e-12) : c >= x * (1 - 1e-12)));
  return dir === 'below' ? Math.max(...ok) : Math.min(...ok);
}

/**
 * Log ticks over [lo, hi] (both > 0): the range widened outward to 1-2-5 values (unless fixed);
 * ticks at the powers of ten, plus 2 and 5 between them (labelled) when the range spans at most two
 * decades; over many decades, every k-th power only, so that about `target` labels remain.
 */
export function logTicks(lo: number, hi: number, fixed: { min?: number; max?: number } = {}, target = 8): Ticks {
  let a = fixed.min ?? lo;
  let b = fixed.max ?? hi;
  if (!(a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b)))
    throw new Error(`chart: a log axis needs a positive finite range, got [${a}, ${b}]`);
  if (a > b) [a, b] = [b, a];
  if (a === b) {
    a /= 2;
    b *= 2;
  }
  const min = fixed.min ?? snap125(a, 'below');
  const max = fixed.max ?? snap125(b, 'above');
  const d0 = Math.floor(Math.log10(min) + 1e-9);
  const d1 = Math.ceil(Math.log10(max) - 1e-9);
  const decades = Math.log10(max / min);
  const inRange = (v: number) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  const values: number[] = [];
  const labelled: number[] = [];
  const every = Math.max(1, Math.ceil((d1 - d0 + 1) / target));
  for (let d = d0; d <= d1; d++) {
    const p = Number((10 ** d).toPrecision(12));
    for (const m of decades <= 2 ? NICE_125 : [1]) {
      const v = Number((m * p).toPrecision(12));
      if (!inRange(v)) continue;
      if (m === 1 && d % every !== 0) continue;
      values.push(v);
      labelled.push(v);
    }
  }
  // Too few ticks inside the range (e.g. 3..8): label the range ends as well.
  if (labelled.length < 2) {
    for (const v of [min, max]) if (!values.includes(v)) values.push(v);
    values.sort((x, y) => x - y);
    return { min, max, values, labelled: values };
  }
  return { min, max, values, labelled };
}

/** A tick label: few digits, exponent notation only for very large or small magnitudes. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e6 || abs < 1e-3) {
    const [m, e] = v.toExponential().split('e');
    const mant = Number(Number(m).toPrecision(3));
    return `${mant === 1 ? '' : mant === -1 ? '-' : `${mant}×`}1e${Number(e)}`.replace('1×1e', '1e');
  }
  return String(Number(v.toPrecision(6)));
}

/** Maps data values to pixels on [p0, p1]. */
export function scale(ticks: Ticks, p0: number, p1: number, log: boolean): (v: number) => number {
  if (log) {
    const l0 = Math.log10(ticks.min);
    const l1 = Math.log10(ticks.max);
    return (v) => p0 + ((Math.log10(v) - l0) / (l1 - l0)) * (p1 - p0);
  }
  return (v) => p0 + ((v - ticks.min) / (ticks.max - ticks.min)) * (p1 - p0);
}

// ---------------------------------------------------------------------------------------------
// SVG pieces

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

const num = (x: number): string => String(Math.round(x * 100) / 100);

/** A rough width of `text` in pixels at `size` (sans-serif averages about 0.55 em per character). */
const textWidth = (text: string, size: number): number => text.length * size * 0.56;

/** A default chart width of at least `width`, widened so that the centred title fits. */
const wideEnoughFor = (title: string, width: number): number => Math.max(width, Math.ceil(textWidth(title, 15)) + 40);

function text(
  x: number,
  y: number,
  s: string,
  opts: { size?: number; anchor?: 'start' | 'middle' | 'end'; rotate?: number; weight?: string; fill?: string } = {},
): string {
  const attrs = [
    `x="${num(x)}"`,
    `y="${num(y)}"`,
    `font-size="${opts.size ?? 12}"`,
    `text-anchor="${opts.anchor ?? 'start'}"`,
    `fill="${opts.fill ?? '#222222'}"`,
    ...(opts.weight ? [`font-weight="${opts.weight}"`] : []),
    ...(opts.rotate ? [`transform="rotate(${opts.rotate} ${num(x)} ${num(y)})"`] : []),
  ];
  return `<text ${attrs.join(' ')}>${escapeXml(s)}</text>`;
}

function marker(kind: Marker, x: number, y: number, color: string, r = 3.5): string {
  const fill = `fill="${color}" stroke="${color}" stroke-width="1"`;
  const poly = (pts: [number, number][]) =>
    `<polygon points="${pts.map(([a, b]) => `${num(x + a)},${num(y + b)}`).join(' ')}" ${fill}/>`;
  switch (kind) {
    case 'circle':
      return `<circle cx="${num(x)}" cy="${num(y)}" r="${r}" ${fill}/>`;
    case 'square':
      return `<rect x="${num(x - r)}" y="${num(y - r)}" width="${2 * r}" height="${2 * r}" ${fill}/>`;
    case 'triangle':
      return poly([
        [0, -r * 1.2],
        [r * 1.1, r * 0.8],
        [-r * 1.1, r * 0.8],
      ]);
    case 'down':
      return poly([
        [0, r * 1.2],
        [r * 1.1, -r * 0.8],
        [-r * 1.1, -r * 0.8],
      ]);
    case 'diamond':
      return poly([
        [0, -r * 1.3],
        [r * 1.3, 0],
        [0, r * 1.3],
        [-r * 1.3, 0],
      ]);
    case 'star':
      return poly(
        Array.from({ length: 10 }, (_, i) => {
          const a = (Math.PI * i) / 5 - Math.PI / 2;
          const rr = i % 2 === 0 ? r * 1.4 : r * 0.6;
          return [rr * Math.cos(a), rr * Math.sin(a)] as [number, number];
        }),
      );
    case 'cross':
    case 'plus': {
      const d = kind === 'cross' ? r : r * 1.3;
      const lines =
        kind === 'cross'
          ? [
              [-d, -d, d, d],
              [-d, d, d, -d],
            ]
          : [
              [-d, 0, d, 0],
              [0, -d, 0, d],
            ];
      return lines
        .map(
          ([a, b, c, e]) =>
            `<line x1="${num(x + a)}" y1="${num(y + b)}" x2="${num(x + c)}" y2="${num(y + e)}" stroke="${color}" stroke-width="2"/>`,
        )
        .join('');
    }
  }
}

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

function checkSize(width: number, height: number): void {
  if (!(Number.isFinite(width) && width > 0 && Number.isFinite(height) && height > 0))
    throw new Error(`chart: width and height must be positive, got ${width} x ${height}`);
}

function svgDocument(width: number, height: number, title: string, body: readonly string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Title, plot frame, grid lines, tick labels and axis labels. */
function axes(
  f: Frame,
  title: string,
  yTicks: Ticks,
  y: (v: number) => number,
  yLabel: string,
  x?: { ticks: Ticks; at: (v: number) => number; label: string },
): string[] {
  const [x0, x1, y0, y1] = [f.left, f.width - f.right, f.top, f.height - f.bottom];
  const out: string[] = [text(f.width / 2, 22, title, { size: 15, anchor: 'middle', weight: 'bold' })];
  for (const v of yTicks.values) {
    const py = y(v);
    out.push(
      `<line x1="${num(x0)}" y1="${num(py)}" x2="${num(x1)}" y2="${num(py)}" stroke="#e3e3e3" stroke-width="1"/>`,
    );
    if (yTicks.labelled.includes(v)) out.push(text(x0 - 6, py + 4, tickLabel(v), { size: 11, anchor: 'end' }));
  }
  if (x) {
    for (const v of x.ticks.values) {
      const px = x.at(v);
      out.push(
        `<line x1="${num(px)}" y1="${num(y0)}" x2="${num(px)}" y2="${num(y1)}" stroke="#eeeeee" stroke-width="1"/>`,
      );
      out.push(`<line x1="${num(px)}" y1="${num(y1)}" x2="${num(px)}" y2="${num(y1 + 4)}" stroke="#444444"/>`);
      if (x.ticks.labelled.includes(v)) out.push(text(px, y1 + 17, tickLabel(v), { size: 11, anchor: 'middle' }));
    }
    out.push(text((x0 + x1) / 2, f.height - 10, x.label, { size: 12, anchor: 'middle' }));
  }
  out.push(
    `<rect x="${num(x0)}" y="${num(y0)}" width="${num(x1 - x0)}" height="${num(y1 - y0)}" fill="none" stroke="#444444" stroke-width="1"/>`,
  );
  out.push(text(16, (y0 + y1) / 2, yLabel, { size: 12, anchor: 'middle', rotate: -90 }));
  return out;
}

function emptyState(f: Frame, title: string, message: string): string[] {
  const [x0, x1, y0, y1] = [f.left, f.width - f.right, f.top, f.height - f.bottom];
  return [
    text(f.width / 2, 22, title, { size: 15, anchor: 'middle', weight: 'bold' }),
    `<rect x="${num(x0)}" y="${num(y0)}" width="${num(x1 - x0)}" height="${num(y1 - y0)}" fill="#fafafa" stroke="#bbbbbb" stroke-width="1" stroke-dasharray="4 3"/>`,
    text((x0 + x1) / 2, (y0 + y1) / 2, message, { size: 14, anchor: 'middle', fill: '#777777' }),
  ];
}

interface LegendItem {
  readonly name: string;
  readonly color: string;
  readonly marker?: Marker;
  readonly dashed?: boolean;
  readonly bar?: boolean;
}

const LEGEND_ROW = 18;

/** Width the legend needs to the right of the plot. */
const legendWidth = (items: readonly LegendItem[]): number =>
  items.length === 0 ? 0 : 44 + Math.max(...items.map((i) => textWidth(i.name, 11)));

function legend(items: readonly LegendItem[], x: number, y: number): string[] {
  return items.flatMap((it, i) => {
    const cy = y + i * LEGEND_ROW;
    const swatch = it.bar
      ? [`<rect x="${num(x)}" y="${num(cy - 6)}" width="22" height="12" fill="${it.color}"/>`]
      : [
          `<line x1="${num(x)}" y1="${num(cy)}" x2="${num(x + 22)}" y2="${num(cy)}" stroke="${it.color}" stroke-width="2"${it.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
          ...(it.marker ? [marker(it.marker, x + 11, cy, it.color)] : []),
        ];
    return [...swatch, text(x + 28, cy + 4, it.name, { size: 11 })];
  });
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

// ---------------------------------------------------------------------------------------------
// Line chart

/** An SVG line chart: one line per series, with markers, optional bands and log axes. */
export function lineChart(c: LineChart): string {
  const width = c.width ?? wideEnoughFor(c.title, 720);
  const height = c.height ?? 440;
  checkSize(width, height);
  if (c.yMin !== undefined && c.yMax !== undefined && !(c.yMin < c.yMax))
    throw new Error(`chart "${c.title}": yMin (${c.yMin}) must be below yMax (${c.yMax})`);
  if (c.logY && c.yMin !== undefined && !(c.yMin > 0))
    throw new Error(`chart "${c.title}": a log y axis needs yMin > 0, got ${c.yMin}`);
  const okX = (x: unknown): x is number => finite(x) && (!c.logX || x > 0);
  const okY = (y: unknown): y is number => finite(y) && (!c.logY || y > 0);

  const items: LegendItem[] = c.series.map((s, i) => ({
    name: s.name,
    color: PALETTE[i % PALETTE.length],
    marker: MARKERS[i % MARKERS.length],
    ...(s.dashed ? { dashed: true } : {}),
  }));
  const f: Frame = { width, height, left: 72, right: 16 + legendWidth(items), top: 40, bottom: 52 };
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of c.series) {
    for (const p of s.points ?? [])
      if (p && okX(p[0]) && okY(p[1])) {
        xs.push(p[0]);
        ys.push(p[1]);
      }
    for (const b of s.band ?? [])
      if (b && okX(b[0]))
        for (const v of [b[1], b[2]])
          if (okY(v)) {
            xs.push(b[0]);
            ys.push(v);
          }
  }
  if (xs.length === 0)
    return svgDocument(width, height, c.title, [
      ...emptyState(f, c.title, c.series.length === 0 ? 'no data: no series' : 'no data: no finite points'),
      ...legend(items, width - f.right + 14, f.top + 8),
    ]);

  const fixed = {
    ...(c.yMin !== undefined ? { min: c.yMin } : {}),
    ...(c.yMax !== undefined ? { max: c.yMax } : {}),
  };
  const [x0, x1, y0, y1] = [f.left, width - f.right, f.top, height - f.bottom];
  const xt = c.logX ? logTicks(Math.min(...xs), Math.max(...xs)) : linearTicks(Math.min(...xs), Math.max(...xs));
  const yt = c.logY
    ? logTicks(Math.min(...ys), Math.max(...ys), fixed)
    : linearTicks(Math.min(...ys), Math.max(...ys), fixed);
  const X = scale(xt, x0, x1, c.logX ?? false);
  const Y = scale(yt, y1, y0, c.logY ?? false);
  const body = axes(f, c.title, yt, Y, c.yLabel, { ticks: xt, at: X, label: c.xLabel });
  const clipId = 'plot-area';
  body.push(
    `<defs><clipPath id="${clipId}"><rect x="${num(x0)}" y="${num(y0)}" width="${num(x1 - x0)}" height="${num(y1 - y0)}"/></clipPath></defs>`,
  );
  const plot: string[] = [];
  const markers: string[] = [];
  c.series.forEach((s, i) => {
    const color = items[i].color;
    // Band: the polygon through the highs left to right and the lows back, over its runs of valid entries.
    const band = [...(s.band ?? [])]
      .filter((b) => b && okX(b[0]) && okY(b[1]) && okY(b[2]))
      .sort((a, b) => a[0] - b[0]);
    if (band.length >= 2) {
      const pts = [...band.map((b) => [X(b[0]), Y(b[2])]), ...[...band].reverse().map((b) => [X(b[0]), Y(b[1])])];
      plot.push(
        `<polygon points="${pts.map(([a, b]) => `${num(a)},${num(b)}`).join(' ')}" fill="${color}" fill-opacity="0.15" stroke="none"/>`,
      );
    } else if (band.length === 1) {
      const [bx, lo, hi] = band[0];
      plot.push(
        `<line x1="${num(X(bx))}" y1="${num(Y(lo))}" x2="${num(X(bx))}" y2="${num(Y(hi))}" stroke="${color}" stroke-opacity="0.4" stroke-width="6"/>`,
      );
    }
    // Line: broken at invalid points, so a gap shows as a gap.
    const runs: [number, number][][] = [[]];
    for (const p of s.points ?? []) {
      if (p && okX(p[0]) && okY(p[1])) runs[runs.length - 1].push([X(p[0]), Y(p[1])]);
      else if (runs[runs.length - 1].length > 0) runs.push([]);
    }
    for (const run of runs)
      if (run.length >= 2)
        plot.push(
          `<polyline points="${run.map(([a, b]) => `${num(a)},${num(b)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
        );
    // Markers are not clipped (a point on the frame stays whole), but those outside a fixed range are left out.
    const inside = (a: number, b: number) => a >= x0 - 0.5 && a <= x1 + 0.5 && b >= y0 - 0.5 && b <= y1 + 0.5;
    for (const run of runs)
      for (const [a, b] of run) if (inside(a, b)) markers.push(marker(items[i].marker ?? 'circle', a, b, color));
  });
  body.push(`<g clip-path="url(#${clipId})">`, ...plot, '</g>', ...markers);
  body.push(...legend(items, width - f.right + 14, f.top + 8));
  return svgDocument(width, height, c.title, body);
}

// ---------------------------------------------------------------------------------------------
// Bar chart

/** An SVG bar chart: for each group, one bar per series side by side; null or non-finite values are marked n/a. */
export function barChart(c: BarChart): string {
  const width =
    c.width ??
    wideEnoughFor(c.title, Math.max(560, Math.min(1200, 140 + c.groups.length * (24 + 16 * c.series.length))));
  const height = c.height ?? 440;
  checkSize(width, height);
  for (const s of c.series)
    if (s.values.length !== c.groups.length)
      throw new Error(
        `chart "${c.title}": series "${s.name}" has ${s.values.length} values for ${c.groups.length} groups`,
      );
  if (c.referenceLine !== undefined && !finite(c.referenceLine))
    throw new Error(`chart "${c.title}": referenceLine must be a finite number, got ${c.referenceLine}`);
  const ok = (v: unknown): v is number => finite(v) && (!c.logY || v > 0);
  const items: LegendItem[] = c.series.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length], bar: true }));

  // Group labels: horizontal when they fit under their group, else rotated (and the bottom margin grows).
  const longest = Math.max(0, ...c.groups.map((g) => textWidth(g, 11)));
  const right = 16 + legendWidth(items);
  const slot = (width - 72 - right) / Math.max(c.groups.length, 1);
  const rotate = longest > slot - 4;
  // Rotated by 35 degrees, a label reaches 0.82 of its width left of its group and 0.57 below the axis.
  const left = rotate ? Math.min(Math.max(72, 0.82 * longest - slot / 2 + 8), width * 0.3) : 72;
  const bottom = (rotate ? Math.min(longest * 0.57 + 24, height * 0.4) : 30) + (c.xLabel ? 20 : 0);
  const f: Frame = { width, height, left, right, top: 40, bottom };
  const values = c.series.flatMap((s) => s.values.filter(ok));
  if (c.groups.length === 0 || c.series.length === 0 || values.length === 0)
    return svgDocument(width, height, c.title, [
      ...emptyState(
        f,
        c.title,
        c.groups.length === 0
          ? 'no data: no groups'
          : c.series.length === 0
            ? 'no data: no series'
            : 'no data: no values',
      ),
      ...legend(items, width - f.right + 14, f.top + 8),
    ]);

  const [x0, x1, y0, y1] = [f.left, width - f.right, f.top, height - f.bottom];
  const extra = c.referenceLine !== undefined && ok(c.referenceLine) ? [c.referenceLine] : [];
  const all = [...values, ...extra];
  // Linear bars grow from 0, so the axis includes it.
  const yt = c.logY
    ? logTicks(Math.min(...all), Math.max(...all))
    : linearTicks(Math.min(0, ...all), Math.max(0, ...all));
  const Y = scale(yt, y1, y0, c.logY ?? false);
  const base = c.logY ? y1 : Y(0);
  const body = axes(f, c.title, yt, Y, c.yLabel);
  const groupW = (x1 - x0) / c.groups.length;
  const barW = (groupW * 0.8) / c.series.length;
  c.groups.forEach((g, gi) => {
    const gx = x0 + gi * groupW + groupW * 0.1;
    // A group with no value at all says so once; a single missing bar gets a vertical mark in its slot.
    if (c.series.every((s) => !ok(s.values[gi])))
      body.push(text(gx + groupW * 0.4, base - 6, 'n/a', { size: 10, anchor: 'middle', fill: '#888888' }));
    c.series.forEach((s, si) => {
      const v = s.values[gi];
      const bx = gx + si * barW;
      if (!ok(v)) {
        if (c.series.some((t) => ok(t.values[gi])))
          body.push(
            text(bx + barW / 2 + 3, base - 4, 'n/a', { size: 9, anchor: 'start', fill: '#888888', rotate: -90 }),
          );
        return;
      }
      const py = Y(v);
      const [top, h] = py < base ? [py, base - py] : [base, py - base];
      body.push(
        `<rect x="${num(bx + 0.5)}" y="${num(top)}" width="${num(Math.max(barW - 1, 1))}" height="${num(Math.max(h, 0.5))}" fill="${items[si].color}"><title>${escapeXml(`${g}, ${s.name}: ${tickLabel(v)}`)}</title></rect>`,
      );
    });
    const cx = x0 + (gi + 0.5) * groupW;
    body.push(
      rotate
        ? text(cx + 4, y1 + 12, g, { size: 11, anchor: 'end', rotate: -35 })
        : text(cx, y1 + 17, g, { size: 11, anchor: 'middle' }),
    );
  });
  if (c.referenceLine !== undefined && ok(c.referenceLine)) {
    const ry = Y(c.referenceLine);
    body.push(
      `<line x1="${num(x0)}" y1="${num(ry)}" x2="${num(x1)}" y2="${num(ry)}" stroke="#000000" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      text(x1 - 4, ry - 5, `${tickLabel(c.referenceLine)}`, { size: 11, anchor: 'end' }),
    );
  }
  if (c.xLabel) body.push(text((x0 + x1) / 2, height - 8, c.xLabel, { size: 12, anchor: 'middle' }));
  body.push(...legend(items, width - f.right + 14, f.top + 8));
  return svgDocument(width, height, c.title, body);
}

// ---------------------------------------------------------------------------------------------
// Histogram

/** Counts (or fractions) per category for each series, as `histogram` draws them; the last group may be "other". */
export function countByCategory(h: Pick<Histogram, 'categories' | 'series' | 'normalize'>): {
  groups: string[];
  series: { name: string; values: number[] }[];
} {
  const index = (v: string | number): number =>
    h.categories.findIndex((c) => (typeof c === 'number' && typeof v === 'number' ? c === v : String(c) === String(v)));
  const counted = h.series.map((s) => {
    const counts = new Array<number>(h.categories.length + 1).fill(0);
    let n = 0;
    for (const v of s.samples) {
      if (v === null || (typeof v === 'number' && !Number.isFinite(v))) continue;
      const i = index(v);
      counts[i < 0 ? h.categories.length : i]++;
      n++;
    }
    return { name: s.name, counts, n };
  });
  const other = counted.some((s) => s.counts[h.categories.length] > 0);
  const groups = [...h.categories.map(String), ...(other ? ['other'] : [])];
  return {
    groups,
    series: counted.map((s) => ({
      name: s.name,
      values: s.counts.slice(0, groups.length).map((k) => (h.normalize ? (s.n > 0 ? k / s.n : 0) : k)),
    })),
  };
}

/** The distribution of each series' samples over `categories` (see `Histogram`), as grouped bars. */
export function histogram(h: Histogram): string {
  const { groups, series } = countByCategory(h);
  return barChart({
    title: h.title,
    xLabel: h.xLabel,
    yLabel: h.yLabel ?? (h.normalize ? 'fraction of samples' : 'count'),
    groups,
    series: series.map((s) => ({ name: `${s.name}`, values: s.values })),
    ...(h.width !== undefined ? { width: h.width } : {}),
    ...(h.height !== undefined ? { height: h.height } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Files

/** Writes `bench/results/<name>.svg` through a temporary file and a rename; returns the path. */
export function writeChart(name: string, svg: string): string {
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.'))
    throw new Error(`writeChart: "${name}" is not a plain file name (letters, digits, . _ -)`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.svg`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, svg);
  renameSync(tmp, file);
  return file;
}
