import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  barChart,
  countByCategory,
  escapeXml,
  histogram,
  type LineChart,
  linearTicks,
  lineChart,
  logTicks,
  niceStep,
  scale,
  tickLabel,
  writeChart,
} from './chart.js';

/**
 * A small well-formedness check: one root element, every tag closed in order, attributes quoted and
 * unique, only the five predefined entities and character references, no stray `<` or `&`.
 * Returns the element names in document order.
 */
function wellFormed(xml: string): string[] {
  let s = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const names: string[] = [];
  let roots = 0;
  const checkText = (t: string) => {
    if (t.includes('<')) throw new Error(`stray < in text: ${t.slice(0, 40)}`);
    const amp = t.match(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/);
    if (amp) throw new Error(`bad entity in: ${t.slice(0, 40)}`);
  };
  while (s.length > 0) {
    const lt = s.indexOf('<');
    if (lt < 0) {
      if (s.trim() !== '') throw new Error('text after the root element');
      break;
    }
    const before = s.slice(0, lt);
    checkText(before);
    if (stack.length === 0 && before.trim() !== '') throw new Error('text outside the root element');
    s = s.slice(lt);
    if (s.startsWith('<!--')) {
      const end = s.indexOf('-->');
      if (end < 0) throw new Error('unclosed comment');
      s = s.slice(end + 3);
      continue;
    }
    const gt = s.indexOf('>');
    if (gt < 0) throw new Error('unclosed tag');
    const tag = s.slice(1, gt);
    s = s.slice(gt + 1);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = body.match(/^([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*"[^"<]*")*)\s*$/);
    if (!m) throw new Error(`malformed tag <${tag}>`);
    const attrs = [...m[2].matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*"([^"]*)"/g)];
    const seen = new Set<string>();
    for (const [, k, v] of attrs) {
      if (seen.has(k)) throw new Error(`duplicate attribute ${k} in <${m[1]}>`);
      seen.add(k);
      checkText(v);
    }
    if (stack.length === 0) roots++;
    names.push(m[1]);
    if (!selfClosing) stack.push(m[1]);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return names;
}

const base: LineChart = {
  title: 'time vs depth <&> "quoted"',
  xLabel: 'N x T',
  yLabel: 'ms',
  series: [
    {
      name: 'one-step',
      points: [
        [1, 10],
        [2, 12],
        [4, 13],
      ],
      band: [
        [1, 9, 11],
        [2, 11, 14],
        [4, 12, 15],
      ],
    },
    {
      name: 'bptt & co',
      dashed: true,
      points: [
        [1, 10],
        [2, 25],
        [4, 60],
      ],
    },
  ],
};

describe('the well-formedness check itself', () => {
  it('accepts good XML and rejects bad', () => {
    expect(wellFormed('<a x="1"><b/><c>t &amp; u</c></a>')).toEqual(['a', 'b', 'c']);
    expect(() => wellFormed('<a><b></a></b>')).toThrow();
    expect(() => wellFormed('<a x=1/>')).toThrow();
    expect(() => wellFormed('<a>x & y</a>')).toThrow();
    expect(() => wellFormed('<a/><b/>')).toThrow();
    expect(() => wellFormed('<a x="1" x="2"/>')).toThrow();
  });
});

describe('ticks', () => {
  it('steps are 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(1, 5)).toBeCloseTo(0.2);
    expect(niceStep(37, 5)).toBe(10);
    expect(niceStep(0.07, 5)).toBeCloseTo(0.01);
    expect(niceStep(7300, 5)).toBe(2000);
    for (const span of [0.003, 0.9, 3, 17, 123, 4567, 1e7]) {
      const step = niceStep(span);
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
    }
  });

  it('linear ticks cover the data with a nice range and clean values', () => {
    const t = linearTicks(0.13, 0.87);
    expect(t.min).toBeCloseTo(0);
    expect(t.max).toBeCloseTo(1);
    expect(t.values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const u = linearTicks(3, 97);
    expect(u.values).toEqual([0, 20, 40, 60, 80, 100]);
    expect(linearTicks(0.1, 0.3).values.every((v) => String(v).length <= 4)).toBe(true);
  });

  it('a fixed end stays where it was put', () => {
    const t = linearTicks(0.2, 0.7, { min: 0, max: 1 });
    expect([t.min, t.max]).toEqual([0, 1]);
    expect(t.values[0]).toBe(0);
    expect(t.values[t.values.length - 1]).toBe(1);
  });

  it('a degenerate range (all values equal) still gets an axis', () => {
    const t = linearTicks(5, 5);
    expect(t.min).toBeLessThan(5);
    expect(t.max).toBeGreaterThan(5);
    const z = linearTicks(0, 0);
    expect(z.min).toBeLessThan(0);
    expect(z.max).toBeGreaterThan(0);
  });

  it('log ticks sit at powers of ten, with 2 and 5 over few decades', () => {
    const wide = logTicks(0.003, 4000);
    expect(wide.min).toBeCloseTo(0.002);
    expect(wide.max).toBeCloseTo(5000);
    expect(wide.labelled).toEqual([0.01, 0.1, 1, 10, 100, 1000]);
    const narrow = logTicks(1, 32);
    expect([narrow.min, narrow.max]).toEqual([1, 50]);
    expect(narrow.values).toEqual([1, 2, 5, 10, 20, 50]);
    const many = logTicks(1e-6, 1e12);
    expect(many.labelled.length).toBeLessThanOrEqual(8);
    expect(many.labelled.every((v) => Number.isInteger(Math.log10(v)))).toBe(true);
  });

  it('a log axis rejects a non-positive range', () => {
    expect(() => logTicks(0, 10)).toThrow(/positive/);
    expect(() => logTicks(-1, 10)).toThrow(/positive/);
  });

  it('labels are short', () => {
    expect(tickLabel(0.30000000000000004)).toBe('0.3');
    expect(tickLabel(1000)).toBe('1000');
    expect(tickLabel(1e6)).toBe('1e6');
    expect(tickLabel(2e-5)).toBe('2×1e-5');
    expect(tickLabel(0)).toBe('0');
  });
});

describe('scale', () => {
  it('maps log values by their logarithm', () => {
    const t = logTicks(1, 1000);
    const x = scale(t, 0, 300, true);
    expect(x(1)).toBeCloseTo(0);
    expect(x(10)).toBeCloseTo(100);
    expect(x(100)).toBeCloseTo(200);
    expect(x(1000)).toBeCloseTo(300);
    expect(x(Math.sqrt(10))).toBeCloseTo(50);
  });

  it('maps linear values proportionally, and can run backwards (y grows upward)', () => {
    const t = linearTicks(0, 10);
    const y = scale(t, 400, 0, false);
    expect(y(0)).toBe(400);
    expect(y(10)).toBe(0);
    expect(y(2.5)).toBe(300);
  });
});

describe('lineChart', () => {
  it('is well-formed SVG 1.1 with the title escaped, a legend, markers, a band and a dashed line', () => {
    const svg = lineChart(base);
    const names = wellFormed(svg);
    expect(names[0]).toBe('svg');
    expect(svg).toContain('version="1.1"');
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('font-family="sans-serif"');
    expect(svg).not.toMatch(/<script|<style|class=/);
    expect(svg).toContain('time vs depth &lt;&amp;&gt; &quot;quoted&quot;');
    expect(svg).toContain('bptt &amp; co');
    expect(names.filter((n) => n === 'polyline')).toHaveLength(2);
    expect(names.filter((n) => n === 'polygon').length).toBeGreaterThanOrEqual(1);
    expect(svg).toContain('stroke-dasharray="6 4"');
  });

  it('skips NaN points (and null from JSON), breaking the line there', () => {
    const svg = lineChart({
      ...base,
      series: [
        {
          name: 'gappy',
          points: [
            [1, 1],
            [2, 2],
            [3, Number.NaN],
            [4, 4],
            [5, 5],
            [6, null as unknown as number],
          ],
        },
      ],
    });
    wellFormed(svg);
    expect(svg).not.toContain('NaN');
    expect((svg.match(/<polyline/g) ?? []).length).toBe(2);
  });

  it('on log axes skips values <= 0 and ticks at decades', () => {
    const svg = lineChart({
      ...base,
      logX: true,
      logY: true,
      series: [
        {
          name: 's',
          points: [
            [0, 5],
            [1, 1],
            [10, 100],
            [100, 10000],
            [1000, -3],
          ],
        },
      ],
    });
    wellFormed(svg);
    expect(svg).not.toMatch(/NaN|Infinity/);
    for (const label of ['>1<', '>10<', '>100<', '>1000<', '>10000<']) expect(svg).toContain(label);
  });

  it('draws an empty-state chart when there is nothing to draw', () => {
    for (const series of [[], [{ name: 'empty', points: [] }], [{ name: 'nan', points: [[1, Number.NaN]] }]]) {
      const svg = lineChart({ ...base, series: series as unknown as LineChart['series'] });
      wellFormed(svg);
      expect(svg).toContain('no data');
    }
  });

  it('a single point or a flat line still renders', () => {
    wellFormed(lineChart({ ...base, series: [{ name: 'one', points: [[3, 3]] }] }));
    const flat = lineChart({
      ...base,
      series: [
        {
          name: 'flat',
          points: [
            [1, 2],
            [2, 2],
          ],
        },
      ],
    });
    wellFormed(flat);
    expect(flat).not.toMatch(/NaN|Infinity/);
  });

  it('rejects bad options with a clear error', () => {
    expect(() => lineChart({ ...base, yMin: 1, yMax: 1 })).toThrow(/yMin/);
    expect(() => lineChart({ ...base, logY: true, yMin: 0 })).toThrow(/log/);
    expect(() => lineChart({ ...base, width: 0 })).toThrow(/width/);
  });
});

describe('barChart', () => {
  const bars = {
    title: 'peer time / our time',
    yLabel: 'ratio',
    groups: ['matmul A·B 2592x128x512', 'matmul Aᵀ·B', 'block fwd', 'HRM step'],
    series: [
      { name: 'tfjs-cpu', values: [20, 30, 10, null] },
      { name: 'jax-js', values: [0.8, Number.NaN, 1.2, null] },
    ],
    logY: true,
    referenceLine: 1,
  };

  it('is well-formed, marks missing values n/a and draws the reference line', () => {
    const svg = barChart(bars);
    const names = wellFormed(svg);
    expect(names.filter((n) => n === 'rect').length).toBeGreaterThanOrEqual(5); // background, frame, bars, legend
    // One mark for the group with no values, one for the single missing bar.
    expect((svg.match(/>n\/a</g) ?? []).length).toBe(2);
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('linear bars start at zero, negative ones go down', () => {
    const svg = barChart({ ...bars, logY: false, series: [{ name: 'x', values: [3, -2, 0, 1] }] });
    wellFormed(svg);
    expect(svg).toContain('>0<');
  });

  it('rejects a series whose length does not match the groups', () => {
    expect(() => barChart({ ...bars, series: [{ name: 'short', values: [1] }] })).toThrow(/1 values for 4 groups/);
  });

  it('widens its default width to fit a long title, but keeps a width given', () => {
    const svgWidth = (svg: string) => Number(/<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);
    const short = svgWidth(barChart(bars));
    const long = svgWidth(barChart({ ...bars, title: `${'a much longer title, '.repeat(5)}than the bars need` }));
    expect(long).toBeGreaterThan(short);
    expect(long).toBeGreaterThanOrEqual(0.56 * 15 * 118);
    expect(svgWidth(barChart({ ...bars, title: 'x'.repeat(200), width: 500 }))).toBe(500);
  });

  it('draws an empty state for no groups or no values', () => {
    wellFormed(barChart({ ...bars, groups: [], series: [] }));
    const svg = barChart({ ...bars, series: [{ name: 'x', values: [null, null, null, null] }] });
    wellFormed(svg);
    expect(svg).toContain('no data');
  });
});

describe('histogram', () => {
  it('counts samples per category, numbers as numbers, others in "other"', () => {
    const h = countByCategory({
      categories: [1, 2, 3],
      series: [
        { name: 'easy', samples: [1, 1, 2, 1, null, Number.NaN] },
        { name: 'hard', samples: [3, 3, 2, 7] },
      ],
    });
    expect(h.groups).toEqual(['1', '2', '3', 'other']);
    expect(h.series[0].values).toEqual([3, 1, 0, 0]);
    expect(h.series[1].values).toEqual([0, 1, 2, 1]);
  });

  it('normalises to fractions and draws bars', () => {
    const spec = {
      title: 'segments chosen',
      xLabel: 'segments',
      categories: ['a', 'b'],
      series: [{ name: 's', samples: ['a', 'b', 'b', 'b'] }],
      normalize: true,
    };
    expect(countByCategory(spec).series[0].values).toEqual([0.25, 0.75]);
    const svg = histogram(spec);
    wellFormed(svg);
    expect(svg).toContain('fraction of samples');
  });
});

describe('writeChart', () => {
  it('refuses names that are not plain file names', () => {
    expect(() => writeChart('../escape', '<svg/>')).toThrow(/plain file name/);
    expect(() => writeChart('a/b', '<svg/>')).toThrow(/plain file name/);
  });

  it('writes bench/results/<name>.svg and returns its path', () => {
    const name = `chart-test-${process.pid}`;
    const path = writeChart(name, lineChart(base));
    try {
      expect(path.endsWith(join('results', `${name}.svg`))).toBe(true);
      wellFormed(readFileSync(path, 'utf8'));
    } finally {
      rmSync(path, { force: true });
    }
  });
});

it('escapeXml escapes the five special characters', () => {
  expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
});
