/**
 * The driver of strided kernels: elementwise ops, copies, reductions and the fused row kernels share
 * it (see codegen.ts and rows.ts).
 */
import {
  add,
  type Expr,
  type FunctionBuilder,
  ge_s,
  get,
  i32,
  i32_load,
  i32_store,
  type Local,
  le_s,
  lt_s,
  type ModuleBuilder,
  mul,
  shuffle32,
  sub,
} from './emit.js';

/** The most dims a strided kernel takes after coalescing (the core keeps tensors far below this). */
export const MAX_RANK = 16;

/**
 * Whole vectors a pass of the elementwise and fused row loops that interleave their vectors
 * (`FunctionBuilder.lockstep`): enough independent work to overlap exp's dependent chain, not so much
 * that V8 spills the registers (on [2368, 192], exp took 0.47 ms one vector a pass, 0.44, 0.39, 0.41 and
 * 0.50 ms two, three, four and six at a time).
 */
export const UNROLL = 3;

/**
 * Word offsets of a strided kernel's parameter block (see `stridedDriver`). A kernel of at most three
 * operands may take one float32 constant in the fourth operand's word (`scalar`).
 */
export const STRIDED = { ptrs: 0, scalar: 3, rank: 4, shape: 5 } as const;

/**
 * A strided loop over `n` (<= 4) operands. Parameter block (i32 words at `params`): the operands' byte
 * addresses in words 0..3, rank r in word 4, shape[r], then each operand's r byte strides, then r
 * words of scratch for the odometer. The exported function takes the block's address (one argument, so
 * the thread pool can run any kernel); `row` emits the loop over the last dim, given local copies of
 * the operand pointers (it may change them), the row length, each operand's row stride in bytes, and
 * the block's address (to read `scalar`).
 *
 * The rows go in runs along the dim before the last, stepping the pointers by its strides; an odometer
 * walks the dims before that between runs (per row, it cost short rows up to a tenth of their time).
 * With `group`, a run's rows go `group.rows` at a time through `group.body` (each row's pointers in
 * `rows[q]`, the rows of one length), the last few through `row`.
 */
export function stridedDriver(
  m: ModuleBuilder,
  name: string,
  operands: number,
  row: (f: FunctionBuilder, ptrs: Local[], n: Local, strides: Local[], params: Local) => void,
  group?: { rows: number; body: (f: FunctionBuilder, rows: Local[][], n: Local, params: Local) => void },
): number {
  return m.func(name, ['i32'], [], (f, pp) => {
    const ptrs = f.locals('i32', operands);
    const [r, n, runs, run, ax, i, idx, dim, inner, runLength] = f.locals('i32', 10);
    const rowStrides = f.locals('i32', operands);
    const runStrides = f.locals('i32', operands);
    const rowPtrs = f.locals('i32', operands);
    // Byte address of word w of the block.
    const word = (w: Expr): Expr => add(get(pp), mul(w, i32(4)));
    const shapeAt = (a: Expr): Expr => i32_load(word(add(a, i32(STRIDED.shape))));
    const strideAddr = (k: number, a: Expr): Expr => word(add(add(i32(STRIDED.shape), mul(get(r), i32(k + 1))), a));
    for (let k = 0; k < operands; k++) f.set(ptrs[k], i32_load(get(pp), 4 * (STRIDED.ptrs + k)));
    f.set(r, i32_load(get(pp), 4 * STRIDED.rank));
    f.set(n, shapeAt(sub(get(r), i32(1))));
    for (let k = 0; k < operands; k++) f.set(rowStrides[k], i32_load(strideAddr(k, sub(get(r), i32(1)))));
    // A run: the rows along dim r - 2 (one row at rank 1).
    f.set(runLength, i32(1));
    for (const s of runStrides) f.set(s, i32(0));
    f.if(ge_s(get(r), i32(2)), () => {
      f.set(runLength, shapeAt(sub(get(r), i32(2))));
      for (let k = 0; k < operands; k++) f.set(runStrides[k], i32_load(strideAddr(k, sub(get(r), i32(2)))));
    });
    f.set(idx, word(add(i32(STRIDED.shape), mul(get(r), i32(operands + 1)))));
    f.set(runs, i32(1));
    f.for(ax, i32(0), sub(get(r), i32(2)), 1, () => {
      f.set(runs, mul(get(runs), shapeAt(get(ax))));
      f.do(i32_store(add(get(idx), mul(get(ax), i32(4))), i32(0)));
    });
    /** Steps the pointers `rows` rows along the run. */
    const advance = (rows: number) => {
      for (let k = 0; k < operands; k++) f.set(ptrs[k], add(get(ptrs[k]), mul(get(runStrides[k]), i32(rows))));
      f.set(inner, add(get(inner), i32(rows)));
    };
    const sets = group ? Array.from({ length: group.rows }, () => f.locals('i32', operands)) : [];
    f.for(run, i32(0), get(runs), 1, () => {
      f.set(inner, i32(0));
      if (group)
        f.while(le_s(add(get(inner), i32(group.rows)), get(runLength)), () => {
          for (let q = 0; q < group.rows; q++)
            for (let k = 0; k < operands; k++) f.set(sets[q][k], add(get(ptrs[k]), mul(get(runStrides[k]), i32(q))));
          group.body(f, sets, n, pp);
          advance(group.rows);
        });
      f.while(lt_s(get(inner), get(runLength)), () => {
        for (let k = 0; k < operands; k++) f.set(rowPtrs[k], get(ptrs[k]));
        row(f, rowPtrs, n, rowStrides, pp);
        advance(1);
      });
      for (let k = 0; k < operands; k++) f.set(ptrs[k], sub(get(ptrs[k]), mul(get(runStrides[k]), get(runLength))));
      // Odometer: step dim r - 3, carrying into the ones before.
      f.set(ax, sub(get(r), i32(3)));
      f.block((done) =>
        f.loop((top) => {
          f.brIf(done, lt_s(get(ax), i32(0)));
          f.set(i, add(i32_load(add(get(idx), mul(get(ax), i32(4)))), i32(1)));
          f.set(dim, shapeAt(get(ax)));
          for (let k = 0; k < operands; k++) f.set(ptrs[k], add(get(ptrs[k]), i32_load(strideAddr(k, get(ax)))));
          f.if(lt_s(get(i), get(dim)), () => {
            f.do(i32_store(add(get(idx), mul(get(ax), i32(4))), get(i)));
            f.br(done);
          });
          f.do(i32_store(add(get(idx), mul(get(ax), i32(4))), i32(0)));
          for (let k = 0; k < operands; k++)
            f.set(ptrs[k], sub(get(ptrs[k]), mul(i32_load(strideAddr(k, get(ax))), get(dim))));
          f.set(ax, sub(get(ax), i32(1)));
          f.br(top);
        }),
      );
    });
  });
}

/** A fresh local holding i32 word `w` of the parameter block at address `pp`. */
export function paramWord(f: FunctionBuilder, pp: Local, w: number): Local {
  const l = f.local('i32');
  f.set(l, i32_load(get(pp), 4 * w));
  return l;
}

/**
 * `paramWord` for the fields of a parameter block's `layout` (name -> word), all of them or those in
 * `names`, in that order: a local per field, by name.
 */
export function paramWords<K extends string>(
  f: FunctionBuilder,
  pp: Local,
  layout: Readonly<Record<K, number>>,
  names: readonly K[] = Object.keys(layout) as K[],
): Record<K, Local> {
  const out = {} as Record<K, Local>;
  for (const name of names) out[name] = paramWord(f, pp, layout[name]);
  return out;
}

/** `ptr += bytes` */
export const bump = (f: FunctionBuilder, p: Local, bytes: number | Expr) =>
  f.set(p, add(get(p), typeof bytes === 'number' ? i32(bytes) : bytes));

/** Columns (r0..r3)[k..k+3] of four rows, transposed: vectors of (r0[k], r1[k], r2[k], r3[k]) for 4 k. */
export function transpose4(f: FunctionBuilder, rows: Local[], out: (k: number, v: Expr) => void): void {
  const t = f.locals('v128', 4);
  f.set(t[0], shuffle32(get(rows[0]), get(rows[1]), [0, 4, 1, 5]));
  f.set(t[1], shuffle32(get(rows[2]), get(rows[3]), [0, 4, 1, 5]));
  f.set(t[2], shuffle32(get(rows[0]), get(rows[1]), [2, 6, 3, 7]));
  f.set(t[3], shuffle32(get(rows[2]), get(rows[3]), [2, 6, 3, 7]));
  out(0, shuffle32(get(t[0]), get(t[1]), [0, 1, 4, 5]));
  out(1, shuffle32(get(t[0]), get(t[1]), [2, 3, 6, 7]));
  out(2, shuffle32(get(t[2]), get(t[3]), [0, 1, 4, 5]));
  out(3, shuffle32(get(t[2]), get(t[3]), [2, 3, 6, 7]));
}
