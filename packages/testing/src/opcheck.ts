/**
 * The op suite's harness. Each op file's test declares cases (input shapes and value ranges, the op,
 * and a float64 reference written with `ref.ts`); `checkOp` turns each case into tests that run on
 * every backend under test:
 * - values, from float32 inputs, against the float64 reference on the same (float32-rounded) values;
 * - the same with non-contiguous inputs (transposed or offset views of the same values);
 * - the gradient against central differences in float64 (and, with `grad2`, the gradient of the gradient);
 * - on backends other than the reference, the float32 gradient against the reference backend's.
 * Backends under test: `HRM_TEST_BACKENDS` (comma-separated), else every registered backend.
 */
import { checkGradients, grad } from '@hrm/autodiff';
import {
  type AnyTensor,
  backend,
  type DType,
  fromArray,
  permute,
  registeredBackends,
  slice,
  sum,
  withBackend,
} from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { type Ref, ref } from './ref.js';
import { mulberry32 } from './rng.js';

export interface InputSpec {
  readonly shape: readonly number[];
  readonly dtype?: DType;
  /** Values drawn uniformly from [lo, hi) (floats) or integers in [lo, hi) (int32); default [-1, 1). */
  readonly range?: readonly [number, number];
  /** Keep |x| at least this far from 0 (avoids kinks and poles in gradient checks). */
  readonly awayFromZero?: number;
  /** Exact values (overrides random generation). */
  readonly values?: readonly number[];
}

export interface OpCase {
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly run: (...xs: AnyTensor[]) => AnyTensor;
  readonly reference: (...xs: Ref[]) => Ref;
  /** Check gradients by finite differences (default: when the output is float). */
  readonly grad?: boolean;
  /** Also check the gradient of the gradient. */
  readonly grad2?: boolean;
  /** Relative tolerance of float32 values against the reference (default 2e-6, plus 1e-6 absolute). */
  readonly rtol?: number;
  readonly atol?: number;
}

export function testBackends(): string[] {
  const env = process.env.HRM_TEST_BACKENDS;
  return env ? env.split(',').map((s) => s.trim()) : registeredBackends();
}

function sample(spec: InputSpec, seed: number): number[] {
  if (spec.values) return [...spec.values];
  const rand = mulberry32(seed);
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const [lo, hi] = spec.range ?? (spec.dtype === 'int32' ? [-5, 5] : [-1, 1]);
  return Array.from({ length: n }, () => {
    if (spec.dtype === 'bool') return rand() < 0.5 ? 1 : 0;
    if (spec.dtype === 'int32') return lo + Math.floor(rand() * (hi - lo));
    let v = Math.fround(lo + rand() * (hi - lo));
    const gap = spec.awayFromZero ?? 0;
    if (Math.abs(v) < gap) v = Math.fround(v < 0 ? v - gap : v + gap);
    return v;
  });
}

function make(values: readonly number[], spec: InputSpec): AnyTensor {
  const made = fromArray(values, [...spec.shape], { dtype: spec.dtype ?? 'float32', allowNonFinite: true });
  if (E.isLeft(made)) throw made.left;
  return made.right as AnyTensor;
}

/** The same values as a non-contiguous view: transposed (rank >= 2) or offset inside a larger buffer. */
function noncontiguous(values: readonly number[], spec: InputSpec): AnyTensor {
  const rank = spec.shape.length;
  if (rank >= 2) {
    const perm = spec.shape.map((_, i) => rank - 1 - i);
    const flipped = spec.shape.map((_, i) => spec.shape[perm[i]]);
    const reordered = new Array<number>(values.length);
    const base = make(values, spec);
    const data = permute(base, perm).data();
    for (let i = 0; i < data.length; i++) reordered[i] = data[i];
    return permute(make(reordered, { ...spec, shape: flipped }), perm);
  }
  if (rank === 1) {
    const padded = make([0, ...values, 0], { ...spec, shape: [values.length + 2] });
    return slice(padded, 0, 1, values.length + 1);
  }
  return make(values, spec);
}

function expectClose(actual: AnyTensor, expected: Ref, rtol: number, atol: number, label: string): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  const got = actual.data();
  const exact = actual.dtype === 'int32' || actual.dtype === 'bool';
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i];
    const g = got[i];
    if (Number.isNaN(e) && Number.isNaN(g)) continue;
    if (exact || !Number.isFinite(e) ? g !== e : Math.abs(g - e) > atol + rtol * Math.abs(e)) {
      const excess = Number.isFinite(e) ? Math.abs(g - e) : Number.POSITIVE_INFINITY;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (worst >= 0)
    expect.fail(
      `${label}: element ${worst} is ${got[worst]}, expected ${expected.data[worst]} (rtol ${rtol}, atol ${atol})`,
    );
}

/**
 * A dtype the case needs (an input's or the output's) that the backend does not hold, if any:
 * GPU backends refuse float64, and must do so by name rather than compute something else.
 */
function missingDType(backendName: string, c: OpCase, values: readonly number[][]): DType | undefined {
  const holds = backend(backendName).dtypes;
  const missing = c.inputs.map((s) => s.dtype ?? 'float32').find((d) => !holds.includes(d));
  if (missing !== undefined || holds.includes('float64')) return missing;
  const out = withBackend('reference', () => c.run(...values.map((v, i) => make(v, c.inputs[i]))).dtype);
  return holds.includes(out) ? undefined : out;
}

export function checkOp(name: string, cases: readonly OpCase[]): void {
  describe(name, () => {
    cases.forEach((c, caseIndex) => {
      const seeds = c.inputs.map((_, i) => 1000 * caseIndex + 17 * i + name.length);
      const values = c.inputs.map((s, i) => sample(s, seeds[i]));
      const expected = c.reference(...values.map((v, i) => ref(c.inputs[i].shape, v)));
      const rtol = c.rtol ?? 2e-6;
      const atol = c.atol ?? 1e-6;
      const differentiable = (c.grad ?? true) && c.inputs.some((s) => (s.dtype ?? 'float32').startsWith('float'));
      for (const backendName of testBackends()) {
        it(`${c.name} [${backendName}]`, () =>
          withBackend(backendName, () => {
            const missing = missingDType(backendName, c, values);
            if (missing !== undefined) {
              expect(() => c.run(...values.map((v, i) => make(v, c.inputs[i]))), `refuses ${missing}`).toThrow(missing);
              return;
            }
            const out = c.run(...values.map((v, i) => make(v, c.inputs[i])));
            expectClose(out, expected, rtol, atol, c.name);
            const outNc = c.run(...values.map((v, i) => noncontiguous(v, c.inputs[i])));
            expectClose(outNc, expected, rtol, atol, `${c.name} (non-contiguous inputs)`);
            if (backendName !== 'reference' && differentiable) {
              // The backend's float32 gradient against the reference backend's.
              const gradOn = (b: string) =>
                withBackend(b, () => {
                  const xs = values.map((v, i) => make(v, c.inputs[i]));
                  const wrt = xs.flatMap((x, i) => (x.dtype === 'float32' ? [i] : []));
                  const gs = grad((zs: AnyTensor[]) =>
                    sum(c.run(...xs.map((x, i) => (wrt.includes(i) ? zs[wrt.indexOf(i)] : x)))),
                  )(wrt.map((i) => xs[i]));
                  return gs.map((g) => ref(g.view.shape, g.data()));
                });
              const mine = gradOn(backendName);
              gradOn('reference').forEach((r, i) => {
                expectClose(
                  make([...mine[i].data], { shape: mine[i].shape }),
                  r,
                  1e-4,
                  1e-5,
                  `${c.name} gradient ${i} vs reference`,
                );
              });
            }
          }));
      }
      if (differentiable) {
        it(`${c.name}: gradient matches finite differences`, () => {
          const inputs = values.map((v, i) => make(v, c.inputs[i]));
          const result = checkGradients(c.run, inputs);
          expect(result.ok, `worst: ${JSON.stringify(result.worst)}`).toBe(true);
        });
        if (c.grad2)
          it(`${c.name}: gradient of the gradient matches finite differences`, () => {
            const inputs = values.map((v, i) => make(v, c.inputs[i]));
            const result = checkGradients(c.run, inputs, { order: 2, atol: 1e-5, rtol: 1e-4 });
            expect(result.ok, `worst: ${JSON.stringify(result.worst)}`).toBe(true);
          });
      }
    });
  });
}
