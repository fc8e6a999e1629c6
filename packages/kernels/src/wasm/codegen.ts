/**
 * Generates the wasm backend's module: every kernel, specialised for the runtime's features.
 *
 * Strided loops. Elementwise kernels, copies and reductions share one driver: the caller coalesces
 * the operands' dims (JS side), writes the shape and each operand's byte strides into a parameter
 * block, and the driver walks the rows (runs along the dim before the last, an odometer over the dims
 * before that: strided.ts), handing each row to a row body that picks its loop by the row strides
 * (contiguous SIMD, one operand broadcast, or scalar). The fused row kernels (rows.ts) run on it too,
 * the reducing ones several rows at once; gather and scatter-add follow tables of row addresses
 * (indexed.ts).
 *
 * Matmul is the classic blocked algorithm (Goto / BLIS): for each block of columns and of the inner
 * dim, B is packed into 8-column panels; for each block of rows A is packed into 4-row panels; a 4x8
 * register-tile micro-kernel multiplies panels. Packing reads any strides, so the transposed operands
 * of the backward pass run at the speed of plain ones. With relaxed SIMD the micro-kernel uses fused
 * multiply-add: eight independent chains, enough to cover the FMA latency at two per cycle. Measured
 * on V8 11 (Node 20): 5x8, 6x8, 4x12 and 3x16 tiles and k-unrolled loops all ran slower (V8 spills
 * their registers); 3x12 matched 4x8 but would need its own edge kernels.
 *
 * Edges cost little: partial panels pack with masked vector loads, a partial tile stores only its
 * valid part, the last 1-3 columns of C go through a column strip vectorised over the rows, and the
 * last 1-2 rows through a row strip over several B panels. Batched attention (81 x 81, K = 32) is
 * mostly edges and packing, which is why these exist.
 *
 * Packing A pays off when many B panels reuse it. Where B's block has at most `DIRECT_COLUMNS` columns
 * and A's rows are contiguous, the micro-kernel reads A's four rows where they lie (`ukrDirect`) and
 * only the last 1-3 rows are packed: 5-11% faster on products to 37, 64 or 192 columns and attention's
 * P·V (a transposed A read in place measured 2x slower: each k step is a new cache line).
 */
import type { ReduceOp } from '../backend.js';
import {
  add,
  and,
  call,
  div_s,
  type Expr,
  eq,
  eqz,
  type FunctionBuilder,
  f32,
  f32_add,
  f32_load,
  f32_store,
  f32x4_add,
  f32x4_const,
  f32x4_convert_i32x4_s,
  f32x4_demote_f64x2_zero,
  f32x4_extract_lane,
  f32x4_max,
  f32x4_min,
  f32x4_mul,
  f32x4_ne,
  f32x4_splat,
  f64,
  f64_store,
  f64x2_promote_low_f32x4,
  ge_s,
  get,
  gt_s,
  i8x16_neg,
  i8x16_shuffle,
  i8x16_splat,
  i32,
  i32_load,
  i32_load8_u,
  i32_store,
  i32_store8,
  i32x4_const,
  i32x4_extract_lane,
  i32x4_lt_s,
  i32x4_ne,
  i32x4_neg,
  i32x4_splat,
  type Local,
  le_s,
  lt_s,
  ModuleBuilder,
  mul,
  ne,
  select,
  shuffle32,
  sub,
  v128_and,
  v128_bitselect,
  v128_load,
  v128_load16_splat,
  v128_load32_splat,
  v128_load32_zero,
  v128_load64_splat,
  v128_load64_zero,
  v128_or,
  v128_store,
  v128_store16_lane,
  v128_store32_lane,
  v128_store64_lane,
  v128_xor,
} from './emit.js';
import { INDEXED_KERNELS, indexedKernels } from './indexed.js';
import { ADD_RMS_NORM_T_KERNEL, ADD_RMS_NORM_TT_KERNEL, FUSED_KERNELS, fusedKernels } from './rows.js';
import { bump, paramWords, stridedDriver, transpose4, UNROLL } from './strided.js';
import {
  BINARY_OPS,
  COMPARES,
  F64_BINARY,
  F64_COMPARES,
  F64_UNARY,
  INT_BINARY_OPS,
  type MathOptions,
  madd,
  unaryOps,
} from './vmath.js';

export interface CodegenOptions extends MathOptions {
  readonly maximumPages: number;
  readonly shared: boolean;
  /** Matmul blocking: rows of A per packed block, inner dim per block, columns of B per packed block. */
  readonly mc: number;
  readonly kc: number;
  readonly nc: number;
}

export const MR = 4;
export const NR = 8;
export { MAX_RANK, STRIDED } from './strided.js';

/** Word offsets in a matmul parameter block. */
export const GEMM = {
  m0: 0,
  m1: 1,
  n0: 2,
  n1: 3,
  b0: 4,
  b1: 5,
  k: 6,
  n: 7,
  m: 8,
  pA: 9,
  pB: 10,
  pC: 11,
  sam: 12,
  sak: 13,
  sbk: 14,
  sbn: 15,
  aOffsets: 16,
  bOffsets: 17,
  packA: 18,
  packB: 19,
  /** B already packed (one block: K <= kc, N <= nc) by `pack_b` for every chunk to share, or 0. */
  sharedB: 20,
} as const;

/** Word offsets of `pack_b`'s parameter block: B's block at `src` (byte strides sbk, sbn) packed into `dst`. */
export const PACK_B = { dst: 0, src: 1, kc: 2, nc: 3, sbk: 4, sbn: 5 } as const;

/**
 * Word offsets in a transposed copy's parameter block (byte addresses and strides): `batch` matrices of
 * `m` rows and `n` columns into dst (contiguous), element (b, i, j) from `src + b·sb + 4i + j·sj`.
 */
export const TRANSPOSE = { dst: 0, src: 1, batch: 2, m: 3, n: 4, sb: 5, sj: 6 } as const;

export interface GeneratedModule {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Names of the exports, in a fixed order (the thread pool calls them by index). */
  readonly exports: readonly string[];
}

/** Element sizes of elementwise operands: 8 (float64), 4 (float32, int32) or 1 (bool, one byte, 0 or 1). */
export type Size = 1 | 4 | 8;

/** Bytes 0..3 of a vector into the low byte of each 32-bit lane (bool to i32 lanes). */
const WIDEN = [0, 16, 16, 16, 1, 16, 16, 16, 2, 16, 16, 16, 3, 16, 16, 16];
/** The low byte of each 32-bit lane into bytes 0..3 (i32 lanes of 0 or 1 to bool). */
const NARROW = [0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12];
/** Bytes 0 and 1 into the two 64-bit lanes (a bool per float64 element). */
const BYTE_TO_LANES = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
/** Bytes 0 and 8 (each 64-bit lane's low byte) to bytes 0 and 1. */
const LOW_BYTES = [0, 8, 0, 8, 0, 8, 0, 8, 0, 8, 0, 8, 0, 8, 0, 8];

/** How an elementwise row's elements sit in vectors, and how to move `size`-byte elements in and out. */
interface Lanes {
  readonly count: 2 | 4;
  /** `count` elements at `addr + offset`, one per lane. */
  readonly load: (size: Size, addr: Expr, offset: number) => Expr;
  /** One element at `addr`, in every lane. */
  readonly splat: (size: Size, addr: Expr) => Expr;
  /** The lanes of `v` as `count` elements at `addr + offset`. */
  readonly store: (size: Size, addr: Expr, v: Expr, offset: number) => Expr;
  /** Lane 0 of `v` as one element at `addr`. */
  readonly storeOne: (size: Size, addr: Expr, v: Local) => Expr;
}

/** 32-bit lanes: float32 and int32, and bools as 0 or 1 (a bool output takes each lane's low byte). */
const LANES_32: Lanes = {
  count: 4,
  load: (size, addr, offset) =>
    size === 1 ? i8x16_shuffle(v128_load32_zero(addr, offset), i32x4_const(0), WIDEN) : v128_load(addr, offset),
  splat: (size, addr) => (size === 1 ? i32x4_splat(i32_load8_u(addr)) : v128_load32_splat(addr)),
  store: (size, addr, v, offset) =>
    size === 1 ? v128_store32_lane(addr, i8x16_shuffle(v, v, NARROW), 0, offset) : v128_store(addr, v, offset),
  storeOne: (size, addr, v) =>
    size === 1 ? i32_store8(addr, i32x4_extract_lane(get(v), 0)) : v128_store32_lane(addr, get(v), 0),
};

/** All ones in each 64-bit lane whose bool byte is 1 (`pair` holds the bytes at 0 and 1). */
const byteMask = (pair: Expr): Expr => i8x16_neg(i8x16_shuffle(pair, pair, BYTE_TO_LANES));

/** 64-bit lanes: float64, and bools (a `where` condition) as all-ones masks. */
const LANES_64: Lanes = {
  count: 2,
  load: (size, addr, offset) =>
    size === 1
      ? byteMask(v128_load16_splat(addr, offset))
      : size === 4
        ? v128_load64_zero(addr, offset)
        : v128_load(addr, offset),
  splat: (size, addr) =>
    size === 1
      ? byteMask(i8x16_splat(i32_load8_u(addr)))
      : size === 4
        ? v128_load32_splat(addr)
        : v128_load64_splat(addr),
  // A bool result is 0 or 1 in each lane's low byte; a float32 one is in the low two 32-bit lanes.
  store: (size, addr, v, offset) =>
    size === 1
      ? v128_store16_lane(addr, i8x16_shuffle(v, v, LOW_BYTES), 0, offset)
      : size === 4
        ? v128_store64_lane(addr, v, 0, offset)
        : v128_store(addr, v, offset),
  storeOne: (size, addr, v) =>
    size === 1
      ? i32_store8(addr, i32x4_extract_lane(get(v), 0))
      : size === 4
        ? v128_store32_lane(addr, get(v), 0)
        : v128_store64_lane(addr, get(v), 0),
};

/**
 * Row of an elementwise op: `sizes` gives the output's element size then each input's. Vector loops
 * where the output is contiguous and each input is contiguous or broadcast (stride 0), one loop per
 * pattern; else one element at a time through lane 0 of the same vector code. `lanes` says how the
 * elements sit in vectors (32-bit lanes, or 64-bit for float64). The vector loops take `unroll` vectors
 * a pass, interleaved (`lockstep`): for a transcendental, the dependent chain of one vector then
 * overlaps those of the others.
 */
function elementwiseRow(
  f: FunctionBuilder,
  ptrs: Local[],
  n: Local,
  strides: Local[],
  sizes: readonly Size[],
  lanes: Lanes,
  vop: (args: Local[]) => Expr,
  unroll = 2,
): void {
  const ins = ptrs.length - 1;
  const out = sizes[0];
  const w = lanes.count;
  const i = f.local('i32');
  const args = f.locals('v128', ins);
  const result = f.local('v128');
  f.set(i, i32(0));
  // One vector path per pattern of input strides: each input contiguous or broadcast.
  f.block((done) => {
    f.brIf(done, ne(get(strides[0]), i32(out)));
    for (let pat = 0; pat < 1 << ins; pat++) {
      const contiguous = (k: number) => ((pat >> k) & 1) === 0;
      if (ins > 0 && !Array.from({ length: ins }, (_, k) => contiguous(k)).some((x) => x)) continue; // all broadcast: rare
      let cond: Expr = i32(1);
      for (let k = 0; k < ins; k++) {
        const test = eq(get(strides[k + 1]), i32(contiguous(k) ? sizes[k + 1] : 0));
        cond = k === 0 ? test : and(cond, test);
      }
      f.if(cond, () => {
        const fixed = f.locals('v128', ins);
        for (let k = 0; k < ins; k++) if (!contiguous(k)) f.set(fixed[k], lanes.splat(sizes[k + 1], get(ptrs[k + 1])));
        const step = (unroll: number) =>
          f.while(le_s(add(get(i), i32(w * unroll)), get(n)), () => {
            f.lockstep(unroll, (u) => {
              const [x, y] = [f.locals('v128', ins), f.local('v128')];
              for (let k = 0; k < ins; k++)
                f.set(
                  x[k],
                  contiguous(k) ? lanes.load(sizes[k + 1], get(ptrs[k + 1]), w * sizes[k + 1] * u) : get(fixed[k]),
                );
              f.set(y, vop(x));
              f.do(lanes.store(out, get(ptrs[0]), get(y), w * out * u));
            });
            bump(f, ptrs[0], w * out * unroll);
            for (let k = 0; k < ins; k++) if (contiguous(k)) bump(f, ptrs[k + 1], w * sizes[k + 1] * unroll);
            f.set(i, add(get(i), i32(w * unroll)));
          });
        step(unroll);
        step(1);
        f.br(done);
      });
    }
  });
  // The rest (or all of a strided row), one element at a time.
  f.while(lt_s(get(i), get(n)), () => {
    for (let k = 0; k < ins; k++) f.set(args[k], lanes.splat(sizes[k + 1], get(ptrs[k + 1])));
    f.set(result, vop(args));
    f.do(lanes.storeOne(out, get(ptrs[0]), result));
    for (let k = 0; k <= ins; k++) bump(f, ptrs[k], get(strides[k]));
    f.set(i, add(get(i), i32(1)));
  });
}

/** Row reduction of `n` elements into one (the output's row stride is 0). */
function reduceRow(f: FunctionBuilder, ptrs: Local[], n: Local, strides: Local[], op: ReduceOp): void {
  const [out, x] = ptrs;
  const init = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
  const vop = op === 'sum' ? f32x4_add : op === 'max' ? f32x4_max : f32x4_min;
  const i = f.local('i32');
  const a0 = f.local('v128');
  const a1 = f.local('v128');
  const s = f.local('v128');
  f.set(i, i32(0));
  f.set(a0, f32x4_const(init));
  f.set(a1, f32x4_const(init));
  f.if(eq(get(strides[1]), i32(4)), () => {
    f.while(le_s(add(get(i), i32(8)), get(n)), () => {
      f.set(a0, vop(get(a0), v128_load(get(x))));
      f.set(a1, vop(get(a1), v128_load(get(x), 16)));
      bump(f, x, 32);
      f.set(i, add(get(i), i32(8)));
    });
    f.if(le_s(add(get(i), i32(4)), get(n)), () => {
      f.set(a0, vop(get(a0), v128_load(get(x))));
      bump(f, x, 16);
      f.set(i, add(get(i), i32(4)));
    });
  });
  // Remaining (or strided) elements go into lane 0 of a1.
  f.while(lt_s(get(i), get(n)), () => {
    f.set(s, f32x4_splat(f32_load(get(x))));
    f.set(a1, vop(get(a1), op === 'sum' ? shuffle32(get(s), f32x4_const(0), [0, 4, 4, 4]) : get(s)));
    bump(f, x, get(strides[1]));
    f.set(i, add(get(i), i32(1)));
  });
  f.set(a0, vop(get(a0), get(a1)));
  // Horizontal: (0+2, 1+3), then (0+1).
  f.set(a0, vop(get(a0), shuffle32(get(a0), get(a0), [2, 3, 2, 3])));
  f.set(a0, vop(get(a0), shuffle32(get(a0), get(a0), [1, 1, 1, 1])));
  f.do(f32_store(get(out), f32x4_extract_lane(get(a0), 0)));
}

/** Row copy for element size 1, 4 or 8: a bulk copy when both are contiguous, else a strided loop. */
function copyRow(f: FunctionBuilder, ptrs: Local[], n: Local, strides: Local[], size: 1 | 4 | 8): void {
  const [dst, src] = ptrs;
  const i = f.local('i32');
  f.if(
    and(eq(get(strides[0]), i32(size)), eq(get(strides[1]), i32(size))),
    () => {
      // memory.copy dst src n
      f.do(get(dst), get(src), mul(get(n), i32(size)));
      f.byte(0xfc).u32(10).byte(0, 0);
    },
    () => {
      f.for(i, i32(0), get(n), 1, () => {
        if (size === 1) f.do(i32_store8(get(dst), i32_load8_u(get(src))));
        else if (size === 4) f.do(i32_store(get(dst), i32_load(get(src))));
        else {
          // i64.load / i64.store
          f.do(get(dst), get(src));
          f.byte(0x29).u32(3).u32(0);
          f.byte(0x37).u32(3).u32(0);
        }
        bump(f, dst, get(strides[0]));
        bump(f, src, get(strides[1]));
      });
    },
  );
}

/** Row of zeros for element size 1, 4 or 8: a bulk fill when contiguous, else a strided loop. */
function zeroRow(f: FunctionBuilder, ptrs: Local[], n: Local, strides: Local[], size: 1 | 4 | 8): void {
  const [dst] = ptrs;
  const i = f.local('i32');
  f.if(
    eq(get(strides[0]), i32(size)),
    () => {
      // memory.fill dst 0 n
      f.do(get(dst), i32(0), mul(get(n), i32(size)));
      f.byte(0xfc).u32(11).byte(0);
    },
    () => {
      f.for(i, i32(0), get(n), 1, () => {
        if (size === 1) f.do(i32_store8(get(dst), i32(0)));
        else if (size === 4) f.do(i32_store(get(dst), i32(0)));
        else f.do(f64_store(get(dst), f64(0)));
        bump(f, dst, get(strides[0]));
      });
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Matmul

/**
 * The 4x8 register-tile micro-kernels: C[4, 8] (+)= A panel (kc x 4, k-major) x B panel (kc x 8,
 * k-major). `ukr` runs down a column of `tiles` whole tiles (consecutive A panels, one B panel: with a
 * short inner dim a call per tile would cost as much as a fifth of the work); `ukrEdge` computes one
 * tile and stores its first `rows` rows and `cols` columns (vector stores where a whole vector fits,
 * lane stores past that), so an edge tile never goes through memory twice; `ukrDirect` is `ukr` on an
 * unpacked A.
 */
function microKernels(m: ModuleBuilder, o: CodegenOptions): MicroKernels {
  const fma = madd(o);
  /** A packed panel at `pa`: each k step's four rows side by side. */
  const packedA = (pa: Local): ASource => ({ ptr: pa, row: (r) => [get(pa), 4 * r], step: 4 * MR });
  /**
   * acc = A's four rows x B panel over kc >= 1 steps; advances A's pointer and pb past what they read (a
   * packed A to its next panel).
   */
  const accumulateLoop = (f: FunctionBuilder, acc: Local[], kc: Local, a4: ASource, pb: Local): void => {
    const k = f.local('i32');
    const [b0, b1, a] = f.locals('v128', 3);
    // The first step sets the accumulators rather than adding to zeros: V8 kept the zero vector live in a
    // register across the whole kernel (15 of 16 in use), and products ran 3-8% slower with it.
    const step = (first: boolean) => {
      f.set(b0, v128_load(get(pb)));
      f.set(b1, v128_load(get(pb), 16));
      for (let r = 0; r < MR; r++) {
        f.set(a, v128_load32_splat(...a4.row(r)));
        for (const [c, bv] of [
          [2 * r, b0],
          [2 * r + 1, b1],
        ] as const)
          f.set(acc[c], first ? f32x4_mul(get(a), get(bv)) : fma(get(a), get(bv), get(acc[c])));
      }
      bump(f, a4.ptr, a4.step);
      bump(f, pb, 4 * NR);
    };
    step(true);
    f.set(k, sub(get(kc), i32(1)));
    f.while(gt_s(get(k), i32(0)), () => {
      step(false);
      f.set(k, sub(get(k), i32(1)));
    });
  };
  /** Stores (or adds) the tile at `at`, row by row (advances `at` by four rows). */
  const storeTile = (f: FunctionBuilder, acc: Local[], at: Local, ldc: Local, accumulate: Local) =>
    f.if(
      get(accumulate),
      () => {
        for (let r = 0; r < MR; r++) {
          f.do(v128_store(get(at), f32x4_add(v128_load(get(at)), get(acc[2 * r]))));
          f.do(v128_store(get(at), f32x4_add(v128_load(get(at), 16), get(acc[2 * r + 1])), 16));
          bump(f, at, get(ldc));
        }
      },
      () => {
        for (let r = 0; r < MR; r++) {
          f.do(v128_store(get(at), get(acc[2 * r])));
          f.do(v128_store(get(at), get(acc[2 * r + 1]), 16));
          bump(f, at, get(ldc));
        }
      },
    );
  // (kc, packed A, packed B, C, ldc bytes, accumulate)
  const params = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const;
  // (..., tiles): down a column of tiles (consecutive A panels, one B panel).
  const ukr = m.func(
    'ukr',
    [...params, 'i32'],
    [],
    (f, kc, pa, pb, pc, ldc, accumulate, tiles) => {
      const acc = f.locals('v128', MR * 2);
      const b = f.local('i32');
      f.loop((next) => {
        f.set(b, get(pb));
        accumulateLoop(f, acc, kc, packedA(pa), b);
        storeTile(f, acc, pc, ldc, accumulate);
        f.set(tiles, sub(get(tiles), i32(1)));
        f.brIf(next, gt_s(get(tiles), i32(0)));
      });
    },
    false,
  );
  // (..., tiles): along a row of tiles (one A panel, consecutive B panels), so that C is written in
  // its storage order.
  const ukrAcross = m.func(
    'ukrAcross',
    [...params, 'i32'],
    [],
    (f, kc, pa, pb, pc, ldc, accumulate, tiles) => {
      const acc = f.locals('v128', MR * 2);
      const [a, at] = f.locals('i32', 2);
      f.loop((next) => {
        f.set(a, get(pa));
        accumulateLoop(f, acc, kc, packedA(a), pb);
        f.set(at, get(pc));
        storeTile(f, acc, at, ldc, accumulate);
        bump(f, pc, 4 * NR);
        f.set(tiles, sub(get(tiles), i32(1)));
        f.brIf(next, gt_s(get(tiles), i32(0)));
      });
    },
    false,
  );
  // (..., rows, cols): the part of the tile inside C.
  const ukrEdge = m.func(
    'ukrEdge',
    [...params, 'i32', 'i32'],
    [],
    (f, kc, pa, pb, pc, ldc, accumulate, rows, cols) => {
      const acc = f.locals('v128', MR * 2);
      accumulateLoop(f, acc, kc, packedA(pa), pb);
      storeEdge(f, acc, pc, ldc, accumulate, get(rows), get(cols));
    },
    false,
  );
  // (..., tiles, sam, sak, cols): `ukr` reading A where it lies (byte strides sam between rows, sak between
  // k steps), each tile's first `cols` columns stored. Packing A costs as much as a tenth of a product
  // whose B has few panels (attention's P·V, a projection to 64 or 37 columns); this needs only whole
  // tiles of rows.
  const ukrDirect = m.func(
    'ukrDirect',
    [...params, 'i32', 'i32', 'i32', 'i32'],
    [],
    (f, kc, pa, pb, pc, ldc, accumulate, tiles, sam, sak, cols) => {
      const acc = f.locals('v128', MR * 2);
      const [p, b] = f.locals('i32', 2);
      const offsets = f.locals('i32', MR);
      for (let r = 1; r < MR; r++) f.set(offsets[r], mul(get(sam), i32(r)));
      const rows: ASource = {
        ptr: p,
        row: (r) => [r === 0 ? get(p) : add(get(p), get(offsets[r])), 0],
        step: get(sak),
      };
      f.loop((next) => {
        f.set(b, get(pb));
        f.set(p, get(pa));
        accumulateLoop(f, acc, kc, rows, b);
        f.if(
          eq(get(cols), i32(NR)),
          () => storeTile(f, acc, pc, ldc, accumulate),
          () => storeEdge(f, acc, pc, ldc, accumulate, i32(MR), get(cols)),
        );
        bump(f, pa, mul(get(sam), i32(MR)));
        f.set(tiles, sub(get(tiles), i32(1)));
        f.brIf(next, gt_s(get(tiles), i32(0)));
      });
    },
    false,
  );
  return { ukr, ukrAcross, ukrEdge, ukrDirect };
}

/** Where a micro-kernel reads A's four rows: the address and offset of row r's element at this k step. */
interface ASource {
  /** Advanced by `step` bytes a k step. */
  readonly ptr: Local;
  readonly row: (r: number) => [Expr, number];
  readonly step: number | Expr;
}

interface MicroKernels {
  readonly ukr: number;
  readonly ukrAcross: number;
  readonly ukrEdge: number;
  readonly ukrDirect: number;
}

/**
 * Stores (or adds) the first `rows` rows and `cols` columns of a tile at `pc` (advancing it by the rows
 * stored): vector stores where a whole vector fits, lane stores past that.
 */
function storeEdge(
  f: FunctionBuilder,
  acc: Local[],
  pc: Local,
  ldc: Local,
  accumulate: Local,
  rows: Expr,
  cols: Expr,
): void {
  const at = f.local('i32');
  /** Stores the first `n` lanes of `v` (all four when n >= 4, none when n <= 0) at `at`. */
  const storeLanes = (v: Local, n: Expr) =>
    f.if(
      ge_s(n, i32(4)),
      () => f.do(v128_store(get(at), select(f32x4_add(v128_load(get(at)), get(v)), get(v), get(accumulate)))),
      () => {
        for (let lane = 0; lane < 3; lane++) {
          f.if(gt_s(n, i32(lane)), () => {
            const value = f32x4_extract_lane(get(v), lane);
            f.do(
              f32_store(get(at), select(f32_add(f32_load(get(at), 4 * lane), value), value, get(accumulate)), 4 * lane),
            );
          });
        }
      },
    );
  for (let r = 0; r < MR; r++) {
    f.if(gt_s(rows, i32(r)), () => {
      f.set(at, get(pc));
      storeLanes(acc[2 * r], cols);
      f.set(at, add(get(pc), i32(16)));
      storeLanes(acc[2 * r + 1], sub(cols, i32(4)));
      bump(f, pc, get(ldc));
    });
  }
}

/**
 * One column of C (+)= A panels x one column of B, vectorised over the rows: for each k, four rows of a
 * packed A panel times B[k] broadcast. Up to eight panels run as independent chains. This is the
 * narrow-column edge (N mod 8 <= 3): an 8-wide tile there would spend most of its lanes on nothing.
 * (kc, packed A, rows, packed B column, C column, ldc bytes, accumulate)
 */
function columnStrip(m: ModuleBuilder, o: CodegenOptions): number {
  const fma = madd(o);
  const GROUPS = [8, 4, 2, 1] as const;
  return m.func(
    'columnStrip',
    ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'],
    [],
    (f, kc, pa, rows, pb, pc, ldc, accumulate) => {
      const panelBytes = f.local('i32');
      const left = f.local('i32');
      const k = f.local('i32');
      const pbk = f.local('i32');
      const at = f.local('i32');
      const bk = f.local('v128');
      const base = f.locals('i32', 8);
      const acc = f.locals('v128', 8);
      f.set(panelBytes, mul(get(kc), i32(4 * MR)));
      f.while(gt_s(get(rows), i32(0)), () => {
        // Panels left (the last one partial), then the largest group that fits in them.
        f.set(left, div_s(add(get(rows), i32(MR - 1)), i32(MR)));
        f.block((done) => {
          for (const g of GROUPS) {
            f.if(ge_s(get(left), i32(g)), () => {
              for (let q = 0; q < g; q++) {
                f.set(base[q], add(get(pa), mul(get(panelBytes), i32(q))));
                f.set(acc[q], f32x4_const(0));
              }
              f.set(pbk, get(pb));
              f.for(k, i32(0), mul(get(kc), i32(16)), 16, () => {
                f.set(bk, v128_load32_splat(get(pbk)));
                for (let q = 0; q < g; q++)
                  f.set(acc[q], fma(v128_load(add(get(base[q]), get(k))), get(bk), get(acc[q])));
                bump(f, pbk, 4 * NR);
              });
              // Rows 4q.. of the group: each lane to its own row of C.
              f.set(at, get(pc));
              for (let q = 0; q < g; q++) {
                for (let lane = 0; lane < MR; lane++) {
                  f.if(gt_s(get(rows), i32(MR * q + lane)), () => {
                    const value = f32x4_extract_lane(get(acc[q]), lane);
                    f.do(f32_store(get(at), select(f32_add(f32_load(get(at)), value), value, get(accumulate))));
                  });
                  bump(f, at, get(ldc));
                }
              }
              bump(f, pa, mul(get(panelBytes), i32(g)));
              f.set(pc, get(at));
              f.set(rows, sub(get(rows), i32(MR * g)));
              f.br(done);
            });
          }
        });
      });
    },
    false,
  );
}

/**
 * The last one or two rows of A (a partial panel) times whole B panels, several panels per pass so
 * that eight multiply-add chains stay in flight (a 4x8 edge tile would compute three or two rows of
 * nothing). (kc, packed A panel, rows, packed B, panels, C, ldc bytes, accumulate)
 */
function rowStrip(m: ModuleBuilder, o: CodegenOptions): number {
  const fma = madd(o);
  return m.func(
    'rowStrip',
    ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'],
    [],
    (f, kc, pa, rows, pb, panels, pc, ldc, accumulate) => {
      const panelBytes = f.local('i32');
      const [k, ak, off, at] = f.locals('i32', 4);
      const base = f.locals('i32', 4);
      const acc = f.locals('v128', 8);
      const a = f.locals('v128', 2);
      const bv = f.local('v128');
      f.set(panelBytes, mul(get(kc), i32(4 * NR)));
      const pass = (r: number, g: number) => {
        for (let q = 0; q < g; q++) f.set(base[q], add(get(pb), mul(get(panelBytes), i32(q))));
        for (let i = 0; i < 2 * r * g; i++) f.set(acc[i], f32x4_const(0));
        f.set(ak, get(pa));
        f.set(off, i32(0));
        f.set(k, get(kc));
        f.loop((top) => {
          for (let i = 0; i < r; i++) f.set(a[i], v128_load32_splat(get(ak), 4 * i));
          for (let q = 0; q < g; q++)
            for (let h = 0; h < 2; h++) {
              f.set(bv, v128_load(add(get(base[q]), get(off)), 16 * h));
              for (let i = 0; i < r; i++) {
                const x = acc[2 * (g * i + q) + h];
                f.set(x, fma(get(a[i]), get(bv), get(x)));
              }
            }
          bump(f, ak, 4 * MR);
          bump(f, off, 4 * NR);
          f.set(k, sub(get(k), i32(1)));
          f.brIf(top, gt_s(get(k), i32(0)));
        });
        for (let i = 0; i < r; i++)
          for (let q = 0; q < g; q++)
            for (let h = 0; h < 2; h++) {
              f.set(at, add(add(get(pc), mul(get(ldc), i32(i))), i32(4 * NR * q + 16 * h)));
              const x = acc[2 * (g * i + q) + h];
              f.do(v128_store(get(at), select(f32x4_add(v128_load(get(at)), get(x)), get(x), get(accumulate))));
            }
        bump(f, pb, mul(get(panelBytes), i32(g)));
        bump(f, pc, 4 * NR * g);
        f.set(panels, sub(get(panels), i32(g)));
      };
      f.while(gt_s(get(panels), i32(0)), () =>
        f.if(
          eq(get(rows), i32(1)),
          () =>
            f.if(
              ge_s(get(panels), i32(4)),
              () => pass(1, 4),
              () =>
                f.if(
                  ge_s(get(panels), i32(2)),
                  () => pass(1, 2),
                  () => pass(1, 1),
                ),
            ),
          () =>
            f.if(
              ge_s(get(panels), i32(2)),
              () => pass(2, 2),
              () => pass(2, 1),
            ),
        ),
      );
    },
    false,
  );
}

/** All-ones in the lanes below `n` (0..4), zero above: keeps the valid part of a vector read past an edge. */
const laneMask = (n: Expr): Expr => i32x4_lt_s(i32x4_const(0, 1, 2, 3), i32x4_splat(n));

/**
 * Element by element, for strides the vector paths do not cover: `count` k steps of a panel of
 * `width` lanes (`valid` of them inside the matrix, the rest zero) from `src` (byte strides: `lane`
 * between lanes, `step` between k steps) into `d`, which it advances.
 */
function packScalar(
  f: FunctionBuilder,
  d: Local,
  src: Expr,
  from: Expr,
  count: Expr,
  width: number,
  valid: Local,
  lane: Local,
  step: Local,
): void {
  const [k, i] = f.locals('i32', 2);
  f.for(k, from, count, 1, () => {
    f.for(i, i32(0), i32(width), 1, () =>
      f.do(
        f32_store(
          add(get(d), mul(get(i), i32(4))),
          select(
            f32_load(add(add(src, mul(get(i), get(lane))), mul(get(k), get(step)))),
            f32(0),
            lt_s(get(i), get(valid)),
          ),
        ),
      ),
    );
    bump(f, d, 4 * width);
  });
}

/**
 * Packs panels whose elements sit side by side in storage for each k (the rows of a transposed A, the
 * columns of a row-major B): `count` elements at `src + k·step`, into panels of `vectors` v128s (4 or 8
 * elements) of kc steps each at `dst`. A whole cache line of each k at a time (four panels of A or two of
 * B: one panel at a time would fetch every line several times, and more write streams would collide in
 * the L1 when a panel is a multiple of 4 KiB), then the last panels one at a time, masked to the block:
 * the partial one reads past it (into the next row, or the heap's slack) and zeroes what it read
 * (padding lanes only reach outputs that are never stored, but garbage there could be denormal, and
 * denormals are slow).
 */
function packContiguous(
  f: FunctionBuilder,
  dst: Local,
  src: Local,
  count: Local,
  kc: Local,
  step: Local,
  vectors: 1 | 2,
): void {
  const width = 4 * vectors;
  const perLine = 4 / vectors;
  const [p, k, s, d, panelBytes] = f.locals('i32', 5);
  const line = f.locals('v128', 4);
  const masks = f.locals('v128', vectors);
  f.set(panelBytes, mul(get(kc), i32(4 * width)));
  f.set(p, i32(0));
  f.while(le_s(add(get(p), i32(width * perLine)), get(count)), () => {
    f.set(s, add(get(src), mul(get(p), i32(4))));
    f.set(d, get(dst));
    f.for(k, i32(0), get(kc), 1, () => {
      for (let q = 0; q < 4; q++) f.set(line[q], v128_load(get(s), 16 * q));
      for (let q = 0; q < 4; q++)
        f.do(
          v128_store(add(get(d), mul(get(panelBytes), i32(Math.floor(q / vectors)))), get(line[q]), 16 * (q % vectors)),
        );
      bump(f, s, get(step));
      bump(f, d, 16 * vectors);
    });
    bump(f, dst, mul(get(panelBytes), i32(perLine)));
    f.set(p, add(get(p), i32(width * perLine)));
  });
  f.for(p, get(p), get(count), width, () => {
    f.set(s, add(get(src), mul(get(p), i32(4))));
    f.set(d, get(dst));
    for (let v = 0; v < vectors; v++) f.set(masks[v], laneMask(sub(sub(get(count), get(p)), i32(4 * v))));
    f.for(k, i32(0), get(kc), 1, () => {
      for (let v = 0; v < vectors; v++)
        f.do(v128_store(get(d), v128_and(v128_load(get(s), 16 * v), get(masks[v])), 16 * v));
      bump(f, s, get(step));
      bump(f, d, 16 * vectors);
    });
    bump(f, dst, get(panelBytes));
  });
}

/**
 * Packs an mc x kc block of A (byte strides sam, sak) into 4-row panels, each kc x 4 (k-major), the
 * rows past mc zero. Vector paths for row-major A (4x4 blocks transposed in registers; a partial
 * panel's missing rows are zero vectors) and transposed A (each k's rows adjacent: packContiguous).
 */
function packA(m: ModuleBuilder): number {
  return m.func(
    'packA',
    ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'],
    [],
    (f, dst, src, mc, kc, sam, sak) => {
      const [ir, k, rows, d, panelBytes] = f.locals('i32', 5);
      const row = f.locals('v128', 4);
      const rp = f.locals('i32', 4);
      f.set(panelBytes, mul(get(kc), i32(4 * MR)));
      f.if(
        eq(get(sam), i32(4)),
        () => {
          // Transposed A: row k of the storage holds the block's mc rows at column k.
          packContiguous(f, dst, src, mc, kc, sak, 1);
        },
        () =>
          f.for(ir, i32(0), get(mc), MR, () => {
            f.set(rows, sub(get(mc), get(ir)));
            f.if(gt_s(get(rows), i32(MR)), () => f.set(rows, i32(MR)));
            f.set(d, get(dst));
            f.set(k, i32(0));
            f.if(eq(get(sak), i32(4)), () => {
              // Row-major A: 4x4 blocks transposed in registers; rows past mc are zero vectors.
              for (let q = 0; q < 4; q++) f.set(rp[q], add(get(src), mul(get(sam), i32(q))));
              f.while(le_s(add(get(k), i32(4)), get(kc)), () => {
                for (let q = 0; q < 4; q++)
                  f.if(
                    gt_s(get(rows), i32(q)),
                    () => f.set(row[q], v128_load(get(rp[q]))),
                    () => f.set(row[q], i32x4_const(0)),
                  );
                transpose4(f, row, (kk, v) => f.do(v128_store(get(d), v, 16 * kk)));
                for (let q = 0; q < 4; q++) bump(f, rp[q], 16);
                bump(f, d, 64);
                f.set(k, add(get(k), i32(4)));
              });
            });
            // What is left (the last k % 4 steps, or all of them for other strides).
            packScalar(f, d, get(src), get(k), get(kc), MR, rows, sam, sak);
            bump(f, dst, get(panelBytes));
            bump(f, src, mul(get(sam), i32(MR)));
          }),
      );
    },
    false,
  );
}

/**
 * Packs a kc x nc block of B (byte strides sbk, sbn) into 8-column panels, each kc x 8 (k-major),
 * the columns past nc zero. Vector paths for row-major B (each k's columns adjacent: packContiguous)
 * and transposed B (each column contiguous in k: two 4x4 transposes per 4 k; missing columns are zero
 * vectors).
 */
function packB(m: ModuleBuilder): number {
  return m.func(
    'packB',
    ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'],
    [],
    (f, dst, src, kc, nc, sbk, sbn) => {
      const [jr, k, cols, d, panelBytes] = f.locals('i32', 5);
      const col = f.locals('v128', 4);
      const cp = f.locals('i32', 8);
      f.set(panelBytes, mul(get(kc), i32(4 * NR)));
      f.if(
        eq(get(sbn), i32(4)),
        () => {
          // Row-major B: row k of the storage holds the block's nc columns.
          packContiguous(f, dst, src, nc, kc, sbk, 2);
        },
        () =>
          f.for(jr, i32(0), get(nc), NR, () => {
            f.set(cols, sub(get(nc), get(jr)));
            f.if(gt_s(get(cols), i32(NR)), () => f.set(cols, i32(NR)));
            f.set(d, get(dst));
            f.set(k, i32(0));
            f.if(eq(get(sbk), i32(4)), () => {
              // Transposed B: columns past nc are zero vectors.
              for (let q = 0; q < 8; q++) f.set(cp[q], add(get(src), mul(get(sbn), i32(q))));
              f.while(le_s(add(get(k), i32(4)), get(kc)), () => {
                for (let half = 0; half < 2; half++) {
                  for (let q = 0; q < 4; q++)
                    f.if(
                      gt_s(get(cols), i32(4 * half + q)),
                      () => f.set(col[q], v128_load(get(cp[4 * half + q]))),
                      () => f.set(col[q], i32x4_const(0)),
                    );
                  transpose4(f, col, (kk, v) => f.do(v128_store(get(d), v, 32 * kk + 16 * half)));
                }
                for (let q = 0; q < 8; q++) bump(f, cp[q], 16);
                bump(f, d, 128);
                f.set(k, add(get(k), i32(4)));
              });
            });
            packScalar(f, d, get(src), get(k), get(kc), NR, cols, sbn, sbk);
            bump(f, dst, get(panelBytes));
            bump(f, src, mul(get(sbn), i32(NR)));
          }),
      );
    },
    false,
  );
}

/**
 * The widest block of B (columns) for which the micro-kernels read A where it lies instead of packing it:
 * packing pays for itself only when many B panels share the packed A (reading A in place for every
 * width measured 3-5% slower on 1024³ and on 2592x128x512).
 */
const DIRECT_COLUMNS = 256;

/** The blocked matmul over one job's share (rows [m0, m1), columns [n0, n1), batches [b0, b1)). */
function gemm(
  m: ModuleBuilder,
  o: CodegenOptions,
  kernels: MicroKernels & { columnStrip: number; rowStrip: number },
  pa: number,
  pb: number,
): number {
  const { ukr, ukrAcross, ukrEdge, ukrDirect, columnStrip, rowStrip } = kernels;
  return m.func('gemm', ['i32'], [], (f, pp) => {
    // Every field of the parameter block, in its layout's order (the locals' order).
    const p = paramWords(f, pp, GEMM);
    const { m0, m1, n0, n1, b0, b1, k: K, n: N, m: M, pA, pB, pC, sam, sak, sbk, sbn, sharedB } = p;
    const [aOff, bOff, Ap, Bp] = [p.aOffsets, p.bOffsets, p.packA, p.packB];
    f.if(ne(get(sharedB), i32(0)), () => f.set(Bp, get(sharedB)));
    const [b, jc, nc, pc, kc, ic, mc, jr, ir, aBase, bBase, mcMax, cBase, cp, cols, ldc, accum] = f.locals('i32', 17);
    const [c, tilesM, edgeRows, wholePanels, bPacked, bPrevious, direct] = f.locals('i32', 7);
    f.set(ldc, mul(get(N), i32(4)));
    // Whether a packed B can serve the next batch: one block of columns and of the inner dim.
    f.set(bPacked, and(le_s(get(K), i32(o.kc)), le_s(sub(get(n1), get(n0)), i32(o.nc))));
    f.set(bPrevious, i32(-1));
    f.for(b, get(b0), get(b1), 1, () => {
      f.set(aBase, add(get(pA), i32_load(add(get(aOff), mul(get(b), i32(4))))));
      f.set(bBase, add(get(pB), i32_load(add(get(bOff), mul(get(b), i32(4))))));
      f.set(cBase, add(get(pC), mul(mul(get(b), mul(get(M), get(N))), i32(4))));

      f.for(jc, get(n0), get(n1), o.nc, () => {
        f.set(nc, sub(get(n1), get(jc)));
        f.if(gt_s(get(nc), i32(o.nc)), () => f.set(nc, i32(o.nc)));
        f.for(pc, i32(0), get(K), o.kc, () => {
          f.set(kc, sub(get(K), get(pc)));
          f.if(gt_s(get(kc), i32(o.kc)), () => f.set(kc, i32(o.kc)));
          f.set(accum, gt_s(get(pc), i32(0)));
          // A B broadcast over the batch (a weight) packs once when one block holds all of it: the next
          // batch finds its panels still in the buffer.
          f.if(and(eqz(get(sharedB)), eqz(and(get(bPacked), eq(get(bBase), get(bPrevious))))), () =>
            f.do(
              call(
                pb,
                get(Bp),
                add(add(get(bBase), mul(get(pc), get(sbk))), mul(get(jc), get(sbn))),
                get(kc),
                get(nc),
                get(sbk),
                get(sbn),
              ),
            ),
          );
          f.set(bPrevious, get(bBase));
          // Rows per A block: the packed-A budget is mc·kc elements, so a short inner dim takes more rows
          // (fewer, larger blocks: each B panel serves more row tiles before it leaves the cache).
          f.set(mcMax, and(div_s(i32(o.mc * o.kc), get(kc)), i32(-MR)));
          f.for(ic, get(m0), get(m1), get(mcMax), () => {
            f.set(mc, sub(get(m1), get(ic)));
            f.if(gt_s(get(mc), get(mcMax)), () => f.set(mc, get(mcMax)));
            f.set(tilesM, div_s(get(mc), i32(MR)));
            f.set(wholePanels, div_s(get(nc), i32(NR)));
            f.set(edgeRows, sub(get(mc), mul(get(tilesM), i32(MR))));
            f.set(cols, sub(get(nc), mul(get(wholePanels), i32(NR))));
            f.set(cp, add(add(get(cBase), mul(get(ic), get(ldc))), mul(get(jc), i32(4))));
            /** A's element (row, pc) of this block, where it lies. */
            const aAt = (row: Expr) => add(add(get(aBase), mul(add(get(ic), row), get(sam))), mul(get(pc), get(sak)));
            const bPanel = (col: Expr) => add(get(Bp), mul(mul(col, get(kc)), i32(4)));
            const cAt = (row: Expr, col: Expr) => add(add(get(cp), mul(row, get(ldc))), mul(col, i32(4)));
            // A read where it lies (ukrDirect) when B has few panels to share a packed A, and no partial
            // column panel needs the column strip (which reads packed panels): only the last rows pack.
            f.set(
              direct,
              and(
                and(and(le_s(get(nc), i32(DIRECT_COLUMNS)), eq(get(sak), i32(4))), gt_s(get(tilesM), i32(0))),
                eqz(and(and(gt_s(get(cols), i32(0)), lt_s(get(cols), i32(4))), gt_s(get(mc), i32(7 * MR)))),
              ),
            );
            const packRows = (from: Expr, rows: Expr) =>
              f.do(call(pa, get(Ap), aAt(from), rows, get(kc), get(sam), get(sak)));
            f.if(
              get(direct),
              () => f.if(gt_s(get(edgeRows), i32(0)), () => packRows(mul(get(tilesM), i32(MR)), get(edgeRows))),
              () => packRows(i32(0), get(mc)),
            );
            const aPanel = (row: Expr) => add(get(Ap), mul(mul(row, get(kc)), i32(4)));
            // The packed panel of the last rows: the only one when A is read where it lies.
            const edgePanel = select(get(Ap), aPanel(mul(get(tilesM), i32(MR))), get(direct));
            /** The whole rows of the panel at column jr, its first `width` columns, A read where it lies. */
            const directPanel = (width: Expr) =>
              f.do(
                call(
                  ukrDirect,
                  get(kc),
                  aAt(i32(0)),
                  bPanel(get(jr)),
                  cAt(i32(0), get(jr)),
                  get(ldc),
                  get(accum),
                  get(tilesM),
                  get(sam),
                  get(sak),
                  width,
                ),
              );
            /** The last rows' partial tile of the panel at column jr, its first `width` columns. */
            const edgeTile = (width: Expr) =>
              f.do(
                call(
                  ukrEdge,
                  get(kc),
                  edgePanel,
                  bPanel(get(jr)),
                  cAt(mul(get(tilesM), i32(MR)), get(jr)),
                  get(ldc),
                  get(accum),
                  get(edgeRows),
                  width,
                ),
              );
            f.if(
              get(direct),
              () => {
                f.for(jr, i32(0), mul(get(wholePanels), i32(NR)), NR, () => directPanel(i32(NR)));
                f.set(jr, mul(get(wholePanels), i32(NR)));
                f.if(gt_s(get(cols), i32(0)), () => directPanel(get(cols)));
              },
              () =>
                // The whole tiles: down columns of tiles (BLIS order: a B panel stays in L1 while A streams
                // from L2), or along rows when C's rows are not 16-byte aligned and the packed B block fits
                // in L1: C is then written in storage order, which measured 3-7% faster for 81-wide attention.
                f.if(and(gt_s(get(tilesM), i32(0)), gt_s(get(wholePanels), i32(0))), () =>
                  f.if(
                    and(ne(and(get(ldc), i32(15)), i32(0)), le_s(mul(get(kc), get(nc)), i32(8192))),
                    () =>
                      f.for(ir, i32(0), mul(get(tilesM), i32(MR)), MR, () =>
                        f.do(
                          call(
                            ukrAcross,
                            get(kc),
                            aPanel(get(ir)),
                            get(Bp),
                            cAt(get(ir), i32(0)),
                            get(ldc),
                            get(accum),
                            get(wholePanels),
                          ),
                        ),
                      ),
                    () =>
                      f.for(jr, i32(0), mul(get(wholePanels), i32(NR)), NR, () =>
                        f.do(
                          call(
                            ukr,
                            get(kc),
                            get(Ap),
                            bPanel(get(jr)),
                            cAt(i32(0), get(jr)),
                            get(ldc),
                            get(accum),
                            get(tilesM),
                          ),
                        ),
                      ),
                  ),
                ),
            );
            // The last rows under the whole panels: one or two by the row strip (when there are panels
            // enough to fill its chains), else a partial tile per panel.
            f.if(and(gt_s(get(edgeRows), i32(0)), gt_s(get(wholePanels), i32(0))), () =>
              f.if(
                and(le_s(get(edgeRows), i32(2)), ge_s(get(wholePanels), i32(2))),
                () =>
                  f.do(
                    call(
                      rowStrip,
                      get(kc),
                      edgePanel,
                      get(edgeRows),
                      get(Bp),
                      get(wholePanels),
                      cAt(mul(get(tilesM), i32(MR)), i32(0)),
                      get(ldc),
                      get(accum),
                    ),
                  ),
                () => f.for(jr, i32(0), mul(get(wholePanels), i32(NR)), NR, () => edgeTile(i32(NR))),
              ),
            );
            // The partial column panel: 1-3 columns with enough rows column by column, vectorised over
            // the rows; otherwise partial tiles down the panel.
            f.set(jr, mul(get(wholePanels), i32(NR)));
            f.if(gt_s(get(cols), i32(0)), () =>
              f.if(
                get(direct),
                // The whole rows went through ukrDirect: the last rows' partial tile.
                () => f.if(gt_s(get(edgeRows), i32(0)), () => edgeTile(get(cols))),
                () =>
                  f.if(
                    and(lt_s(get(cols), i32(4)), gt_s(get(mc), i32(7 * MR))),
                    () =>
                      f.for(c, i32(0), get(cols), 1, () =>
                        f.do(
                          call(
                            columnStrip,
                            get(kc),
                            get(Ap),
                            get(mc),
                            add(bPanel(get(jr)), mul(get(c), i32(4))),
                            cAt(i32(0), add(get(jr), get(c))),
                            get(ldc),
                            get(accum),
                          ),
                        ),
                      ),
                    () =>
                      f.for(ir, i32(0), get(mc), MR, () =>
                        f.do(
                          call(
                            ukrEdge,
                            get(kc),
                            aPanel(get(ir)),
                            bPanel(get(jr)),
                            cAt(get(ir), get(jr)),
                            get(ldc),
                            get(accum),
                            sub(get(mc), get(ir)),
                            get(cols),
                          ),
                        ),
                      ),
                  ),
              ),
            );
          });
        });
      });
    });
  });
}

/**
 * A copy whose output rows run down the source's columns (a transpose of the last two axes): 4x4 blocks
 * loaded as four source rows and transposed in registers, then stored as four output rows. The generic
 * strided copy reads such a view one element at a time. The last rows and columns (m and n mod 4)
 * element by element.
 */
function transposeCopy(m: ModuleBuilder): void {
  m.func('transpose32', ['i32'], [], (f, pp) => {
    const { dst, src, batch, m: M, n: N, sb, sj } = paramWords(f, pp, TRANSPOSE);
    const [b, i, j, s, d, ldd, base] = f.locals('i32', 7);
    const rows = f.locals('v128', 4);
    f.set(ldd, mul(get(N), i32(4)));
    /** Output element (i, j) from the source, one at a time. */
    const one = (row: Expr, col: Expr) =>
      f.do(
        i32_store(
          add(get(d), add(mul(row, get(ldd)), mul(col, i32(4)))),
          i32_load(add(add(get(base), mul(row, i32(4))), mul(col, get(sj)))),
        ),
      );
    f.for(b, i32(0), get(batch), 1, () => {
      f.set(base, add(get(src), mul(get(b), get(sb))));
      f.set(d, add(get(dst), mul(mul(get(b), get(M)), get(ldd))));
      f.for(i, i32(0), and(get(M), i32(-4)), 4, () => {
        f.set(s, add(get(base), mul(get(i), i32(4))));
        f.for(j, i32(0), and(get(N), i32(-4)), 4, () => {
          for (let q = 0; q < 4; q++) f.set(rows[q], v128_load(add(get(s), mul(add(get(j), i32(q)), get(sj)))));
          transpose4(f, rows, (k, v) =>
            f.do(v128_store(add(get(d), add(mul(add(get(i), i32(k)), get(ldd)), mul(get(j), i32(4)))), v)),
          );
        });
        f.for(j, and(get(N), i32(-4)), get(N), 1, () => {
          for (let k = 0; k < 4; k++) one(add(get(i), i32(k)), get(j));
        });
      });
      f.for(i, and(get(M), i32(-4)), get(M), 1, () => f.for(j, i32(0), get(N), 1, () => one(get(i), get(j))));
    });
  });
}

// ---------------------------------------------------------------------------------------------

export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'max', 'min'];

export function generate(o: CodegenOptions): GeneratedModule {
  const m = new ModuleBuilder({
    module: 'env',
    name: 'memory',
    initialPages: 1,
    maximumPages: o.maximumPages,
    shared: o.shared,
  });
  const names: string[] = [];
  const kernels = { ...microKernels(m, o), columnStrip: columnStrip(m, o), rowStrip: rowStrip(m, o) };
  const pa = packA(m);
  const pb = packB(m);
  gemm(m, o, kernels, pa, pb);
  m.func('pack_b', ['i32'], [], (f, pp) => {
    const { dst, src, kc, nc, sbk, sbn } = paramWords(f, pp, PACK_B);
    f.do(call(pb, get(dst), get(src), get(kc), get(nc), get(sbk), get(sbn)));
  });
  names.push('gemm', 'pack_b');

  const elementwise = (name: string, sizes: readonly Size[], vop: (args: Local[]) => Expr, unroll?: number) => {
    stridedDriver(m, name, sizes.length, (f, ptrs, n, strides) =>
      elementwiseRow(f, ptrs, n, strides, sizes, LANES_32, vop, unroll),
    );
    names.push(name);
  };
  // Unary ops interleave more vectors: exp, log, tanh and the like are long dependent chains.
  for (const [op, vop] of Object.entries(unaryOps(o)))
    if (vop) elementwise(`unary_${op}`, [4, 4], ([x]) => vop(x), UNROLL);
  for (const [op, vop] of Object.entries(BINARY_OPS))
    if (vop) elementwise(`binary_${op}`, [4, 4, 4], ([a, b]) => vop(get(a), get(b)));
  for (const [op, vop] of Object.entries(INT_BINARY_OPS))
    if (vop) elementwise(`int32_${op}`, [4, 4, 4], ([a, b]) => vop(get(a), get(b)));
  // Comparisons give bools: the all-ones lanes of a vector compare, and 1.
  const one = i32x4_const(1);
  for (const [op, [fcmp, icmp]] of Object.entries(COMPARES)) {
    elementwise(`float32_${op}`, [1, 4, 4], ([a, b]) => v128_and(fcmp(get(a), get(b)), one));
    elementwise(`int32_${op}`, [1, 4, 4], ([a, b]) => v128_and(icmp(get(a), get(b)), one));
  }
  elementwise('bool_and', [1, 1, 1], ([a, b]) => v128_and(get(a), get(b)));
  elementwise('bool_or', [1, 1, 1], ([a, b]) => v128_or(get(a), get(b)));
  elementwise('bool_not', [1, 1], ([a]) => v128_xor(get(a), one));
  // where(cond, a, b) for 4-byte a and b (float32, int32): select the bits.
  elementwise('where4', [4, 1, 4, 4], ([c, a, b]) => v128_bitselect(get(a), get(b), i32x4_neg(get(c))));
  // Casts between bool, int32 and float32 (float32 to int32 wraps in the reference: not here).
  elementwise('cast_bool_float32', [4, 1], ([x]) => f32x4_convert_i32x4_s(get(x)));
  elementwise('cast_int32_float32', [4, 4], ([x]) => f32x4_convert_i32x4_s(get(x)));
  elementwise('cast_bool_int32', [4, 1], ([x]) => get(x));
  elementwise('cast_float32_bool', [1, 4], ([x]) => v128_and(f32x4_ne(get(x), f32x4_const(0)), one));
  elementwise('cast_int32_bool', [1, 4], ([x]) => v128_and(i32x4_ne(get(x), i32x4_const(0)), one));
  // float64: two-lane kernels for the arithmetic of the float64 losses, and where on 8-byte values.
  const elementwise64 = (name: string, sizes: readonly Size[], vop: (args: Local[]) => Expr) => {
    stridedDriver(m, name, sizes.length, (f, ptrs, n, strides) =>
      elementwiseRow(f, ptrs, n, strides, sizes, LANES_64, vop),
    );
    names.push(name);
  };
  for (const [op, vop] of Object.entries(F64_UNARY)) if (vop) elementwise64(`f64_unary_${op}`, [8, 8], ([x]) => vop(x));
  for (const [op, vop] of Object.entries(F64_BINARY))
    if (vop) elementwise64(`f64_binary_${op}`, [8, 8, 8], ([a, b]) => vop(get(a), get(b)));
  elementwise64('where8', [8, 1, 8, 8], ([c, a, b]) => v128_bitselect(get(a), get(b), get(c)));
  const one64 = i32x4_const(1, 0, 1, 0);
  for (const [op, cmp] of Object.entries(F64_COMPARES))
    elementwise64(`float64_${op}`, [1, 8, 8], ([a, b]) => v128_and(cmp(get(a), get(b)), one64));
  elementwise64('cast_float32_float64', [8, 4], ([x]) => f64x2_promote_low_f32x4(get(x)));
  elementwise64('cast_float64_float32', [4, 8], ([x]) => f32x4_demote_f64x2_zero(get(x)));
  for (const op of REDUCE_OPS) {
    stridedDriver(m, `reduce_${op}`, 2, (f, ptrs, n, strides) => reduceRow(f, ptrs, n, strides, op));
    names.push(`reduce_${op}`);
  }
  fusedKernels(m, o);
  names.push(...Object.values(FUSED_KERNELS), ADD_RMS_NORM_T_KERNEL, ADD_RMS_NORM_TT_KERNEL);
  transposeCopy(m);
  names.push('transpose32');
  indexedKernels(m);
  names.push(...INDEXED_KERNELS);
  for (const size of [1, 4, 8] as const) {
    stridedDriver(m, `copy${size}`, 2, (f, ptrs, n, strides) => copyRow(f, ptrs, n, strides, size));
    stridedDriver(m, `zero${size}`, 1, (f, ptrs, n, strides) => zeroRow(f, ptrs, n, strides, size));
    names.push(`copy${size}`, `zero${size}`);
  }
  return { bytes: m.build(), exports: names };
}
