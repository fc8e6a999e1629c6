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
  for (const name of ['sudoku4', 'maze9']) {
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
      expect(plan.map((s) => s.state).join(' ')).toBe('zL zL zH zL zL zH');
      expect(plan.filter((s) => s.recorded).map((s) => s.index)).toEqual([4, 5]);
      for (const example of m.preset.evalExamples(3)) {
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
