/**
 * The solve runner and the checkpoint bytes in Node: `solveTrace` agrees with the library's
 * `predictSegments` (tokens and Q values after every segment, and the halting segment), its observer
 * sees every update of the schedule, and `modelFromBytes` reads the committed checkpoints as
 * `readModelFile` does.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { haltingSegment, modelFromBytes, predictSegments } from '@hrm/hrm';
import { readModelFile } from '@hrm/hrm/node';
import { toBatch } from '@hrm/hrm/tasks';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { scheduleOf, solveTrace } from '../src/engine/solve.js';

const checkpoint = (name: string) =>
  fileURLToPath(new URL(`../../packages/hrm/checkpoints/${name}.safetensors`, import.meta.url));

describe('solveTrace', () => {
  /** HRM's 2 x 2 schedule, the one-step gradient recording the last L and H updates. */
  const hrm2x2 = { plan: 'zL zL zH zL zL zH', recorded: [4, 5] };
  /** TRM's 3 recursions of 6 z-updates and a y-update by one network, the last recursion recorded. */
  const trm3x6 = {
    plan: Array.from({ length: 3 }, () => 'zL zL zL zL zL zL zH').join(' '),
    recorded: [14, 15, 16, 17, 18, 19, 20],
  };
  const cases = [
    { name: 'sudoku4', ...hrm2x2 },
    { name: 'maze9', ...hrm2x2 },
    { name: 'sudoku9', ...trm3x6 },
  ];
  for (const { name, plan: expectedPlan, recorded } of cases) {
    it(`matches predictSegments on ${name} puzzles`, () => {
      const bytes = readFileSync(checkpoint(name));
      const loaded = modelFromBytes(bytes, name);
      if (E.isLeft(loaded)) throw loaded.left;
      const m = loaded.right;
      const file = readModelFile(checkpoint(name));
      expect(m.model).toEqual(file.model);
      expect(m.step).toBe(file.step);
      expect(m.preset.name).toBe(name);
      const plan = scheduleOf(m.reasoner);
      expect(plan.map((s) => s.state).join(' ')).toBe(expectedPlan);
      expect(plan.filter((s) => s.recorded).map((s) => s.index)).toEqual(recorded);
      for (const example of m.preset.evalExamples(name === 'sudoku9' ? 1 : 3)) {
        const trace = solveTrace(m.reasoner, m.params, m.buffers, example.inputs);
        const batch = toBatch([example], { seqLen: m.model.seqLen });
        if (E.isLeft(batch)) throw batch.left;
        const expected = predictSegments(m.reasoner, m.params, m.buffers, batch.right);
        expect(trace.segments.length).toBe(m.model.haltMaxSteps);
        trace.segments.forEach((s, i) => {
          expect(s.tokens).toEqual(Array.from(expected[i].tokens[0]));
          expect(s.qHalt).toBeCloseTo(expected[i].qHalt[0], 4);
          expect(s.qContinue).toBeCloseTo(expected[i].qContinue[0], 4);
          expect(s.updates.map((u) => u.state)).toEqual(plan.map((p) => p.state));
          for (const c of s.confidence) {
            expect(c).toBeGreaterThan(0);
            expect(c).toBeLessThanOrEqual(1);
          }
          for (const u of s.updates) {
            expect(u.norms.zH).toBeGreaterThan(0);
            expect(u.change).toBeGreaterThanOrEqual(0);
          }
        });
        expect(trace.haltAt).toBe(haltingSegment(expected, m.model)[0]);
      }
    });
  }
});
