/**
 * Kernels that move whole rows by a table of addresses: gather (an embedding lookup, one row per index)
 * and scatter-add (its gradient, rows summed into the rows their indices name). The backend checks the
 * indices and writes the tables; the kernels only follow them, so a row may be any number of bytes.
 */
import {
  add,
  type Expr,
  f32_demote_f64,
  f32_load,
  f32_store,
  f32x4_demote_f64x2_zero,
  f64_add,
  f64_load,
  f64_promote_f32,
  f64_store,
  f64x2_add,
  f64x2_promote_low_f32x4,
  get,
  i32,
  i32_load,
  type Local,
  le_s,
  lt_s,
  type ModuleBuilder,
  memory_copy,
  memory_fill,
  mul,
  shuffle32,
  v128_load,
  v128_store,
} from './emit.js';
import { bump, paramWords } from './strided.js';

/** Word offsets of `gather_rows`' parameter block: `count` rows of `bytes` bytes, row j from `src + offsets[j]`. */
export const GATHER = { dst: 0, src: 1, offsets: 2, count: 3, bytes: 4 } as const;

/**
 * Word offsets of the scatter-add kernels' parameter block: `count` rows of `inner` elements, row r read
 * at byte address `from[r]` and added to the float64 accumulator `acc` (`length` elements) at byte
 * offset `to[r]`; for float32 rows, the sums are then rounded into the output `out`.
 */
export const SCATTER = { out: 0, acc: 1, from: 2, to: 3, count: 4, inner: 5, length: 6 } as const;

/** The kernels' exported names. */
export const INDEXED_KERNELS = ['gather_rows', 'scatter_add_rows', 'scatter_add_rows64'] as const;

/** The i32 at word `j` of the table at byte address `table`. */
const entry = (table: Local, j: Local) => i32_load(add(get(table), mul(get(j), i32(4))));

/** Adds the kernels of `INDEXED_KERNELS` to `m`. */
export function indexedKernels(m: ModuleBuilder): void {
  m.func('gather_rows', ['i32'], [], (f, pp) => {
    const { dst, src, offsets, count, bytes } = paramWords(f, pp, GATHER);
    const j = f.local('i32');
    f.for(j, i32(0), get(count), 1, () => {
      f.do(memory_copy(get(dst), add(get(src), entry(offsets, j)), get(bytes)));
      bump(f, dst, get(bytes));
    });
  });

  scatterKernel(m, 'float32');
  scatterKernel(m, 'float64');
}

/**
 * `scatter_add_rows` (float32 rows) or `scatter_add_rows64` (float64 rows: the accumulator is the
 * output, and no rounding pass follows). In float64, as the reference sums (colliding updates in any
 * order give the same float32), row by row in index order: the reference's sums, bit for bit.
 */
function scatterKernel(m: ModuleBuilder, dtype: 'float32' | 'float64'): void {
  const narrow = dtype === 'float32';
  m.func(narrow ? 'scatter_add_rows' : 'scatter_add_rows64', ['i32'], [], (f, pp) => {
    const { out, acc, from, to, count, inner, length } = paramWords(f, pp, SCATTER);
    const [r, i, src, dst] = f.locals('i32', 4);
    const v = f.local('v128');
    f.do(memory_fill(get(acc), i32(0), mul(get(length), i32(8))));
    const sumInto = (at: number, x: Expr) => f.do(v128_store(get(dst), f64x2_add(v128_load(get(dst), at), x), at));
    f.for(r, i32(0), get(count), 1, () => {
      f.set(src, entry(from, r));
      f.set(dst, add(get(acc), entry(to, r)));
      f.set(i, i32(0));
      // Four float32s (two vectors of float64 sums) or two float64s a step, then one at a time.
      const lanes = narrow ? 4 : 2;
      f.while(le_s(add(get(i), i32(lanes)), get(inner)), () => {
        f.set(v, v128_load(get(src)));
        if (narrow) {
          sumInto(0, f64x2_promote_low_f32x4(get(v)));
          sumInto(16, f64x2_promote_low_f32x4(shuffle32(get(v), get(v), [2, 3, 2, 3])));
        } else sumInto(0, get(v));
        bump(f, src, 16);
        bump(f, dst, 8 * lanes);
        f.set(i, add(get(i), i32(lanes)));
      });
      f.while(lt_s(get(i), get(inner)), () => {
        const x = narrow ? f64_promote_f32(f32_load(get(src))) : f64_load(get(src));
        f.do(f64_store(get(dst), f64_add(f64_load(get(dst)), x)));
        bump(f, src, narrow ? 4 : 8);
        bump(f, dst, 8);
        f.set(i, add(get(i), i32(1)));
      });
    });
    if (!narrow) return;
    // Round the sums to float32, four at a time.
    f.set(i, i32(0));
    f.set(dst, get(acc));
    f.while(le_s(add(get(i), i32(4)), get(length)), () => {
      const low = f32x4_demote_f64x2_zero(v128_load(get(dst)));
      const high = f32x4_demote_f64x2_zero(v128_load(get(dst), 16));
      f.do(v128_store(get(out), shuffle32(low, high, [0, 1, 4, 5])));
      bump(f, dst, 32);
      bump(f, out, 16);
      f.set(i, add(get(i), i32(4)));
    });
    f.while(lt_s(get(i), get(length)), () => {
      f.do(f32_store(get(out), f32_demote_f64(f64_load(get(dst)))));
      bump(f, dst, 8);
      bump(f, out, 4);
      f.set(i, add(get(i), i32(1)));
    });
  });
}
