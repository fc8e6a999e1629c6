/**
 * Kernel sources, in the JavaScript subset gpu.js compiles to GLSL (and WGSL).
 *
 * Every value on the device is a float32; int32 and bool are floats holding integers (exact up to
 * 2^24 in magnitude). Inputs are always textures indexed by a flat element offset. Each kernel
 * takes its shape, strides and offsets as float uniforms (see `layout.ts`), so one compiled shader
 * serves every shape of its rank bucket; `inf` and `nan` are uniforms too, because a GLSL compiler
 * may fold `1.0 / 0.0` to anything (headless-gl gives 0).
 *
 * Rules the sources follow, because gpu.js or GLSL ES 1.0 need them: no boolean variables (only
 * conditions), every variable keeps one type, results are returned once at the end, no `+=`.
 */
import type { BinaryOp, UnaryOp } from '@hrm/kernels';
import { indexSource, layoutParams } from './layout.js';

/**
 * sin and cos of `v` without the GPU's own (SwiftShader's are off by ~1e-4): `v = k·π/2 + w` with
 * π/2 split in three parts so that `k·part` is exact (Cody and Waite), then Cephes' float32
 * polynomials on |w| <= π/4. Sets `s = sin(w)`, `c = cos(w)` and the quadrant `q = k mod 4`.
 * Accurate to a few float32 roundings for |v| up to about 1e5.
 */
const SINCOS = `const k = Math.floor(v * 0.6366197723675814 + 0.5);
    const w = ((v - k * 1.5703125) - k * 0.0004837512969970703) - k * 7.549789954891874e-8;
    const z = w * w;
    const s = w + w * z * (-0.16666654611 + z * (0.0083321608736 + z * -0.00019515295891));
    const c = 1 - 0.5 * z + z * z * (0.041666645683 + z * (-0.0013887316255 + z * 0.000024433157118));
    const q = k - 4 * Math.floor(k / 4);`;

/** Statements computing `r` from `v` (the input value); for ints too where the op allows it. */
const UNARY: Record<UnaryOp, string> = {
  neg: 'let r = -v;',
  abs: 'let r = Math.abs(v);',
  sign: 'let r = v; if (v > 0) { r = 1; } if (v < 0) { r = -1; }',
  exp: 'let r = Math.exp(v);',
  // exp(v) - 1 cancels near 0: a Taylor series there.
  expm1: `let r = Math.exp(v) - 1;
    if (Math.abs(v) < 0.1) { r = v * (1 + v * (0.5 + v * (0.16666666666666666 + v * (0.041666666666666664 + v * (0.008333333333333333 + v * 0.001388888888888889))))); }`,
  log: 'let r = Math.log(v); if (v == 0) { r = -inf; } if (v < 0) { r = nan; }',
  // log(u) * v / (u - 1) with u = 1 + v cancels the rounding of u (Goldberg's trick).
  log1p: `const u = 1 + v; let r = v;
    if (u != 1) { r = Math.log(u) * (v / (u - 1)); }
    if (v == -1) { r = -inf; } if (v < -1) { r = nan; } if (v > 1e30) { r = Math.log(v); }`,
  sqrt: 'let r = Math.sqrt(v); if (v < 0) { r = nan; }',
  rsqrt: 'let r = 1 / Math.sqrt(v); if (v == 0) { r = inf; } if (v < 0) { r = nan; }',
  reciprocal: 'let r = 1 / v; if (v == 0) { r = inf; }',
  square: 'let r = v * v;',
  sin: `${SINCOS} let r = s; if (q == 1) { r = c; } if (q == 2) { r = -s; } if (q == 3) { r = -c; }`,
  cos: `${SINCOS} let r = c; if (q == 1) { r = -s; } if (q == 2) { r = -c; } if (q == 3) { r = s; }`,
  // From exp(-2|v|), which cannot overflow; a series near 0, where 1 - t cancels.
  tanh: `const a = Math.abs(v); const t = Math.exp(-2 * a); let r = (1 - t) / (1 + t);
    if (a < 0.01) { r = a * (1 - a * a * (0.3333333333333333 - a * a * 0.13333333333333333)); }
    if (v < 0) { r = -r; } if (v != v) { r = v; }`,
  sigmoid: `let r = 0;
    if (v >= 0) { r = 1 / (1 + Math.exp(-v)); } else { const e = Math.exp(v); r = e / (1 + e); }
    if (v != v) { r = v; }`,
  relu: 'let r = 0; if (v > 0) { r = v; } if (v != v) { r = v; }',
  silu: `let r = 0;
    if (v >= 0) { r = v / (1 + Math.exp(-v)); } else { const e = Math.exp(v); r = (v * e) / (1 + e); }
    if (v != v) { r = v; }`,
  floor: 'let r = Math.floor(v);',
  ceil: 'let r = Math.ceil(v);',
  // Halves to even. Infinities give d = NaN, which fails every test and keeps r = v's floor.
  round: `const f = Math.floor(v); const d = v - f; let r = f;
    if (d > 0.5) { r = f + 1; }
    if (d == 0.5) { if (f - 2 * Math.floor(f / 2) != 0) { r = f + 1; } }`,
  not: 'let r = 0; if (v == 0) { r = 1; }',
};

/**
 * Floor division of integers held in floats, with the quotient corrected by its remainder (GPU
 * division is not exactly rounded), Python's sign rules, and 0 for a zero divisor. Sets `q` and `m`.
 */
const INT_DIVMOD = `let q = Math.floor(a / b); let m = a - q * b;
    if (b > 0) { if (m < 0) { q = q - 1; m = m + b; } if (m >= b) { q = q + 1; m = m - b; } }
    if (b < 0) { if (m > 0) { q = q - 1; m = m + b; } if (m <= b) { q = q + 1; m = m - b; } }
    if (b == 0) { q = 0; m = 0; }`;

const FLOAT_BINARY: Record<BinaryOp, string> = {
  add: 'let r = a + b;',
  sub: 'let r = a - b;',
  mul: 'let r = a * b;',
  div: 'let r = a / b; if (b == 0) { r = nan; if (a > 0) { r = inf; } if (a < 0) { r = -inf; } }',
  // JavaScript's Math.pow, case by case: GLSL's pow is undefined for a <= 0.
  pow: `let r = Math.pow(Math.abs(a), b);
    if (a < 0) { if (Math.floor(b) != b) { r = nan; } else { if (b - 2 * Math.floor(b / 2) != 0) { r = -r; } } }
    if (a == 0) { r = 0; if (b < 0) { r = inf; } }
    if (a != a) { r = nan; } if (b != b) { r = nan; } if (b == 0) { r = 1; }`,
  maximum: 'let r = Math.max(a, b); if (a != a) { r = a; } if (b != b) { r = b; }',
  minimum: 'let r = Math.min(a, b); if (a != a) { r = a; } if (b != b) { r = b; }',
  // GLSL's atan is not accurate enough everywhere (Mesa's is off by ~1e-5 relative): reduce to
  // [0, tan(pi/8)] and sum atan's series, good to a float32 rounding or two.
  atan2: `const ax = Math.abs(b); const ay = Math.abs(a);
    const hi = Math.max(ax, ay); const lo = Math.min(ax, ay);
    let t = 0; if (hi > 0) { t = lo / hi; }
    let off = 0; if (t > 0.41421356237309503) { t = (t - 1) / (t + 1); off = 0.7853981633974483; }
    const t2 = t * t;
    let r = off + t * (1 + t2 * (-0.3333333333333333 + t2 * (0.2 + t2 * (-0.14285714285714285 + t2 * (0.1111111111111111
      + t2 * (-0.09090909090909091 + t2 * (0.07692307692307693 + t2 * (-0.06666666666666667 + t2 * 0.058823529411764705))))))));
    if (ay > ax) { r = 1.5707963267948966 - r; }
    if (b < 0) { r = 3.141592653589793 - r; }
    if (a < 0) { r = -r; }
    if (a != a) { r = nan; } if (b != b) { r = nan; }`,
  // The remainder with the divisor's sign (Python's %).
  mod: `let r = a - b * Math.floor(a / b);
    if (b > 0) { if (r < 0) { r = r + b; } if (r >= b) { r = r - b; } }
    if (b < 0) { if (r > 0) { r = r + b; } if (r <= b) { r = r - b; } }
    if (b == 0) { r = nan; }`,
  eq: 'let r = 0; if (a == b) { r = 1; }',
  ne: 'let r = 0; if (a != b) { r = 1; }',
  lt: 'let r = 0; if (a < b) { r = 1; }',
  le: 'let r = 0; if (a <= b) { r = 1; }',
  gt: 'let r = 0; if (a > b) { r = 1; }',
  ge: 'let r = 0; if (a >= b) { r = 1; }',
  and: 'let r = 0; if (a != 0) { if (b != 0) { r = 1; } }',
  or: 'let r = 0; if (a != 0) { r = 1; } if (b != 0) { r = 1; }',
};

const INT_BINARY: Partial<Record<BinaryOp, string>> = {
  div: `${INT_DIVMOD} let r = q;`,
  mod: `${INT_DIVMOD} let r = m;`,
  // Exact powers by squaring (float pow is not exact for integers); negative exponents as the reference.
  pow: `let r = 1;
    if (b < 0) {
      r = 0; if (a == 1) { r = 1; }
      if (a == -1) { r = 1; if (b - 2 * Math.floor(b / 2) != 0) { r = -1; } }
    } else {
      let base = a; let e = b;
      for (let k = 0; k < 32; k++) {
        if (e > 0) {
          if (e - 2 * Math.floor(e / 2) != 0) { r = r * base; }
          base = base * base; e = Math.floor(e / 2);
        }
      }
    }`,
};

/** Uniform names shared by every elementwise kernel: `inf` and `nan` come last. */
const SPECIALS = ['inf', 'nan'];

function kernel(params: readonly string[], body: string): string {
  return `function (${params.join(', ')}) {\n${body}\n}`;
}

/** `x -> f(x)` over a view of the output's shape. `op` is a unary op, `copy`, or a cast target. */
export function unarySource(op: UnaryOp | 'copy' | 'toInt' | 'toBool', rank: number): string {
  const body =
    op === 'copy'
      ? 'let r = v;'
      : op === 'toInt'
        ? // Truncation toward zero; NaN and infinities become 0, as a store into an Int32Array does.
          'let r = 0; if (v == v) { if (Math.abs(v) < inf) { if (v >= 0) { r = Math.floor(v); } else { r = Math.ceil(v); } } }'
        : op === 'toBool'
          ? 'let r = 0; if (v != 0) { r = 1; }'
          : UNARY[op];
  return kernel(
    ['x', ...layoutParams('', rank, ['x']), ...SPECIALS],
    `${indexSource('', rank, 'this.thread.x', ['x'])}
const v = x[xOff];
${body}
return r;`,
  );
}

export function binarySource(op: BinaryOp, integer: boolean, rank: number): string {
  const body = (integer ? INT_BINARY[op] : undefined) ?? FLOAT_BINARY[op];
  return kernel(
    ['x', 'y', ...layoutParams('', rank, ['x', 'y']), ...SPECIALS],
    `${indexSource('', rank, 'this.thread.x', ['x', 'y'])}
const a = x[xOff];
const b = y[yOff];
${body}
return r;`,
  );
}

export function whereSource(rank: number): string {
  return kernel(
    ['c', 'x', 'y', ...layoutParams('', rank, ['c', 'x', 'y'])],
    `${indexSource('', rank, 'this.thread.x', ['c', 'x', 'y'])}
let r = 0;
if (c[cOff] != 0) { r = x[xOff]; } else { r = y[yOff]; }
return r;`,
  );
}

/** A constant: the uploaded or filled value. */
export const FILL_SOURCE = kernel(['value'], 'return value;');

/** Copies a host array (uploaded by gpu.js as a texture argument) into a pipeline texture. */
export const UPLOAD_SOURCE = kernel(['data'], 'return data[this.thread.x];');

export type ReduceKind = 'sum' | 'max' | 'min';

/**
 * A reduction along one strided run per output element, in chunks: thread `t` is output element
 * `o = floor(t / parts)`, chunk `p = t - o * parts`, and folds `min(len, run - p * len)` elements
 * starting at `xOff + p * len * rs`. With `parts = 1` it is a whole reduction; otherwise the
 * partial results are reduced again. Sums are compensated (Kahan), so a long run loses no more
 * than a few float32 roundings.
 */
export function reduceSource(kind: ReduceKind, rank: number): string {
  const init = kind === 'sum' ? '0' : kind === 'max' ? '-inf' : 'inf';
  const step =
    kind === 'sum'
      ? `const y = v - c; const t = acc + y; c = (t - acc) - y; acc = t;`
      : // Once NaN, always NaN (numpy). The test on acc comes first: Mesa turns a bare
        // "if (v > acc) acc = v" into fmax, which drops a NaN accumulator.
        `if (acc == acc) { if (v != v) { acc = v; } else { if (v ${kind === 'max' ? '>' : '<'} acc) { acc = v; } } }`;
  // Kahan's correction turns into NaN once the sum is infinite; fall back to the plain sum then.
  const finish = kind === 'sum' ? 'if (Math.abs(plain) == inf) { acc = plain; }' : '';
  return kernel(
    ['x', 'parts', 'len', 'run', 'rs', ...layoutParams('', rank, ['x']), 'inf', 'nan'],
    `const t0 = this.thread.x;
let o = Math.floor(t0 / parts);
let p = t0 - o * parts;
if (p < 0) { o = o - 1; p = p + parts; }
if (p >= parts) { o = o + 1; p = p - parts; }
${indexSource('', rank, 'o', ['x'])}
const start = xOff + p * len * rs;
const count = Math.min(len, run - p * len);
let acc = ${init};
let c = 0;
let plain = 0;
for (let j = 0; j < count; j++) {
  const v = x[start + j * rs];
  plain = plain + v;
  ${step}
}
${finish}
return acc;`,
  );
}

/** Index of the first extreme along a strided run (the first NaN, if any, as numpy). */
export function argReduceSource(kind: 'argmax' | 'argmin', rank: number): string {
  return kernel(
    ['x', 'run', 'rs', ...layoutParams('', rank, ['x'])],
    `${indexSource('', rank, 'this.thread.x', ['x'])}
let best = 0;
let bv = x[xOff];
let done = 0;
for (let j = 1; j < run; j++) {
  if (done == 0) {
    if (bv != bv) { done = 1; } else {
      const v = x[xOff + j * rs];
      if (v != v) { best = j; bv = v; done = 1; }
      if (v ${kind === 'argmax' ? '>' : '<'} bv) { best = j; bv = v; }
    }
  }
}
return best;`,
  );
}

/**
 * `[..., M, K] @ [..., K, N]`: the output layout's operands `a` and `b` point at the start of row i
 * of a and column j of b; the loop walks K with the two K strides.
 */
export function matmulSource(rank: number): string {
  return kernel(
    ['x', 'y', 'k', 'xk', 'yk', ...layoutParams('', rank, ['x', 'y'])],
    `${indexSource('', rank, 'this.thread.x', ['x', 'y'])}
let acc = 0;
for (let j = 0; j < k; j++) {
  acc = acc + x[xOff + j * xk] * y[yOff + j * yk];
}
return acc;`,
  );
}

/**
 * Concatenation of `count` inputs. Each input is an operand over the output's shape whose offset
 * is shifted back by its start along the axis; the operand `s` (stride 1 on the axis, 0 elsewhere)
 * gives the position along the axis, which picks the input. `e1 ..` are the inputs' end positions.
 */
export function concatSource(count: number, rank: number): string {
  const names = Array.from({ length: count }, (_, i) => `x${i}`);
  const ends = names.slice(0, -1).map((_, i) => `e${i}`);
  const picks = names.map((n, i) =>
    i === count - 1 ? `{ r = ${n}[${n}Off]; }` : `if (sOff < e${i}) { r = ${n}[${n}Off]; } else `,
  );
  return kernel(
    [...names, ...ends, ...layoutParams('', rank, [...names, 's'])],
    `${indexSource('', rank, 'this.thread.x', [...names, 's'])}
let r = 0;
${picks.join('')}
return r;`,
  );
}

/**
 * Zero padding over the output's shape at full rank: `x`'s offset is shifted back by the leading
 * pads, and each axis's position must fall inside `[lo_d, hi_d)` to read.
 */
export function padSource(rank: number): string {
  const bounds: string[] = [];
  const checks: string[] = [];
  for (let d = 0; d < rank; d++) {
    bounds.push(`lo${d}`, `hi${d}`);
    checks.push(`if (i${d} < lo${d}) { inside = 0; } if (i${d} >= hi${d}) { inside = 0; }`);
  }
  return kernel(
    ['x', ...bounds, ...layoutParams('', rank, ['x'])],
    `${indexSource('', rank, 'this.thread.x', ['x'])}
let inside = 1;
${checks.join('\n')}
let r = 0;
if (inside == 1) { r = x[xOff]; }
return r;`,
  );
}

/**
 * numpy take: operand `x` walks x's dims outside the axis, operand `i` walks the indices' dims;
 * the index read there (negative ones count from the end) steps along the axis by `sx`.
 */
export function gatherSource(rank: number): string {
  return kernel(
    ['x', 'idx', 'size', 'sx', ...layoutParams('', rank, ['x', 'i'])],
    `${indexSource('', rank, 'this.thread.x', ['x', 'i'])}
let k = idx[iOff];
if (k < 0) { k = k + size; }
return x[xOff + k * sx];`,
  );
}

/**
 * The adjoint of take, without atomics: output element (outer, r, inner) sums the update slices of
 * every index position equal to r, listed in `order[starts[r] .. starts[r + 1])` (built on the
 * host from the index values). Operand `u` is the start of the update's (outer, inner) in a
 * contiguous `[outer, J, inner]` updates buffer; operand `s` gives r.
 */
export function scatterAddSource(rank: number): string {
  return kernel(
    ['u', 'order', 'starts', 'inner', ...layoutParams('', rank, ['u', 's'])],
    `${indexSource('', rank, 'this.thread.x', ['u', 's'])}
const first = starts[sOff];
const count = starts[sOff + 1] - first;
let acc = 0;
for (let p = 0; p < count; p++) {
  acc = acc + u[uOff + order[first + p] * inner];
}
return acc;`,
  );
}
