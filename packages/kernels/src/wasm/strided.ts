/**
 * The driver of strided kernels: elementwise ops, copies, reductions and the fused row kernels share
 * it (see codegen.ts and rows.ts).
 */
import {
  add,
  type Expr,
  type FunctionBuilder,
  get,
  i32,
  i32_load,
  i32_store,
  type Local,
  lt_s,
  type ModuleBuilder,
  mul,
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
 */
export function stridedDriver(
  m: ModuleBuilder,
  name: string,
  operands: number,
  row: (f: FunctionBuilder, ptrs: Local[], n: Local, strides: Local[], params: Local) => void,
): number {
  return m.func(name, ['i32'], [], (f, pp) => {
    const ptrs = f.locals('i32', operands);
    const r = f.local('i32');
    const n = f.local('i32');
    const outer = f.local('i32');
    const o = f.local('i32');
    const ax = f.local('i32');
    const i = f.local('i32');
    const idx = f.local('i32');
    const dim = f.local('i32');
    const rowStrides = f.locals('i32', operands);
    const rowPtrs = f.locals('i32', operands);
    // Byte address of word w of the block.
    const word = (w: Expr): Expr => add(get(pp), mul(w, i32(4)));
    const shapeAt = (a: Expr): Expr => i32_load(word(add(a, i32(STRIDED.shape))));
    const strideAddr = (k: number, a: Expr): Expr => word(add(add(i32(STRIDED.shape), mul(get(r), i32(k + 1))), a));
    for (let k = 0; k < operands; k++) f.set(ptrs[k], i32_load(get(pp), 4 * (STRIDED.ptrs + k)));
    f.set(r, i32_load(get(pp), 4 * STRIDED.rank));
    f.set(n, shapeAt(sub(get(r), i32(1))));
    for (let k = 0; k < operands; k++) f.set(rowStrides[k], i32_load(strideAddr(k, sub(get(r), i32(1)))));
    f.set(idx, word(add(i32(STRIDED.shape), mul(get(r), i32(operands + 1)))));
    f.set(outer, i32(1));
    f.for(ax, i32(0), sub(get(r), i32(1)), 1, () => {
      f.set(outer, mul(get(outer), shapeAt(get(ax))));
      f.do(i32_store(add(get(idx), mul(get(ax), i32(4))), i32(0)));
    });
    f.for(o, i32(0), get(outer), 1, () => {
      for (let k = 0; k < operands; k++) f.set(rowPtrs[k], get(ptrs[k]));
      row(f, rowPtrs, n, rowStrides, pp);
      // Odometer: step the last outer dim, carrying into the ones before.
      f.set(ax, sub(get(r), i32(2)));
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

/** `ptr += bytes` */
/** A fresh local holding i32 word `w` of the parameter block at address `pp`. */
export function paramWord(f: FunctionBuilder, pp: Local, w: number): Local {
  const l = f.local('i32');
  f.set(l, i32_load(get(pp), 4 * w));
  return l;
}

export const bump = (f: FunctionBuilder, p: Local, bytes: number | Expr) =>
  f.set(p, add(get(p), typeof bytes === 'number' ? i32(bytes) : bytes));
