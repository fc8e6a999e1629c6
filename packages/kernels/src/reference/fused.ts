/**
 * The reference backend's fused kernels: each a loop over the rows of the last axis, in float64 (the
 * result is rounded once, to the output's dtype), written as the formulas in `FusedKernels` say.
 */
import type { FusedKernels } from '../backend.js';
import { allocArray, type TypedArray } from '../dtype.js';
import { sizeOf } from '../view.js';
import { dense, type HostBuffer, type HostView } from './buffer.js';
import { UNARY } from './elementwise.js';

/** Runs `row(start)` for the start of each row of `n` elements in `size` elements. */
function eachRow(size: number, n: number, row: (start: number) => void): void {
  if (n === 0) return;
  for (let start = 0; start < size; start += n) row(start);
}

/** A view's last-axis length. */
const lastDim = (x: HostView): number => x.shape[x.shape.length - 1];

/** `out` = each row of `n` elements of `x` over its root mean square (with `eps`); returns `out`. */
function rmsNormRows(x: TypedArray, out: TypedArray, n: number, eps: number): TypedArray {
  eachRow(x.length, n, (s) => {
    let squares = 0;
    for (let j = 0; j < n; j++) squares += x[s + j] * x[s + j];
    const r = 1 / Math.sqrt(squares / n + eps);
    for (let j = 0; j < n; j++) out[s + j] = x[s + j] * r;
  });
  return out;
}

/** The fused kernels over host arrays; `wrap` accounts for each new buffer as the backend's own. */
export function referenceFused(wrap: (data: TypedArray) => HostBuffer): FusedKernels<HostBuffer> {
  const output = (x: HostView, size = sizeOf(x.shape)) => allocArray(x.dtype, size);
  return {
    softmax(view) {
      const x = dense(view);
      const out = output(view);
      const n = lastDim(view);
      eachRow(x.length, n, (s) => {
        let m = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < n; j++) m = Math.max(m, x[s + j]);
        if (!Number.isFinite(m) && !Number.isNaN(m)) m = 0;
        let total = 0;
        for (let j = 0; j < n; j++) total += Math.exp(x[s + j] - m);
        for (let j = 0; j < n; j++) out[s + j] = Math.exp(x[s + j] - m) / total;
      });
      return wrap(out);
    },
    softmaxVjp(yView, gView) {
      const y = dense(yView);
      const g = dense(gView);
      const out = output(yView);
      const n = lastDim(yView);
      eachRow(y.length, n, (s) => {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += g[s + j] * y[s + j];
        for (let j = 0; j < n; j++) out[s + j] = y[s + j] * (g[s + j] - dot);
      });
      return wrap(out);
    },
    rmsNorm(view, eps) {
      return wrap(rmsNormRows(dense(view), output(view), lastDim(view), eps));
    },
    addRmsNorm(xView, yView, eps) {
      const x = dense(xView);
      const y = dense(yView);
      // The sum rounded to the inputs' dtype first, as the two ops it fuses round it.
      const sum = output(xView);
      for (let i = 0; i < x.length; i++) sum[i] = x[i] + y[i];
      return wrap(rmsNormRows(sum, output(xView), lastDim(xView), eps));
    },
    rmsNormVjp(xView, gView, eps) {
      const x = dense(xView);
      const g = dense(gView);
      const out = output(xView);
      const n = lastDim(xView);
      eachRow(x.length, n, (s) => {
        let squares = 0;
        let dot = 0;
        for (let j = 0; j < n; j++) {
          squares += x[s + j] * x[s + j];
          dot += g[s + j] * x[s + j];
        }
        const r = 1 / Math.sqrt(squares / n + eps);
        const k = (r * r * r * dot) / n;
        for (let j = 0; j < n; j++) out[s + j] = r * g[s + j] - k * x[s + j];
      });
      return wrap(out);
    },
    gatedSilu(view) {
      const x = dense(view);
      const f = lastDim(view) / 2;
      const out = output(view, x.length / 2);
      for (let r = 0, i = 0; i < out.length; r += 2 * f)
        for (let j = 0; j < f; j++, i++) out[i] = UNARY.silu(x[r + j]) * x[r + f + j];
      return wrap(out);
    },
    gatedSiluVjp(xView, gView) {
      const x = dense(xView);
      const g = dense(gView);
      const f = lastDim(xView) / 2;
      const out = output(xView);
      for (let r = 0, i = 0; r < x.length; r += 2 * f)
        for (let j = 0; j < f; j++, i++) {
          const a = x[r + j];
          const s = UNARY.sigmoid(a);
          out[r + j] = g[i] * x[r + f + j] * s * (1 + a * (1 - s));
          out[r + f + j] = g[i] * a * s;
        }
      return wrap(out);
    },
    adamStep(pView, gView, mView, vView, c) {
      const [p, g, m, v] = [pView, gView, mView, vView].map(dense);
      const n = p.length;
      const out = output(pView, 3 * n);
      for (let i = 0; i < n; i++) {
        const grad = g[i] + c.l2 * p[i];
        const m1 = m[i] + c.rate1 * (grad - m[i]);
        const v1 = v[i] + c.rate2 * (grad * grad - v[i]);
        const scaled = Math.sqrt(v1) * c.vScale;
        const direction = c.atan2 ? Math.atan2(m1, scaled) : m1 / (scaled + c.eps);
        out[i] = c.decay * p[i] - c.step * direction;
        out[n + i] = m1;
        out[2 * n + i] = v1;
      }
      return wrap(out);
    },
  };
}
