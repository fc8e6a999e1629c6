/**
 * An independent float64 implementation of one HRM segment, written from the official maths
 * (`hrm_act_v1.py`, `layers.py`) with plain arrays and loops: no tensor library, no shared code with the
 * packages. Tests run the library's float64 model and this on the same weights and compare.
 *
 * Per example: x = sqrt(D)·[puzzle prefix; token embeddings] (with learned positions,
 * (x + pos)·0.707106781 first); zH, zL start from their initial vectors; N times: T times
 * zL = L(zL + zH + x), then zH = H(zH + zL); each module is post-norm blocks h = rms(h + attn(h)),
 * h = rms(h + swiglu(h)); attention has fused QKV, RoPE (rotate-half) on q and k, softmax scale
 * 1/sqrt(headDim); logits = zH[prefix:]·W_lm, q = zH[0]·W_q + b_q.
 */

/** A matrix as rows. */
export type Matrix = number[][];

/** What the reference needs of a block: its four weight matrices. */
export interface RefBlock {
  readonly qkv: Matrix;
  readonly out: Matrix;
  readonly gateUp: Matrix;
  readonly down: Matrix;
}

/** The weights of a segment, as plain matrices and vectors. */
export interface RefWeights {
  readonly embed: Matrix;
  readonly positions?: Matrix;
  readonly H: readonly RefBlock[];
  readonly L: readonly RefBlock[];
  readonly lmHead: Matrix;
  readonly qHead: { readonly w: Matrix; readonly b: readonly number[] };
  readonly hInit: readonly number[];
  readonly lInit: readonly number[];
}

/** The shape settings the maths depends on. */
export interface RefConfig {
  readonly hidden: number;
  readonly heads: number;
  readonly hCycles: number;
  readonly lCycles: number;
  readonly prefix: number;
  readonly ropeTheta: number | undefined;
  readonly eps: number;
}

function matmul(a: Matrix, b: Matrix): Matrix {
  return a.map((row) =>
    (b[0] ?? []).map((_, j) => {
      let s = 0;
      for (let k = 0; k < row.length; k++) s += (row[k] ?? 0) * (b[k]?.[j] ?? 0);
      return s;
    }),
  );
}

const plus = (a: Matrix, b: Matrix): Matrix => a.map((row, i) => row.map((v, j) => v + (b[i]?.[j] ?? 0)));
const cols = (m: Matrix, from: number, to: number): Matrix => m.map((row) => row.slice(from, to));

function rmsNorm(m: Matrix, eps: number): Matrix {
  return m.map((row) => {
    const ms = row.reduce((s, v) => s + v * v, 0) / row.length;
    const inv = 1 / Math.sqrt(ms + eps);
    return row.map((v) => v * inv);
  });
}

function rope(m: Matrix, theta: number): Matrix {
  return m.map((row, p) => {
    const e = row.length;
    const half = e / 2;
    return row.map((v, i) => {
      const f = i % half;
      const angle = p / theta ** ((2 * f) / e);
      const other = i < half ? -(row[i + half] ?? 0) : (row[i - half] ?? 0);
      return v * Math.cos(angle) + other * Math.sin(angle);
    });
  });
}

function attention(h: Matrix, block: RefBlock, cfg: RefConfig): Matrix {
  const qkv = matmul(h, block.qkv);
  const e = (block.qkv[0]?.length ?? 0) / (3 * cfg.heads);
  const heads: Matrix[] = [];
  for (let j = 0; j < cfg.heads; j++) {
    const pick = (part: number) => cols(qkv, (part * cfg.heads + j) * e, (part * cfg.heads + j + 1) * e);
    const positional = (m: Matrix) => (cfg.ropeTheta === undefined ? m : rope(m, cfg.ropeTheta));
    const [q, k, v] = [positional(pick(0)), positional(pick(1)), pick(2)];
    const scores = q.map((qi) => k.map((kj) => qi.reduce((s, x, d) => s + x * (kj[d] ?? 0), 0) / Math.sqrt(e)));
    const probs = scores.map((row) => {
      const m = Math.max(...row);
      const ex = row.map((s) => Math.exp(s - m));
      const z = ex.reduce((a, b) => a + b, 0);
      return ex.map((x) => x / z);
    });
    heads.push(matmul(probs, v));
  }
  const merged = h.map((_, p) => heads.flatMap((head) => head[p] ?? []));
  return matmul(merged, block.out);
}

function swiglu(h: Matrix, block: RefBlock): Matrix {
  const gu = matmul(h, block.gateUp);
  const inter = block.down.length;
  const silu = (x: number) => x / (1 + Math.exp(-x));
  const hidden = gu.map((row) => row.slice(0, inter).map((g, i) => silu(g) * (row[inter + i] ?? 0)));
  return matmul(hidden, block.down);
}

function reasoningModule(blocks: readonly RefBlock[], state: Matrix, injection: Matrix, cfg: RefConfig): Matrix {
  let h = plus(state, injection);
  for (const b of blocks) {
    h = rmsNorm(plus(h, attention(h, b, cfg)), cfg.eps);
    h = rmsNorm(plus(h, swiglu(h, b)), cfg.eps);
  }
  return h;
}

/**
 * One segment for one example from the fixed initial states: its logits (one row per token) and its Q
 * values [halt, continue]. `puzzleRow` is the example's row of the puzzle table (padded here).
 */
export function referenceSegment(
  w: RefWeights,
  tokens: readonly number[],
  puzzleRow: readonly number[],
  cfg: RefConfig,
): { logits: Matrix; q: number[] } {
  const d = cfg.hidden;
  const padded = Array.from({ length: cfg.prefix * d }, (_, i) => puzzleRow[i] ?? 0);
  const prefixRows = Array.from({ length: cfg.prefix }, (_, p) => padded.slice(p * d, (p + 1) * d));
  let x: Matrix = [...prefixRows, ...tokens.map((t) => [...(w.embed[t] ?? [])])];
  if (w.positions) {
    const pos = w.positions;
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: the reference's literal, not Math.SQRT1_2
    x = x.map((row, p) => row.map((v, i) => (v + (pos[p]?.[i] ?? 0)) * 0.707106781));
  }
  x = x.map((row) => row.map((v) => v * Math.sqrt(d)));
  let zH: Matrix = x.map(() => [...w.hInit]);
  let zL: Matrix = x.map(() => [...w.lInit]);
  for (let n = 0; n < cfg.hCycles; n++) {
    for (let t = 0; t < cfg.lCycles; t++) zL = reasoningModule(w.L, zL, plus(zH, x), cfg);
    zH = reasoningModule(w.H, zH, zL, cfg);
  }
  const logits = matmul(zH.slice(cfg.prefix), w.lmHead);
  const q = (matmul([zH[0] ?? []], w.qHead.w)[0] ?? []).map((v, i) => v + (w.qHead.b[i] ?? 0));
  return { logits, q };
}
