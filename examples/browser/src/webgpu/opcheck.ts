/**
 * The op-suite harness (packages/core/src/testing/opcheck.ts) for a backend that reads back only
 * asynchronously (gpu.js on WebGPU). The WebGPU page's build aliases the op files' `opcheck.js`
 * import to this module, so the same cases run: values from float32 inputs against the float64
 * reference, with contiguous and non-contiguous (transposed or offset) inputs, and the float32
 * gradient against the reference backend's. Read-backs go through `readAsync`. The
 * finite-difference checks are not repeated here: they test gradient rules on the reference backend,
 * whatever the device.
 */
import { grad } from '@hrm/autodiff';
import { type AnyTensor, type DType, fromArray, permute, slice, sum, type TypedArray, withBackend } from '@hrm/core';
import type { Backend } from '@hrm/kernels';
import { type Ref, ref, permute as refPermute } from '@hrm/testing/ref';
import { mulberry32 } from '@hrm/testing/rng';
import * as E from 'fp-ts/lib/Either.js';
import { expect, it } from '../suite/vitest-shim.js';

export interface InputSpec {
  readonly shape: readonly number[];
  readonly dtype?: DType;
  readonly range?: readonly [number, number];
  readonly awayFromZero?: number;
  readonly values?: readonly number[];
}

export interface OpCase {
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly run: (...xs: AnyTensor[]) => AnyTensor;
  readonly reference: (...xs: Ref[]) => Ref;
  readonly grad?: boolean;
  readonly grad2?: boolean;
  readonly rtol?: number;
  readonly atol?: number;
}

/** The backend the cases run on; the page sets it before running them. */
let device: Backend | undefined;

export function setDevice(b: Backend): void {
  device = b;
}

export function testBackends(): string[] {
  return ['webgpu'];
}

async function read(t: AnyTensor): Promise<TypedArray> {
  const b = t.storage.backend;
  return b.readAsync ? b.readAsync(t.view) : b.read(t.view);
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

/** The same values as a non-contiguous view; the reordering is done on the host (no read-back). */
function noncontiguous(values: readonly number[], spec: InputSpec): AnyTensor {
  const rank = spec.shape.length;
  if (rank >= 2) {
    const perm = spec.shape.map((_, i) => rank - 1 - i);
    const flipped = refPermute(ref(spec.shape, values), perm);
    return permute(make(Array.from(flipped.data), { ...spec, shape: flipped.shape }), perm);
  }
  if (rank === 1) {
    const padded = make([0, ...values, 0], { ...spec, shape: [values.length + 2] });
    return slice(padded, 0, 1, values.length + 1);
  }
  return make(values, spec);
}

function expectClose(
  got: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
  expected: Ref,
  rtol: number,
  atol: number,
  label: string,
): void {
  expect(shape, `${label}: shape`).toEqual(expected.shape);
  const exact = dtype === 'int32' || dtype === 'bool';
  for (let i = 0; i < expected.data.length; i++) {
    const [e, g] = [expected.data[i], got[i]];
    if (Number.isNaN(e) && Number.isNaN(g)) continue;
    if (exact || !Number.isFinite(e) ? g !== e : Math.abs(g - e) > atol + rtol * Math.abs(e))
      expect.fail(`${label}: element ${i} is ${g}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

export function checkOp(_name: string, cases: readonly OpCase[]): void {
  cases.forEach((c, caseIndex) => {
    const seeds = c.inputs.map((_, i) => 1000 * caseIndex + 17 * i + _name.length);
    const values = c.inputs.map((s, i) => sample(s, seeds[i]));
    const expected = c.reference(...values.map((v, i) => ref(c.inputs[i].shape, v)));
    const rtol = c.rtol ?? 2e-6;
    const atol = c.atol ?? 1e-6;
    const differentiable = (c.grad ?? true) && c.inputs.some((s) => (s.dtype ?? 'float32').startsWith('float'));
    it(`${c.name} [webgpu]`, async () => {
      const gpu = device;
      if (!gpu) throw new Error('opcheck (webgpu): no device set');
      const needs = [...c.inputs.map((s) => s.dtype ?? 'float32')];
      needs.push(withBackend('reference', () => c.run(...values.map((v, i) => make(v, c.inputs[i]))).dtype));
      const missing = needs.find((d) => !gpu.dtypes.includes(d));
      if (missing) {
        expect(() => withBackend(gpu, () => c.run(...values.map((v, i) => make(v, c.inputs[i])))), missing).toThrow(
          missing,
        );
        return;
      }
      for (const [label, build] of [
        ['', make],
        [' (non-contiguous inputs)', noncontiguous],
      ] as const) {
        const out = withBackend(gpu, () => c.run(...values.map((v, i) => build(v, c.inputs[i]))));
        expectClose(await read(out), out.view.shape, out.dtype, expected, rtol, atol, `${c.name}${label}`);
      }
      if (!differentiable) return;
      const gradOn = (b: Backend | string) =>
        withBackend(b, () => {
          const xs = values.map((v, i) => make(v, c.inputs[i]));
          const wrt = xs.flatMap((x, i) => (x.dtype === 'float32' ? [i] : []));
          return grad((zs: AnyTensor[]) => sum(c.run(...xs.map((x, i) => (wrt.includes(i) ? zs[wrt.indexOf(i)] : x)))))(
            wrt.map((i) => xs[i]),
          );
        });
      const mine = gradOn(gpu);
      const theirs = gradOn('reference');
      for (let i = 0; i < mine.length; i++) {
        const r = ref(theirs[i].view.shape, theirs[i].data());
        expectClose(await read(mine[i]), mine[i].view.shape, 'float32', r, 1e-4, 1e-5, `${c.name} gradient ${i}`);
      }
    });
  });
}
