/**
 * Every layer against a float64 reference written from its formula (values in float32 on every
 * backend, contiguous and not), and its gradients with respect to inputs and parameters against
 * finite differences in float64 (the op-suite harness of @hrm/core).
 */
import { checkOp } from '@hrm/testing/opcheck';
import { at, build, type Ref, matmul as refMatmul, take as refTake, zip } from '@hrm/testing/ref';
import { attention } from './attention.js';
import { block } from './block.js';
import { embed } from './embedding.js';
import { gridMixer } from './grid-mixer.js';
import { linear } from './linear.js';
import { rmsNorm } from './rmsnorm.js';
import { applyRope, ropeTables } from './rope.js';
import { swiglu } from './swiglu.js';

// ---------------------------------------------------------------------------------------------
// float64 references, from the formulas

function refRms(x: Ref, eps = 1e-5, weight?: Ref): Ref {
  const d = x.shape[x.shape.length - 1];
  return build(x.shape, (c) => {
    const row = c.slice(0, -1);
    let ms = 0;
    for (let j = 0; j < d; j++) ms += at(x, [...row, j]) ** 2;
    const v = at(x, c) / Math.sqrt(ms / d + eps);
    return weight ? v * at(weight, [c[c.length - 1]]) : v;
  });
}

function refSilu(v: number): number {
  return v / (1 + Math.exp(-v));
}

function refSwiglu(x: Ref, gateUp: Ref, down: Ref): Ref {
  const inter = down.shape[0];
  const gu = refMatmul(x, gateUp);
  const h = build([...gu.shape.slice(0, -1), inter], (c) => {
    const row = c.slice(0, -1);
    const j = c[c.length - 1];
    return refSilu(at(gu, [...row, j])) * at(gu, [...row, j + inter]);
  });
  return refMatmul(h, down);
}

/** RoPE on [B, L, H, hd] at positions 0..L-1 (rotate-half), from the angle formula. */
function refRope(x: Ref, theta = 10000): Ref {
  const hd = x.shape[3];
  const half = hd / 2;
  return build(x.shape, ([b, l, h, j]) => {
    const i = j % half;
    const angle = l / theta ** ((2 * i) / hd);
    const rotated = j < half ? -at(x, [b, l, h, j + half]) : at(x, [b, l, h, j - half]);
    return at(x, [b, l, h, j]) * Math.cos(angle) + rotated * Math.sin(angle);
  });
}

/** Attention over [B, L, D] with fused qkv [D, 3·H·hd] and out [H·hd, D], by explicit loops. */
function refAttention(x: Ref, qkv: Ref, out: Ref, heads: number, opts: { causal?: boolean; rope?: boolean } = {}): Ref {
  const [B, L] = x.shape;
  const hd = qkv.shape[1] / (3 * heads);
  const proj = refMatmul(x, qkv); // [B, L, 3·H·hd]
  const part = (p: number) => {
    const r = build([B, L, heads, hd], ([b, l, h, j]) => at(proj, [b, l, p * heads * hd + h * hd + j]));
    return opts.rope && p < 2 ? refRope(r) : r;
  };
  const [q, k, v] = [0, 1, 2].map(part);
  const merged = build([B, L, heads * hd], ([b, i, hj]) => {
    const h = Math.floor(hj / hd);
    const j = hj % hd;
    const scores: number[] = [];
    for (let t = 0; t < L; t++) {
      let s = 0;
      for (let e = 0; e < hd; e++) s += at(q, [b, i, h, e]) * at(k, [b, t, h, e]);
      scores.push(opts.causal && t > i ? Number.NEGATIVE_INFINITY : s / Math.sqrt(hd));
    }
    const m = Math.max(...scores);
    const w = scores.map((s) => Math.exp(s - m));
    const z = w.reduce((a, c) => a + c, 0);
    let o = 0;
    for (let t = 0; t < L; t++) o += (w[t] / z) * at(v, [b, t, h, j]);
    return o;
  });
  return refMatmul(merged, out);
}

/**
 * The grid mixer over [B, prefix + side², D] by explicit loops: each cell's 3x3 neighbourhood (zeros
 * past the border) times cells [9·D, D], neighbours row by row; each prefix position the mean of the
 * cells times summary [D, D].
 */
function refGridMixer(x: Ref, cells: Ref, summary: Ref, prefix: number): Ref {
  const [B, L, D] = x.shape;
  const side = Math.round(Math.sqrt(L - prefix));
  return build([B, L, D], ([b, l, o]) => {
    let s = 0;
    if (l < prefix) {
      for (let i = 0; i < D; i++) {
        let m = 0;
        for (let c = prefix; c < L; c++) m += at(x, [b, c, i]);
        s += (m / (L - prefix)) * at(summary, [i, o]);
      }
      return s;
    }
    const [r, c] = [Math.floor((l - prefix) / side), (l - prefix) % side];
    for (let dy = 0; dy < 3; dy++)
      for (let dx = 0; dx < 3; dx++) {
        const [rr, cc] = [r + dy - 1, c + dx - 1];
        if (rr < 0 || cc < 0 || rr >= side || cc >= side) continue;
        for (let i = 0; i < D; i++) s += at(x, [b, prefix + rr * side + cc, i]) * at(cells, [(dy * 3 + dx) * D + i, o]);
      }
    return s;
  });
}

const add2 = (a: Ref, b: Ref) => zip((p, q) => p + q, a, b);
const transpose12 = (x: Ref) => build([x.shape[0], x.shape[2], x.shape[1]], ([b, i, j]) => at(x, [b, j, i]));

// ---------------------------------------------------------------------------------------------

checkOp('linear', [
  {
    name: 'x [2, 3, 5] @ w [5, 4] + b',
    inputs: [{ shape: [2, 3, 5] }, { shape: [5, 4] }, { shape: [4] }],
    run: (x, w, b) => linear({ w, b }, x),
    reference: (x, w, b) => add2(refMatmul(x, w), b),
  },
  {
    name: 'no bias, odd sizes',
    inputs: [{ shape: [17, 3] }, { shape: [3, 1] }],
    run: (x, w) => linear({ w }, x),
    reference: refMatmul,
  },
]);

checkOp('embedding', [
  {
    name: 'rows of a [7, 4] table, scaled by sqrt 4',
    inputs: [{ shape: [7, 4] }, { shape: [2, 3], dtype: 'int32', range: [0, 7] }],
    run: (table, ids) => embed({ table }, ids, 2),
    reference: (table, ids) => {
      const r = refTake(table, ids, 0);
      return { ...r, data: r.data.map((v) => v * 2) };
    },
  },
]);

checkOp('gridMixer', [
  {
    name: 'one prefix position and a 3x3 grid, D 3',
    inputs: [{ shape: [2, 10, 3] }, { shape: [27, 3] }, { shape: [3, 3] }],
    run: (x, cells, summary) => gridMixer({ cells, summary }, x, 1),
    reference: (x, cells, summary) => refGridMixer(x, cells, summary, 1),
  },
  {
    name: 'no prefix, a 4x4 grid, D 2',
    inputs: [{ shape: [1, 16, 2] }, { shape: [18, 2] }, { shape: [2, 2] }],
    run: (x, cells, summary) => gridMixer({ cells, summary }, x, 0),
    reference: (x, cells, summary) => refGridMixer(x, cells, summary, 0),
  },
]);

checkOp('rmsNorm', [
  {
    name: 'no weight, [3, 81, 8]',
    inputs: [{ shape: [3, 81, 8] }],
    run: (x) => rmsNorm(x),
    reference: (x) => refRms(x),
  },
  {
    name: 'with weight and eps 1e-6',
    inputs: [{ shape: [4, 5] }, { shape: [5] }],
    run: (x, w) => rmsNorm(x, { eps: 1e-6, weight: w }),
    reference: (x, w) => refRms(x, 1e-6, w),
  },
]);

checkOp('swiglu', [
  {
    name: 'D 4, inter 6',
    inputs: [{ shape: [2, 3, 4] }, { shape: [4, 12] }, { shape: [6, 4] }],
    run: (x, gateUp, down) => swiglu({ gateUp, down }, x),
    reference: refSwiglu,
  },
]);

checkOp('rope', [
  {
    name: 'rotate-half on [2, 5, 3, 4]',
    inputs: [{ shape: [2, 5, 3, 4] }],
    run: (x) => applyRope(x, ropeTables(5, 4)),
    reference: (x) => refRope(x),
  },
  {
    name: 'tables longer than the sequence',
    inputs: [{ shape: [1, 3, 2, 6] }],
    run: (x) => applyRope(x, ropeTables(8, 6)),
    reference: (x) => refRope(x),
  },
]);

checkOp('attention', [
  {
    name: 'non-causal, 2 heads, [2, 5, 8]',
    inputs: [{ shape: [2, 5, 8] }, { shape: [8, 24], range: [-0.5, 0.5] }, { shape: [8, 8], range: [-0.5, 0.5] }],
    run: (x, qkv, out) => attention({ qkv, out }, x, { heads: 2 }),
    reference: (x, qkv, out) => refAttention(x, qkv, out, 2),
    rtol: 1e-5,
    atol: 1e-5,
  },
  {
    name: 'causal with RoPE, 2 heads, [1, 6, 8]',
    inputs: [{ shape: [1, 6, 8] }, { shape: [8, 24], range: [-0.5, 0.5] }, { shape: [8, 8], range: [-0.5, 0.5] }],
    run: (x, qkv, out) => attention({ qkv, out }, x, { heads: 2, causal: true, rope: ropeTables(6, 4) }),
    reference: (x, qkv, out) => refAttention(x, qkv, out, 2, { causal: true, rope: true }),
    rtol: 1e-5,
    atol: 1e-5,
  },
]);

const blockCfg = { hidden: 4, heads: 2, expansion: 1.5, multipleOf: 2 };
checkOp('transformer blocks', [
  {
    name: 'post-norm (HRM): rms(h + attn(h)), rms(h + mlp(h))',
    inputs: [
      { shape: [2, 3, 4] },
      { shape: [4, 12], range: [-0.5, 0.5] },
      { shape: [4, 4], range: [-0.5, 0.5] },
      { shape: [4, 8], range: [-0.5, 0.5] },
      { shape: [4, 4], range: [-0.5, 0.5] },
    ],
    run: (x, qkv, out, gateUp, down) => block({ attention: { qkv, out }, mlp: { gateUp, down } }, x, blockCfg),
    reference: (x, qkv, out, gateUp, down) => {
      const h = refRms(add2(x, refAttention(x, qkv, out, 2)));
      return refRms(add2(h, refSwiglu(h, gateUp, down)));
    },
    rtol: 1e-5,
    atol: 1e-5,
  },
  {
    name: 'pre-norm: h + attn(rms(h)), h + mlp(rms(h))',
    inputs: [
      { shape: [2, 3, 4] },
      { shape: [4, 12], range: [-0.5, 0.5] },
      { shape: [4, 4], range: [-0.5, 0.5] },
      { shape: [4, 8], range: [-0.5, 0.5] },
      { shape: [4, 4], range: [-0.5, 0.5] },
    ],
    run: (x, qkv, out, gateUp, down) =>
      block({ attention: { qkv, out }, mlp: { gateUp, down } }, x, { ...blockCfg, norm: 'pre' }),
    reference: (x, qkv, out, gateUp, down) => {
      const h = add2(x, refAttention(refRms(x), qkv, out, 2));
      return add2(h, refSwiglu(refRms(h), gateUp, down));
    },
    rtol: 1e-5,
    atol: 1e-5,
  },
  {
    name: "token-mixing MLP (TRM's mlp_t) over 3 positions",
    inputs: [
      { shape: [2, 3, 4] },
      { shape: [3, 6], range: [-0.5, 0.5] },
      { shape: [3, 3], range: [-0.5, 0.5] },
      { shape: [4, 8], range: [-0.5, 0.5] },
      { shape: [4, 4], range: [-0.5, 0.5] },
    ],
    run: (x, tgu, tdown, gateUp, down) =>
      block({ tokenMixer: { gateUp: tgu, down: tdown }, mlp: { gateUp, down } }, x, {
        ...blockCfg,
        mixer: { tokens: 3 },
      }),
    reference: (x, tgu, tdown, gateUp, down) => {
      const xt = transpose12(x);
      const h = transpose12(refRms(add2(xt, refSwiglu(xt, tgu, tdown))));
      return refRms(add2(h, refSwiglu(h, gateUp, down)));
    },
    rtol: 1e-5,
    atol: 1e-5,
  },
]);
