/**
 * Inside the loop: for the segment shown, the N x T schedule of updates (which module ran, in which
 * cycle, and which updates the one-step gradient records), the norm of each state after every update,
 * and how far each update moved the state it wrote.
 */
import type { ModelSummary } from '../engine/protocol.js';
import type { SegmentTrace } from '../engine/solve.js';
import { MoveChart } from '../ui/charts.js';
import { byId, h } from '../ui/dom.js';

/** "zH" → "H": the module that writes a state. */
const moduleOf = (state: string) => state.replace(/^z/, '');

export class LoopView {
  private chart: MoveChart | undefined;
  private states: readonly string[] = [];
  private readonly table = byId('schedule');
  private readonly intro = byId('loop-intro');
  private readonly heading = byId('loop-title');

  /** Shows segment `k` (1-based) of a solve by `model`, or nothing yet. */
  show(model: ModelSummary, trace: SegmentTrace | undefined, k: number): void {
    const steps = model.schedule;
    const states = [...new Set(steps.map((s) => s.state))].sort();
    if (states.join() !== this.states.join() || !this.chart) {
      this.states = states;
      const host = byId('norm-chart');
      host.replaceChildren();
      this.chart = new MoveChart(host, states);
    }
    const cycles = model.hCycles;
    const perCycle = steps.length / Math.max(cycles, 1);
    this.heading.textContent = trace ? `Inside segment ${k}: the loop` : 'Inside a segment: the loop';
    this.intro.textContent =
      `Each segment runs N = ${model.hCycles} cycles; in each, the fast module L updates T = ${model.lCycles} times ` +
      `with z_H held fixed, then the slow module H updates once from z_L. The ${model.window} gradient ` +
      `records only the updates marked “recorded” (the last of each module); the others run without a tape.`;

    const updates = trace?.updates ?? [];
    const fmt = (x: number | undefined, digits: number) => (x === undefined ? '–' : x.toFixed(digits));
    const cycleHeads = Array.from({ length: cycles }, (_, n) =>
      h('th', { scope: 'colgroup', colspan: perCycle }, `cycle ${n + 1}`),
    );
    const row = (label: string, cells: (Node | string)[], cls = '') =>
      h('tr', { class: cls }, h('th', { scope: 'row' }, label), ...cells.map((c) => h('td', {}, c)));
    const modules = steps.map((s) => h('span', { class: `module m-${moduleOf(s.state)}` }, moduleOf(s.state)));
    const recorded = steps.map((s) =>
      h('span', { class: s.recorded ? 'recorded yes' : 'recorded no' }, s.recorded ? 'recorded' : 'no grad'),
    );
    this.table.replaceChildren(
      h(
        'table',
        { class: 'schedule' },
        h('caption', {}, `The ${steps.length} updates of one segment, in order`),
        h('thead', {}, h('tr', {}, h('td', {}), ...cycleHeads)),
        h(
          'tbody',
          {},
          row('module', modules),
          row('gradient', recorded),
          ...states.map((s) =>
            row(
              `‖${s}‖`,
              steps.map((_, i) => fmt(updates[i]?.norms[s], 2)),
            ),
          ),
          row(
            'moved',
            steps.map((_, i) => (updates[i] ? `${(updates[i].change * 100).toFixed(1)}%` : '–')),
            'moved',
          ),
        ),
      ),
    );
    this.chart.show(updates);
  }
}
