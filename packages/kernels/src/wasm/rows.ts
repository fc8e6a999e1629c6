/**
 * The fused kernels (see `FusedKernels`): softmax, RMSNorm and SwiGLU's gated SiLU with their VJPs,
 * each one pass (or, where a row's sum or maximum comes first, two or three passes over a row that
 * stays in cache) instead of the five to twelve ops and full passes over memory of their composites.
 *
 * Each runs on the strided driver with the row as its last dim (kept apart from the others), so that
 * the driver walks the rows and the thread pool splits them; the reducing ones take several rows at
 * once (`rowKernel`). Rows must be contiguous: the backend copies a view whose last axis is not.
 * SwiGLU's kernels read the up half of an input row (and write the up half of an output row) `n`
 * elements after the gate half, `n` the row length.
 */
import {
  add,
  and,
  type Expr,
  type FunctionBuilder,
  f32_load,
  f32x4_abs,
  f32x4_add,
  f32x4_const,
  f32x4_convert_i32x4_s,
  f32x4_div,
  f32x4_eq,
  f32x4_extract_lane,
  f32x4_max,
  f32x4_mul,
  f32x4_splat,
  f32x4_sqrt,
  f32x4_sub,
  get,
  i32,
  i32x4_splat,
  type Local,
  le_s,
  lt_s,
  type ModuleBuilder,
  mul,
  shuffle32,
  v128_bitselect,
  v128_load,
  v128_load32_splat,
  v128_store,
  v128_store32_lane,
} from './emit.js';
import { bump, paramWords, STRIDED, stridedDriver, transpose4, UNROLL } from './strided.js';
import { atan2, exp, type MathOptions, madd, sigmoid, silu } from './vmath.js';

/** The exported names of the fused kernels, by the `FusedKernels` method each implements. */
export const FUSED_KERNELS = {
  softmax: 'fused_softmax',
  softmaxVjp: 'fused_softmax_vjp',
  rmsNorm: 'fused_rms_norm',
  addRmsNorm: 'fused_add_rms_norm',
  rmsNormVjp: 'fused_rms_norm_vjp',
  gatedSilu: 'fused_gated_silu',
  gatedSiluVjp: 'fused_gated_silu_vjp',
  adamStep: 'fused_adam_step',
  adamAtan2Step: 'fused_adam_atan2_step',
} as const;

/**
 * Word offsets of the Adam step's parameter block: the output's and the four inputs' byte addresses, the
 * element count, then the float32 constants of `AdamStepConstants`.
 */
export const ADAM = {
  out: 0,
  p: 1,
  g: 2,
  m: 3,
  v: 4,
  n: 5,
  rate1: 6,
  rate2: 7,
  l2: 8,
  decay: 9,
  step: 10,
  vScale: 11,
  eps: 12,
} as const;

/**
 * `addRmsNorm(x, y)` with x a transpose of the last two axes (`fused_add_rms_norm_t`): the token mixer's
 * post-norm residual, whose input is the block's [seq, hidden] state seen as [hidden, seq] (and the next
 * residual's, the other way round). The kernel reads x in 4x4 blocks transposed in registers, where a copy
 * of x would first go through memory. Word offsets of its parameter block: the output's, x's and y's byte
 * addresses (the output and y contiguous [batch, m, n]), the batch, m rows of n, x's byte strides between
 * batches (`sb`) and along a row (`sj`; its rows are 4 bytes apart); eps follows (`ADD_RMS_NORM_T_EPS`).
 */
export const ADD_RMS_NORM_T = { out: 0, x: 1, y: 2, batch: 3, m: 4, n: 5, sb: 6, sj: 7 } as const;
/** The word of `fused_add_rms_norm_t`'s parameter block that holds eps (a float32). */
export const ADD_RMS_NORM_T_EPS = 8;
export const ADD_RMS_NORM_T_KERNEL = 'fused_add_rms_norm_t';
/** The same with the output transposed: [batch, n, m]. */
export const ADD_RMS_NORM_TT_KERNEL = 'fused_add_rms_norm_tt';

/** How one step of a row loop reads and writes: four elements, or (the row's tail) one. */
interface Step {
  /** The elements at `addr`: four, or one in every lane. */
  load(addr: Expr): Expr;
  /** Stores the step's elements of `v` at `addr`: four, or lane 0. */
  store(addr: Expr, v: Expr): Expr;
  /** `v` with the lanes that hold no element of this step zeroed (none on whole vectors, lanes 1-3 on the tail): for sums. */
  own(v: Expr): Expr;
}

/** Four elements at `bytes` past the cursor. */
const wholeAt = (bytes: number): Step => ({
  load: (a) => v128_load(a, bytes),
  store: (a, v) => v128_store(a, v, bytes),
  own: (v) => v,
});
const WHOLE = wholeAt(0);
const TAIL: Step = {
  load: (a) => v128_load32_splat(a),
  store: (a, v) => v128_store32_lane(a, v, 0),
  own: (v) => shuffle32(v, f32x4_const(0), [0, 4, 4, 4]),
};

/**
 * One pass over a row of `n` float32s: `body` runs with cursors into each of `ptrs` (copies, so the
 * row's start stays in `ptrs` for the next pass), four elements a step, then one a step for the tail.
 * With `interleave`, whole vectors go `UNROLL` at a time, their bodies interleaved (`lockstep`): for
 * bodies with long dependent chains and no state carried from one step to the next (each allocates
 * its own temporaries).
 */
function rowPass(
  f: FunctionBuilder,
  ptrs: readonly Local[],
  n: Local,
  body: (s: Step, at: Local[]) => void,
  interleave = false,
): void {
  const i = f.local('i32');
  const at = ptrs.map(() => f.local('i32'));
  for (let k = 0; k < ptrs.length; k++) f.set(at[k], get(ptrs[k]));
  f.set(i, i32(0));
  const passes: [number, () => void][] = [
    [4, () => body(WHOLE, at)],
    [1, () => body(TAIL, at)],
  ];
  if (interleave) passes.unshift([4 * UNROLL, () => f.lockstep(UNROLL, (copy) => body(wholeAt(16 * copy), at))]);
  for (const [width, run] of passes)
    f.while((width > 1 ? le_s : lt_s)(add(get(i), i32(width > 1 ? width : 0)), get(n)), () => {
      run();
      for (const p of at) bump(f, p, 4 * width);
      f.set(i, add(get(i), i32(width)));
    });
}

/**
 * One pass over the same span of several rows of one length: `body(s, q, at)` for row `q`, with cursors
 * `at` into its operands `which` (indices into each row's pointers). The rows' steps follow one another
 * within a step, so that their dependent chains (a running sum, exp's polynomial) overlap.
 */
function rowsPass(
  f: FunctionBuilder,
  rows: readonly Local[][],
  which: readonly number[],
  n: Local,
  body: (s: Step, q: number, at: Local[]) => void,
): void {
  const w = which.length;
  rowPass(
    f,
    rows.flatMap((row) => which.map((k) => row[k])),
    n,
    (s, at) => {
      for (let q = 0; q < rows.length; q++) body(s, q, at.slice(q * w, (q + 1) * w));
    },
  );
}

/** A v128 local per row. */
const perRow = (f: FunctionBuilder, rows: readonly Local[][]): Local[] => rows.map(() => f.local('v128'));

/** Folds the four lanes of `v` with `op`, leaving the result in every lane. */
function fold(f: FunctionBuilder, v: Local, op: (a: Expr, b: Expr) => Expr): void {
  f.set(v, op(get(v), shuffle32(get(v), get(v), [2, 3, 0, 1])));
  f.set(v, op(get(v), shuffle32(get(v), get(v), [1, 0, 3, 2])));
}

/** 1 / sqrt(sum / n + eps) in every lane, `eps` the kernel's scalar parameter (or `eps`, in every lane). */
function inverseRms(squares: Local, n: Local, params: Local, eps?: Expr): Expr {
  const mean = f32x4_div(get(squares), f32x4_convert_i32x4_s(i32x4_splat(get(n))));
  const e = eps ?? f32x4_splat(f32_load(get(params), 4 * STRIDED.scalar));
  return f32x4_div(f32x4_const(1), f32x4_sqrt(f32x4_add(mean, e)));
}

/**
 * Rows a reducing row kernel (softmax, RMSNorm and their VJPs) takes at once. A row's sum is one
 * dependent chain of adds, followed by a division or a square root: alone, a short row waits on its
 * latencies (addRmsNorm on [2368, 64]: 90 µs a row at a time, 61 two at a time, 59 three at a time).
 */
const ROWS_AT_ONCE = 3;

/**
 * A fused kernel whose body handles `rows.length` rows of one length at once (each row's pointers in
 * `rows[q]`, in operand order), every row's arithmetic exactly as if it were alone: `together` rows at
 * a time along each run of the driver (the rows of the dim before the last), the run's last few alone.
 */
function rowKernel(
  m: ModuleBuilder,
  name: string,
  operands: number,
  body: (f: FunctionBuilder, rows: Local[][], n: Local, params: Local) => void,
  together = ROWS_AT_ONCE,
): void {
  stridedDriver(m, name, operands, (f, ptrs, n, _strides, params) => body(f, [ptrs], n, params), {
    rows: together,
    body,
  });
}

/** Adds the fused kernels to `m`; their names are `FUSED_KERNELS`' values. */
export function fusedKernels(m: ModuleBuilder, o: MathOptions): void {
  const fma = madd(o);
  const ex = exp(o);
  const siluOf = silu(o);
  const sigmoidOf = sigmoid(o);

  rowKernel(m, FUSED_KERNELS.softmax, 2, (f, rows, n) => {
    const [top, total, t, e] = [perRow(f, rows), perRow(f, rows), perRow(f, rows), perRow(f, rows)];
    for (const v of top) f.set(v, f32x4_const(Number.NEGATIVE_INFINITY));
    rowsPass(f, rows, [1], n, (s, q, [px]) => f.set(top[q], f32x4_max(get(top[q]), s.load(get(px)))));
    for (let q = 0; q < rows.length; q++) {
      fold(f, top[q], f32x4_max);
      // An infinite maximum counts as 0, as in the composite: a row of -Infinity stays finite.
      const inf = f32x4_eq(f32x4_abs(get(top[q])), f32x4_const(Number.POSITIVE_INFINITY));
      f.set(top[q], v128_bitselect(f32x4_const(0), get(top[q]), inf));
      f.set(total[q], f32x4_const(0));
    }
    rowsPass(f, rows, [0, 1], n, (s, q, [po, px]) => {
      f.set(t[q], f32x4_sub(s.load(get(px)), get(top[q])));
      f.set(e[q], ex(t[q]));
      f.do(s.store(get(po), get(e[q])));
      f.set(total[q], f32x4_add(get(total[q]), s.own(get(e[q]))));
    });
    for (let q = 0; q < rows.length; q++) {
      fold(f, total[q], f32x4_add);
      f.set(total[q], f32x4_div(f32x4_const(1), get(total[q])));
    }
    rowsPass(f, rows, [0], n, (s, q, [po]) => f.do(s.store(get(po), f32x4_mul(s.load(get(po)), get(total[q])))));
  });

  rowKernel(m, FUSED_KERNELS.softmaxVjp, 3, (f, rows, n) => {
    const dot = perRow(f, rows);
    for (const v of dot) f.set(v, f32x4_const(0));
    rowsPass(f, rows, [1, 2], n, (s, q, [py, pg]) =>
      f.set(dot[q], fma(s.own(s.load(get(py))), s.load(get(pg)), get(dot[q]))),
    );
    for (const v of dot) fold(f, v, f32x4_add);
    rowsPass(f, rows, [0, 1, 2], n, (s, q, [po, py, pg]) =>
      f.do(s.store(get(po), f32x4_mul(s.load(get(py)), f32x4_sub(s.load(get(pg)), get(dot[q]))))),
    );
  });

  rowKernel(m, FUSED_KERNELS.rmsNorm, 2, (f, rows, n, params) => {
    const [squares, t, r] = [perRow(f, rows), perRow(f, rows), perRow(f, rows)];
    for (const v of squares) f.set(v, f32x4_const(0));
    rowsPass(f, rows, [1], n, (s, q, [px]) => {
      f.set(t[q], s.own(s.load(get(px))));
      f.set(squares[q], fma(get(t[q]), get(t[q]), get(squares[q])));
    });
    for (let q = 0; q < rows.length; q++) {
      fold(f, squares[q], f32x4_add);
      f.set(r[q], inverseRms(squares[q], n, params));
    }
    rowsPass(f, rows, [0, 1], n, (s, q, [po, px]) => f.do(s.store(get(po), f32x4_mul(s.load(get(px)), get(r[q])))));
  });

  // The sum goes to the output row as the first pass reads the inputs, and is scaled there in the second:
  // the same roundings as the sum written out and then normalised.
  rowKernel(m, FUSED_KERNELS.addRmsNorm, 3, (f, rows, n, params) => {
    const [squares, t, r] = [perRow(f, rows), perRow(f, rows), perRow(f, rows)];
    for (const v of squares) f.set(v, f32x4_const(0));
    rowsPass(f, rows, [0, 1, 2], n, (s, q, [po, px, py]) => {
      f.set(t[q], s.own(f32x4_add(s.load(get(px)), s.load(get(py)))));
      f.do(s.store(get(po), get(t[q])));
      f.set(squares[q], fma(get(t[q]), get(t[q]), get(squares[q])));
    });
    for (let q = 0; q < rows.length; q++) {
      fold(f, squares[q], f32x4_add);
      f.set(r[q], inverseRms(squares[q], n, params));
    }
    rowsPass(f, rows, [0], n, (s, q, [po]) => f.do(s.store(get(po), f32x4_mul(s.load(get(po)), get(r[q])))));
  });

  addRmsNormTransposed(m, fma, false);
  addRmsNormTransposed(m, fma, true);

  rowKernel(m, FUSED_KERNELS.rmsNormVjp, 3, (f, rows, n, params) => {
    const [squares, dot, t, r, k] = [
      perRow(f, rows),
      perRow(f, rows),
      perRow(f, rows),
      perRow(f, rows),
      perRow(f, rows),
    ];
    for (const v of [...squares, ...dot]) f.set(v, f32x4_const(0));
    rowsPass(f, rows, [1, 2], n, (s, q, [px, pg]) => {
      f.set(t[q], s.own(s.load(get(px))));
      f.set(squares[q], fma(get(t[q]), get(t[q]), get(squares[q])));
      f.set(dot[q], fma(get(t[q]), s.load(get(pg)), get(dot[q])));
    });
    for (let q = 0; q < rows.length; q++) {
      fold(f, squares[q], f32x4_add);
      fold(f, dot[q], f32x4_add);
      f.set(r[q], inverseRms(squares[q], n, params));
      // k = r³ · dot / n
      f.set(k[q], f32x4_mul(f32x4_mul(get(r[q]), f32x4_mul(get(r[q]), get(r[q]))), get(dot[q])));
      f.set(k[q], f32x4_div(get(k[q]), f32x4_convert_i32x4_s(i32x4_splat(get(n)))));
    }
    rowsPass(f, rows, [0, 1, 2], n, (s, q, [po, px, pg]) =>
      f.do(s.store(get(po), f32x4_sub(f32x4_mul(get(r[q]), s.load(get(pg))), f32x4_mul(get(k[q]), s.load(get(px)))))),
    );
  });

  /** The byte distance from a row's gate half to its up half: `n` float32s. */
  const halfOf = (f: FunctionBuilder, n: Local): Local => {
    const half = f.local('i32');
    f.set(half, mul(get(n), i32(4)));
    return half;
  };

  stridedDriver(m, FUSED_KERNELS.gatedSilu, 2, (f, [out, x], n) => {
    const half = halfOf(f, n);
    rowPass(
      f,
      [out, x],
      n,
      (s, [po, px]) => {
        const [a, y] = f.locals('v128', 2);
        f.set(a, s.load(get(px)));
        f.set(y, siluOf(a));
        f.do(s.store(get(po), f32x4_mul(get(y), s.load(add(get(px), get(half))))));
      },
      true,
    );
  });

  for (const withAtan2 of [false, true])
    m.func(withAtan2 ? FUSED_KERNELS.adamAtan2Step : FUSED_KERNELS.adamStep, ['i32'], [], (f, pp) => {
      const constant = (w: number): Local => {
        const l = f.local('v128');
        f.set(l, f32x4_splat(f32_load(get(pp), 4 * w)));
        return l;
      };
      const { out, p, g, m: mo, v, n } = paramWords(f, pp, ADAM, ['out', 'p', 'g', 'm', 'v', 'n']);
      const [rate1, rate2, l2, decay, step, vScale, eps] = [
        ADAM.rate1,
        ADAM.rate2,
        ADAM.l2,
        ADAM.decay,
        ADAM.step,
        ADAM.vScale,
        ADAM.eps,
      ].map(constant);
      // The new moments go n and 2n elements after the new parameter.
      const stride = halfOf(f, n);
      const [grad, m1, v1, scaled] = f.locals('v128', 4);
      rowPass(f, [out, p, g, mo, v], n, (s, [po, pp0, pg, pm, pv]) => {
        f.set(grad, fma(get(l2), s.load(get(pp0)), s.load(get(pg))));
        f.set(m1, s.load(get(pm)));
        f.set(m1, fma(get(rate1), f32x4_sub(get(grad), get(m1)), get(m1)));
        f.set(v1, s.load(get(pv)));
        f.set(v1, fma(get(rate2), f32x4_sub(f32x4_mul(get(grad), get(grad)), get(v1)), get(v1)));
        f.set(scaled, f32x4_mul(f32x4_sqrt(get(v1)), get(vScale)));
        const direction = withAtan2
          ? atan2(get(m1), get(scaled))
          : f32x4_div(get(m1), f32x4_add(get(scaled), get(eps)));
        f.do(s.store(get(po), f32x4_sub(f32x4_mul(get(decay), s.load(get(pp0))), f32x4_mul(get(step), direction))));
        f.do(s.store(add(get(po), get(stride)), get(m1)));
        f.do(s.store(add(add(get(po), get(stride)), get(stride)), get(v1)));
      });
    });

  stridedDriver(m, FUSED_KERNELS.gatedSiluVjp, 3, (f, [out, x, g], n) => {
    const half = halfOf(f, n);
    rowPass(
      f,
      [out, x, g],
      n,
      (s, [po, px, pg]) => {
        const [a, b, gg, sig] = f.locals('v128', 4);
        f.set(a, s.load(get(px)));
        f.set(b, s.load(add(get(px), get(half))));
        f.set(gg, s.load(get(pg)));
        f.set(sig, sigmoidOf(a));
        // d gate = g · up · s · (1 + gate · (1 - s)); d up = g · gate · s
        const slope = fma(get(a), f32x4_sub(f32x4_const(1), get(sig)), f32x4_const(1));
        f.do(s.store(get(po), f32x4_mul(f32x4_mul(get(gg), get(b)), f32x4_mul(get(sig), slope))));
        f.do(s.store(add(get(po), get(half)), f32x4_mul(get(gg), f32x4_mul(get(a), get(sig)))));
      },
      true,
    );
  });
}

/**
 * `fused_add_rms_norm_t` and, with `outTransposed`, `fused_add_rms_norm_tt` (see `ADD_RMS_NORM_T`): four rows
 * at a time, x read as four columns of four rows and transposed in registers; a last row or three read x an
 * element at a time. With `outTransposed` the output is [batch, n, m] (the rows written as its columns, four
 * rows' elements a vector). Each row's arithmetic is the fused addRmsNorm's, in the same order: the same bits
 * as copying x first (and transposing the result after).
 */
function addRmsNormTransposed(
  m: ModuleBuilder,
  fma: (a: Expr, b: Expr, c: Expr) => Expr,
  outTransposed: boolean,
): void {
  m.func(outTransposed ? ADD_RMS_NORM_TT_KERNEL : ADD_RMS_NORM_T_KERNEL, ['i32'], [], (f, pp) => {
    const {
      out,
      x,
      y,
      batch,
      m: M,
      n: N,
      sb,
      sj,
    } = paramWords(f, pp, ADD_RMS_NORM_T, ['out', 'x', 'y', 'batch', 'm', 'n', 'sb', 'sj']);
    const [b, i, j, xb, ob, yb, ld, whole, xc, sj4, so, oc] = f.locals('i32', 12);
    const eps = f.local('v128');
    f.set(eps, f32x4_splat(f32_load(get(pp), 4 * ADD_RMS_NORM_T_EPS)));
    f.set(ld, mul(get(N), i32(4)));
    f.set(whole, and(get(N), i32(-4)));
    f.set(sj4, mul(get(sj), i32(4)));
    // A transposed output: element (i, j) at i * 4 + j * so.
    f.set(so, mul(get(M), i32(4)));
    const cols = f.locals('v128', 4);
    // Cursors: the output's and y's rows i..i+3 at element j (they step 16 bytes, or 4 on the tail), x's
    // column j of those rows (it steps 4 sj, or sj), and a transposed output's column j of them (`oc`).
    const po = f.locals('i32', 4);
    const py = f.locals('i32', 4);
    const squares = f.locals('v128', 4);
    const t = f.locals('v128', 4);
    const r = f.locals('v128', 4);
    /** (v0[0], v1[0], v2[0], v3[0]): four rows' element as a column. */
    const column = (v: readonly Local[]): Expr =>
      shuffle32(
        shuffle32(get(v[0]), get(v[1]), [0, 4, 0, 0]),
        shuffle32(get(v[2]), get(v[3]), [0, 4, 0, 0]),
        [0, 1, 4, 5],
      );
    /**
     * One walk along rows i..i + rows - 1 (four rows, or the one left): at each step (four elements, or one
     * on the tail) `t[q]` is row q's x + y, then `each(s, q)` runs for each row and `after(s)` once.
     */
    const walk = (rows: 1 | 4, each: (s: Step, q: number) => void, after: (s: Step) => void = () => {}) => {
      f.set(xc, add(get(xb), mul(get(i), i32(4))));
      f.set(oc, add(get(ob), mul(get(i), i32(4))));
      for (let q = 0; q < rows; q++) {
        if (!outTransposed) f.set(po[q], add(get(ob), mul(add(get(i), i32(q)), get(ld))));
        f.set(py[q], add(get(yb), mul(add(get(i), i32(q)), get(ld))));
      }
      const sum = (s: Step, q: number, xv: Expr) => {
        f.set(t[q], s.own(f32x4_add(xv, s.load(get(py[q])))));
        each(s, q);
      };
      const step = (elements: number) => {
        for (let q = 0; q < rows; q++) {
          if (!outTransposed) bump(f, po[q], 4 * elements);
          bump(f, py[q], 4 * elements);
        }
        bump(f, xc, get(elements === 4 ? sj4 : sj));
        if (outTransposed) bump(f, oc, elements === 4 ? mul(get(so), i32(4)) : get(so));
      };
      f.for(j, i32(0), get(whole), 4, () => {
        const load = rows === 4 ? v128_load : v128_load32_splat;
        for (let k = 0; k < 4; k++) f.set(cols[k], load(add(get(xc), mul(get(sj), i32(k)))));
        if (rows === 4) transpose4(f, cols, (q, v) => sum(WHOLE, q, v));
        else sum(WHOLE, 0, column(cols));
        after(WHOLE);
        step(4);
      });
      f.for(j, get(whole), get(N), 1, () => {
        if (rows === 4) {
          f.set(cols[0], v128_load(get(xc)));
          for (let q = 0; q < 4; q++) sum(TAIL, q, f32x4_splat(f32x4_extract_lane(get(cols[0]), q)));
        } else sum(TAIL, 0, v128_load32_splat(get(xc)));
        after(TAIL);
        step(1);
      });
    };
    /** Rows i..i + rows - 1: their sums and squares, then each scaled by its inverse RMS. */
    const normalise = (rows: 1 | 4) => {
      for (let q = 0; q < rows; q++) f.set(squares[q], f32x4_const(0));
      walk(rows, (s, q) => {
        if (!outTransposed) f.do(s.store(get(po[q]), get(t[q])));
        f.set(squares[q], fma(get(t[q]), get(t[q]), get(squares[q])));
      });
      for (let q = 0; q < rows; q++) {
        fold(f, squares[q], f32x4_add);
        f.set(r[q], inverseRms(squares[q], N, pp, get(eps)));
      }
      if (outTransposed) {
        // The sums again (the same bits), scaled, and written as columns: four rows' elements a vector.
        walk(
          rows,
          (_, q) => f.set(t[q], f32x4_mul(get(t[q]), get(r[q]))),
          (s) => {
            if (rows === 4 && s === WHOLE)
              transpose4(f, t, (k, v) => f.do(v128_store(add(get(oc), mul(get(so), i32(k))), v)));
            else if (rows === 4) f.do(v128_store(get(oc), column(t)));
            else if (s === WHOLE)
              for (let k = 0; k < 4; k++) f.do(v128_store32_lane(add(get(oc), mul(get(so), i32(k))), get(t[0]), k));
            else f.do(TAIL.store(get(oc), get(t[0])));
          },
        );
        return;
      }
      for (let q = 0; q < rows; q++) f.set(po[q], add(get(ob), mul(add(get(i), i32(q)), get(ld))));
      const rowStarts = po.slice(0, rows).map((p) => [p]);
      rowsPass(f, rowStarts, [0], N, (s, q, [pc]) => f.do(s.store(get(pc), f32x4_mul(s.load(get(pc)), get(r[q])))));
    };
    f.for(b, i32(0), get(batch), 1, () => {
      f.set(xb, add(get(x), mul(get(b), get(sb))));
      f.set(ob, add(get(out), mul(get(b), mul(get(M), get(ld)))));
      f.set(yb, add(get(y), mul(get(b), mul(get(M), get(ld)))));
      f.for(i, i32(0), and(get(M), i32(-4)), 4, () => normalise(4));
      // The last m mod 4 rows, one at a time: x gathered an element at a time (and a transposed output
      // written so).
      f.for(i, and(get(M), i32(-4)), get(M), 1, () => normalise(1));
    });
  });
}
