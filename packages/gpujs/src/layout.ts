/**
 * How strided views of any rank reach gpu.js kernels, whose outputs are never more than 1D here.
 *
 * Every kernel writes a flat (1D) output of `size` elements; gpu.js packs a 1D output into a 2D
 * texture of about sqrt(size) x sqrt(size) texels by itself, so the texture size limit bounds a
 * tensor at MAX_TEXTURE_SIZE² elements, not MAX_TEXTURE_SIZE. The kernel turns its flat thread
 * index back into a multi-index over the output shape, and each operand's element offset is
 * `offset + Σ index[i] * stride[i]` with the operand's own strides (0 for broadcast dims,
 * anything for transposes and slices). To keep both the arithmetic and the number of compiled
 * shaders small, dims are first *coalesced*: size-1 dims are dropped, and neighbouring dims that
 * every operand walks as one contiguous run are merged. The result is padded up to a rank
 * *bucket*, so one compiled kernel serves every shape whose coalesced rank fits the bucket.
 */

/** A shape and, for each operand, its strides over that shape and its offset. */
export interface Layout {
  readonly shape: readonly number[];
  readonly strides: readonly (readonly number[])[];
  readonly offsets: readonly number[];
}

/** Operand strides over a shared shape. */
export interface Operand {
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * Drops size-1 dims and merges dims `i` and `i + 1` wherever every operand has
 * `strides[i] == strides[i + 1] * shape[i + 1]`. The element order (row-major over `shape`) and
 * each operand's offsets are unchanged. Always returns rank >= 1.
 */
export function coalesce(shape: readonly number[], operands: readonly Operand[]): Layout {
  const dims: number[] = [];
  const strides: number[][] = operands.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && operands.every((op, k) => strides[k][last] === op.strides[i] * shape[i])) {
      // The previous kept dim steps exactly over this whole dim: merge them.
      dims[last] *= shape[i];
      operands.forEach((op, k) => {
        strides[k][last] = op.strides[i];
      });
      continue;
    }
    dims.push(shape[i]);
    operands.forEach((op, k) => {
      strides[k].push(op.strides[i]);
    });
  }
  if (dims.length === 0) {
    dims.push(1);
    for (const s of strides) s.push(0);
  }
  return { shape: dims, strides, offsets: operands.map((op) => op.offset) };
}

/** The ranks kernels are compiled for: a coalesced rank is padded up to the next of these. */
export const RANK_BUCKETS: readonly number[] = [1, 3, 6];

export function rankBucket(rank: number): number {
  for (const b of RANK_BUCKETS) if (rank <= b) return b;
  return rank;
}

/** The layout with leading size-1 dims (stride 0) added until its rank is `rank`. */
export function padRank(layout: Layout, rank: number): Layout {
  const extra = rank - layout.shape.length;
  if (extra <= 0) return layout;
  const ones = new Array<number>(extra).fill(1);
  const zeros = new Array<number>(extra).fill(0);
  return {
    shape: [...ones, ...layout.shape],
    strides: layout.strides.map((s) => [...zeros, ...s]),
    offsets: layout.offsets,
  };
}

/** Coalesced and padded to its rank bucket. */
export function bucketed(shape: readonly number[], operands: readonly Operand[]): Layout {
  const c = coalesce(shape, operands);
  return padRank(c, rankBucket(c.shape.length));
}

/**
 * The uniforms a generated kernel takes for a layout, in the order `indexSource` names them:
 * the dims after the first (the first is never needed to decompose a flat index), then for each
 * operand its strides and its offset.
 */
export function layoutArgs(layout: Layout): number[] {
  const args = layout.shape.slice(1);
  layout.strides.forEach((s, k) => {
    args.push(...s, layout.offsets[k]);
  });
  return args;
}

/** Parameter names matching `layoutArgs` for `operands` operands named by `names`, at `rank`. */
export function layoutParams(prefix: string, rank: number, names: readonly string[]): string[] {
  const params: string[] = [];
  for (let d = 1; d < rank; d++) params.push(`${prefix}n${d}`);
  for (const name of names) {
    for (let d = 0; d < rank; d++) params.push(`${name}s${d}`);
    params.push(`${name}o`);
  }
  return params;
}

/**
 * Kernel source (the JavaScript subset gpu.js compiles) that splits the flat index held in the
 * variable `flat` into `${prefix}i0 .. ${prefix}i{rank-1}` over dims `${prefix}n1 ..`, then sets
 * `${name}Off` for each operand. Division on a GPU is not exactly rounded, so each quotient is
 * corrected by its remainder; all values are integers below 2^24, exact in float32.
 */
export function indexSource(prefix: string, rank: number, flat: string, names: readonly string[]): string {
  const lines: string[] = [];
  lines.push(`let ${prefix}rem = ${flat};`);
  for (let d = rank - 1; d >= 1; d--) {
    const n = `${prefix}n${d}`;
    const i = `${prefix}i${d}`;
    lines.push(`let ${prefix}q${d} = Math.floor(${prefix}rem / ${n});`);
    lines.push(`let ${i} = ${prefix}rem - ${prefix}q${d} * ${n};`);
    lines.push(`if (${i} < 0) { ${prefix}q${d} = ${prefix}q${d} - 1; ${i} = ${i} + ${n}; }`);
    lines.push(`if (${i} >= ${n}) { ${prefix}q${d} = ${prefix}q${d} + 1; ${i} = ${i} - ${n}; }`);
    lines.push(`${prefix}rem = ${prefix}q${d};`);
  }
  lines.push(`let ${prefix}i0 = ${prefix}rem;`);
  for (const name of names) {
    const terms = [`${name}o`];
    for (let d = 0; d < rank; d++) terms.push(`${prefix}i${d} * ${name}s${d}`);
    lines.push(`let ${name}Off = ${terms.join(' + ')};`);
  }
  return lines.join('\n');
}
