/**
 * A small typed WebAssembly binary emitter: enough of the format to write numeric kernels from
 * TypeScript, with no dependencies. Kernels are generated at run time (microseconds), so they can be
 * specialised freely (tile sizes, fused multiply-add or not, one loop per elementwise op).
 *
 * Code is written as expressions: an `Expr` is a function that emits the instructions pushing one
 * value (or nothing, for statements) onto the wasm stack. `fn.set(x, add(get(a), i32(4)))` emits
 * `local.get a; i32.const 4; i32.add; local.set x`. Structured control flow takes callbacks and
 * hands them labels, so branch depths are computed, never written by hand.
 *
 * `lockstep` interleaves independent copies of straight-line code statement by statement. V8 does not
 * reorder wasm instructions, and a long dependent chain (exp's polynomial, say) leaves the CPU idle
 * while it waits on each result unless other work sits beside it in program order.
 */

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** Emits code that leaves its value (if any) on the stack. */
export type Expr = (f: FunctionBuilder) => void;

export interface Label {
  readonly level: number;
}

function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  if (value < 0 || value > 0xffffffff || !Number.isInteger(value)) throw new RangeError(`uleb: ${value}`);
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(out: number[], value: number): void {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 32 - 1) throw new RangeError(`sleb: ${value}`);
  let v = value | 0; // wraps 2^31..2^32-1 to negative, as i32.const expects
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

const scratch = new DataView(new ArrayBuffer(8));

/** What `lockstep` records of the copy being emitted. */
interface Interleaving {
  /** The control depth of the copies' top level: statements nested deeper stay with their enclosing one. */
  readonly depth: number;
  /** Code offsets where a top-level statement ends, the stack empty. */
  readonly ends: number[];
  /** The locals the copy writes. */
  readonly writes: Set<number>;
}

/** One function body under construction. */
export class FunctionBuilder {
  readonly params: readonly Local[];
  private readonly localTypes: ValType[] = [];
  readonly code: number[] = [];
  private depth = 0;
  /** Values the enclosing expressions have pushed and not yet consumed: zero at a statement's start. */
  private held = 0;
  private interleaving: Interleaving | undefined;

  constructor(
    readonly name: string,
    readonly paramTypes: readonly ValType[],
    readonly resultTypes: readonly ValType[],
  ) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  /** A fresh local of `type` (zero-initialised, as wasm guarantees). */
  local(type: ValType): Local {
    this.localTypes.push(type);
    return { index: this.paramTypes.length + this.localTypes.length - 1, type };
  }

  locals(type: ValType, n: number): Local[] {
    return Array.from({ length: n }, () => this.local(type));
  }

  byte(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  u32(v: number): this {
    uleb(this.code, v);
    return this;
  }

  s32(v: number): this {
    sleb(this.code, v);
    return this;
  }

  /** A SIMD-prefixed instruction. */
  simd(op: number): this {
    this.code.push(0xfd);
    uleb(this.code, op);
    return this;
  }

  /** Runs each expression in turn (statements, or values left for the next instruction). */
  do(...exprs: Expr[]): this {
    return this.operands(exprs);
  }

  /**
   * Emits the operands of one instruction in turn: while one is emitted, the values of those before
   * it wait on the stack (every expression taking operands goes through here, so that `lockstep`
   * knows where statements end).
   */
  operands(args: readonly Expr[]): this {
    for (let i = 0; i < args.length; i++) {
      this.held += i;
      args[i](this);
      this.held -= i;
    }
    return this;
  }

  set(l: Local, value: Expr): this {
    value(this);
    this.byte(0x21).u32(l.index);
    this.interleaving?.writes.add(l.index);
    return this.statementEnd();
  }

  /** Marks the end of a statement (a local or memory written, nothing left on the stack by it). */
  statementEnd(): this {
    const il = this.interleaving;
    if (il && this.held === 0 && this.depth === il.depth) il.ends.push(this.code.length);
    return this;
  }

  /** Notes a write of `l` inside an expression (`local.tee`). */
  wrote(l: Local): this {
    this.interleaving?.writes.add(l.index);
    return this;
  }

  /**
   * Emits `body(0)`, ..., `body(copies - 1)` interleaved: the first statement of each copy, then the
   * second of each, and so on. The copies must be independent: each writes only its own locals (a
   * local written by two copies throws) and memory the others do not read. A statement ends where a
   * local or memory is written with nothing left on the stack; control flow inside a copy stays whole
   * with the statements around it.
   */
  lockstep(copies: number, body: (copy: number) => void): this {
    if (this.interleaving) throw new Error(`${this.name}: lockstep inside lockstep`);
    const start = this.code.length;
    const streams: number[][][] = [];
    const writer = new Map<number, number>();
    try {
      for (let copy = 0; copy < copies; copy++) {
        const from = this.code.length;
        const il: Interleaving = { depth: this.depth, ends: [], writes: new Set() };
        this.interleaving = il;
        body(copy);
        const chunks: number[][] = [];
        let at = from;
        for (const end of [...il.ends, this.code.length]) {
          if (end > at) chunks.push(this.code.slice(at, end));
          at = end;
        }
        streams.push(chunks);
        for (const l of il.writes) {
          const other = writer.get(l);
          if (other !== undefined)
            throw new Error(`${this.name}: lockstep copies ${other} and ${copy} both write local ${l}`);
          writer.set(l, copy);
        }
      }
    } finally {
      this.interleaving = undefined;
    }
    this.code.length = start;
    const longest = Math.max(0, ...streams.map((s) => s.length));
    for (let i = 0; i < longest; i++) for (const s of streams) if (i < s.length) this.code.push(...s[i]);
    return this;
  }

  // Structured control flow -------------------------------------------------------------------

  private structured(opcode: number, body: (label: Label) => void, result?: ValType): this {
    this.byte(opcode, result ? VALTYPE[result] : 0x40);
    this.depth++;
    body({ level: this.depth });
    this.depth--;
    return this.byte(0x0b);
  }

  block(body: (exit: Label) => void, result?: ValType): this {
    return this.structured(0x02, body, result);
  }

  loop(body: (top: Label) => void): this {
    return this.structured(0x03, body);
  }

  if(cond: Expr, then: () => void, otherwise?: () => void): this {
    cond(this);
    this.byte(0x04, 0x40);
    this.depth++;
    then();
    if (otherwise) {
      this.byte(0x05);
      otherwise();
    }
    this.depth--;
    return this.byte(0x0b);
  }

  br(label: Label): this {
    return this.byte(0x0c).u32(this.depth - label.level);
  }

  brIf(label: Label, cond: Expr): this {
    cond(this);
    return this.byte(0x0d).u32(this.depth - label.level);
  }

  /** `for (i = from; i < to; i += step) body()`, signed i32 compare; `to` is evaluated each pass. */
  for(i: Local, from: Expr, to: Expr, step: number | Expr, body: () => void): this {
    this.set(i, from);
    return this.block((exit) =>
      this.loop((top) => {
        this.brIf(exit, ge_s(get(i), to));
        body();
        this.set(i, add(get(i), typeof step === 'number' ? i32(step) : step));
        this.br(top);
      }),
    );
  }

  /** `while (cond) body()`. */
  while(cond: Expr, body: () => void): this {
    return this.block((exit) =>
      this.loop((top) => {
        this.brIf(exit, eqz(cond));
        body();
        this.br(top);
      }),
    );
  }

  ret(value?: Expr): this {
    value?.(this);
    return this.byte(0x0f);
  }

  /** The body as the code section encodes it: local declarations (run-length), code, end. */
  encodeBody(): number[] {
    const runs: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const body: number[] = [];
    uleb(body, runs.length);
    for (const [n, t] of runs) {
      uleb(body, n);
      body.push(VALTYPE[t]);
    }
    for (const b of this.code) body.push(b);
    body.push(0x0b);
    const out: number[] = [];
    uleb(out, body.length);
    for (const b of body) out.push(b);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Expressions

const op =
  (...bytes: number[]) =>
  (...args: Expr[]): Expr =>
  (f) => {
    f.operands(args);
    f.byte(...bytes);
  };

const simdOp =
  (code: number) =>
  (...args: Expr[]): Expr =>
  (f) => {
    f.operands(args);
    f.simd(code);
  };

export const get =
  (l: Local): Expr =>
  (f) =>
    f.byte(0x20).u32(l.index);
export const tee =
  (l: Local, v: Expr): Expr =>
  (f) => {
    v(f);
    f.byte(0x22).u32(l.index).wrote(l);
  };
export const i32 =
  (v: number): Expr =>
  (f) =>
    f.byte(0x41).s32(v);
export const f32 =
  (v: number): Expr =>
  (f) => {
    scratch.setFloat32(0, v, true);
    f.byte(0x43, scratch.getUint8(0), scratch.getUint8(1), scratch.getUint8(2), scratch.getUint8(3));
  };
export const f64 =
  (v: number): Expr =>
  (f) => {
    scratch.setFloat64(0, v, true);
    f.byte(0x44);
    for (let i = 0; i < 8; i++) f.byte(scratch.getUint8(i));
  };
/** Calls function `index` of the module (see `ModuleBuilder.func`). */
export const call =
  (index: number, ...args: Expr[]): Expr =>
  (f) => {
    f.operands(args);
    f.byte(0x10).u32(index);
  };
export const select = (a: Expr, b: Expr, cond: Expr): Expr => op(0x1b)(a, b, cond);
export const drop = (v: Expr): Expr => op(0x1a)(v);

// i32
export const eqz = op(0x45);
export const eq = op(0x46);
export const ne = op(0x47);
export const lt_s = op(0x48);
export const lt_u = op(0x49);
export const gt_s = op(0x4a);
export const gt_u = op(0x4b);
export const le_s = op(0x4c);
export const ge_s = op(0x4e);
export const add = op(0x6a);
export const sub = op(0x6b);
export const mul = op(0x6c);
export const div_s = op(0x6d);
export const rem_s = op(0x6f);
export const and = op(0x71);
export const or = op(0x72);
export const xor = op(0x73);
export const shl = op(0x74);
export const shr_s = op(0x75);
export const shr_u = op(0x76);
export const min_s = (a: Expr, b: Expr): Expr => {
  // select(a, b, a < b) evaluates both; fine for locals and constants.
  return select(a, b, lt_s(a, b));
};

/** Memory access: `offset` is the static memarg offset in bytes. */
const memarg = (f: FunctionBuilder, align: number, offset: number) => f.u32(align).u32(offset);
const load =
  (opcode: number, align: number) =>
  (addr: Expr, offset = 0): Expr =>
  (f) => {
    addr(f);
    f.byte(opcode);
    memarg(f, align, offset);
  };
const store =
  (opcode: number, align: number) =>
  (addr: Expr, value: Expr, offset = 0): Expr =>
  (f) => {
    f.operands([addr, value]);
    f.byte(opcode);
    memarg(f, align, offset);
    f.statementEnd();
  };
export const i32_load = load(0x28, 2);
export const f32_load = load(0x2a, 2);
export const f64_load = load(0x2b, 3);
export const i32_load8_u = load(0x2d, 0);
export const i32_store = store(0x36, 2);
export const f32_store = store(0x38, 2);
export const f64_store = store(0x39, 3);
export const i32_store8 = store(0x3a, 0);
/** Bulk memory (0xFC prefix): `memory.copy` (overlapping ranges allowed) and `memory.fill`, on memory 0. */
const bulk =
  (code: number, ...immediates: number[]) =>
  (...args: Expr[]): Expr =>
  (f) => {
    f.operands(args);
    f.byte(0xfc)
      .u32(code)
      .byte(...immediates);
    f.statementEnd();
  };
/** Copies `n` bytes from `src` to `dst`. */
export const memory_copy: (dst: Expr, src: Expr, n: Expr) => Expr = bulk(10, 0, 0);
/** Sets `n` bytes from `dst` on to the low byte of `value`. */
export const memory_fill: (dst: Expr, value: Expr, n: Expr) => Expr = bulk(11, 0);
/** Atomically adds `value` to the i32 at `addr` (shared memory), returning the old value. */
export const i32_atomic_rmw_add =
  (addr: Expr, value: Expr, offset = 0): Expr =>
  (f) => {
    f.operands([addr, value]);
    f.byte(0xfe, 0x1e);
    memarg(f, 2, offset);
  };

// f32 scalar
export const f32_eq = op(0x5b);
export const f32_ne = op(0x5c);
export const f32_lt = op(0x5d);
export const f32_gt = op(0x5e);
export const f32_le = op(0x5f);
export const f32_ge = op(0x60);
export const f32_abs = op(0x8b);
export const f32_neg = op(0x8c);
export const f32_ceil = op(0x8d);
export const f32_floor = op(0x8e);
export const f32_nearest = op(0x90);
export const f32_sqrt = op(0x91);
export const f32_add = op(0x92);
export const f32_sub = op(0x93);
export const f32_mul = op(0x94);
export const f32_div = op(0x95);
export const f32_min = op(0x96);
export const f32_max = op(0x97);
export const f32_convert_i32_s = op(0xb2);
export const i32_reinterpret_f32 = op(0xbc);
export const f32_reinterpret_i32 = op(0xbe);
export const f64_add = op(0xa0);
export const f64_promote_f32 = op(0xbb);
export const f32_demote_f64 = op(0xb6);

// v128
const simdLoad =
  (code: number, align: number) =>
  (addr: Expr, offset = 0): Expr =>
  (f) => {
    addr(f);
    f.simd(code);
    memarg(f, align, offset);
  };
export const v128_load = simdLoad(0x00, 4);
export const v128_load16_splat = simdLoad(0x08, 1);
export const v128_load64_splat = simdLoad(0x0a, 3);
export const v128_load32_splat = simdLoad(0x09, 2);
export const v128_load32_zero = simdLoad(0x5c, 2);
export const v128_load64_zero = simdLoad(0x5d, 3);
export const v128_store =
  (addr: Expr, value: Expr, offset = 0): Expr =>
  (f) => {
    f.operands([addr, value]);
    f.simd(0x0b);
    memarg(f, 4, offset);
    f.statementEnd();
  };
/** v128.storeN_lane: stores lane `lane` of the vector seen as lanes of 2^align bytes. */
const storeLane =
  (code: number, align: number) =>
  (addr: Expr, value: Expr, lane: number, offset = 0): Expr =>
  (f) => {
    f.operands([addr, value]);
    f.simd(code);
    memarg(f, align, offset);
    f.byte(lane);
    f.statementEnd();
  };
export const v128_store16_lane = storeLane(0x59, 1);
export const v128_store32_lane = storeLane(0x5a, 2);
export const v128_store64_lane = storeLane(0x5b, 3);
export const f32x4_const =
  (a: number, b = a, c = a, d = a): Expr =>
  (f) => {
    f.simd(0x0c);
    for (const v of [a, b, c, d]) {
      scratch.setFloat32(0, v, true);
      f.byte(scratch.getUint8(0), scratch.getUint8(1), scratch.getUint8(2), scratch.getUint8(3));
    }
  };
export const i32x4_const =
  (a: number, b = a, c = a, d = a): Expr =>
  (f) => {
    f.simd(0x0c);
    for (const v of [a, b, c, d]) {
      scratch.setInt32(0, v, true);
      f.byte(scratch.getUint8(0), scratch.getUint8(1), scratch.getUint8(2), scratch.getUint8(3));
    }
  };
export const i8x16_shuffle =
  (a: Expr, b: Expr, lanes: readonly number[]): Expr =>
  (f) => {
    f.operands([a, b]);
    f.simd(0x0d);
    for (const l of lanes) f.byte(l);
  };
/** Shuffle of 32-bit lanes: indices 0..3 pick from a, 4..7 from b. */
export const shuffle32 = (a: Expr, b: Expr, lanes: readonly [number, number, number, number]): Expr =>
  i8x16_shuffle(
    a,
    b,
    lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
  );
export const i8x16_splat = simdOp(0x0f);
export const i32x4_splat = simdOp(0x11);
export const f32x4_splat = simdOp(0x13);
export const f32x4_extract_lane =
  (v: Expr, lane: number): Expr =>
  (f) => {
    v(f);
    f.simd(0x1f).byte(lane);
  };
export const i32x4_extract_lane =
  (v: Expr, lane: number): Expr =>
  (f) => {
    v(f);
    f.simd(0x1b).byte(lane);
  };
export const i32x4_eq = simdOp(0x37);
export const i32x4_ne = simdOp(0x38);
export const i32x4_lt_s = simdOp(0x39);
export const i32x4_gt_s = simdOp(0x3b);
export const i32x4_le_s = simdOp(0x3d);
export const i32x4_ge_s = simdOp(0x3f);
export const f32x4_eq = simdOp(0x41);
export const f32x4_ne = simdOp(0x42);
export const f32x4_lt = simdOp(0x43);
export const f32x4_gt = simdOp(0x44);
export const f32x4_le = simdOp(0x45);
export const f32x4_ge = simdOp(0x46);
export const v128_not = simdOp(0x4d);
export const v128_and = simdOp(0x4e);
export const v128_andnot = simdOp(0x4f);
export const v128_or = simdOp(0x50);
export const v128_xor = simdOp(0x51);
/** Bits of `a` where `mask` is set, else of `b`. */
export const v128_bitselect = simdOp(0x52);
export const f32x4_ceil = simdOp(0x67);
export const f32x4_floor = simdOp(0x68);
export const f32x4_trunc = simdOp(0x69);
export const f32x4_nearest = simdOp(0x6a);
export const i32x4_shl = simdOp(0xab);
export const i32x4_shr_s = simdOp(0xac);
export const i32x4_shr_u = simdOp(0xad);
export const i32x4_add = simdOp(0xae);
export const i32x4_sub = simdOp(0xb1);
export const i32x4_mul = simdOp(0xb5);
export const i32x4_min_s = simdOp(0xb6);
export const i32x4_max_s = simdOp(0xb8);
export const i32x4_neg = simdOp(0xa1);
export const i8x16_neg = simdOp(0x61);
export const f64x2_eq = simdOp(0x47);
export const f64x2_ne = simdOp(0x48);
export const f64x2_lt = simdOp(0x49);
export const f64x2_gt = simdOp(0x4a);
export const f64x2_le = simdOp(0x4b);
export const f64x2_ge = simdOp(0x4c);
/** float64 lanes to the low two float32 lanes (the high two zero). */
export const f32x4_demote_f64x2_zero = simdOp(0x5e);
/** The low two float32 lanes to float64. */
export const f64x2_promote_low_f32x4 = simdOp(0x5f);
export const f64x2_abs = simdOp(0xec);
export const f64x2_neg = simdOp(0xed);
export const f64x2_sqrt = simdOp(0xef);
export const f64x2_add = simdOp(0xf0);
export const f64x2_sub = simdOp(0xf1);
export const f64x2_mul = simdOp(0xf2);
export const f64x2_div = simdOp(0xf3);
export const f64x2_min = simdOp(0xf4);
export const f64x2_max = simdOp(0xf5);
export const f64x2_const =
  (a: number, b = a): Expr =>
  (f) => {
    f.simd(0x0c);
    for (const v of [a, b]) {
      scratch.setFloat64(0, v, true);
      for (let i = 0; i < 8; i++) f.byte(scratch.getUint8(i));
    }
  };
export const f32x4_abs = simdOp(0xe0);
export const f32x4_neg = simdOp(0xe1);
export const f32x4_sqrt = simdOp(0xe3);
export const f32x4_add = simdOp(0xe4);
export const f32x4_sub = simdOp(0xe5);
export const f32x4_mul = simdOp(0xe6);
export const f32x4_div = simdOp(0xe7);
export const f32x4_min = simdOp(0xe8);
export const f32x4_max = simdOp(0xe9);
/** Pseudo-min/max: `b < a ? b : a` and `a < b ? b : a`, one instruction each (min/max are NaN-exact, and slow). */
export const f32x4_pmin = simdOp(0xea);
export const f32x4_pmax = simdOp(0xeb);
export const i32x4_trunc_sat_f32x4_s = simdOp(0xf8);
export const f32x4_convert_i32x4_s = simdOp(0xfa);
/** Relaxed SIMD: `a * b + c`, fused where the hardware can. */
export const f32x4_relaxed_madd = simdOp(0x105);

// ---------------------------------------------------------------------------------------------
// Modules

export interface MemoryImport {
  readonly module: string;
  readonly name: string;
  readonly initialPages: number;
  readonly maximumPages: number;
  readonly shared: boolean;
}

/** A module that imports one memory and defines functions, all exported under their names. */
export class ModuleBuilder {
  private readonly functions: FunctionBuilder[] = [];
  private readonly exported = new Set<number>();

  constructor(private readonly memory: MemoryImport) {}

  /**
   * Declares a function and returns its index (so that others can `call` it, including itself);
   * `body` runs at once with the builder and the parameters.
   */
  func(
    name: string,
    params: readonly ValType[],
    results: readonly ValType[],
    body: (f: FunctionBuilder, ...params: Local[]) => void,
    exported = true,
  ): number {
    const f = new FunctionBuilder(name, params, results);
    const index = this.functions.length;
    this.functions.push(f);
    if (exported) this.exported.add(index);
    body(f, ...f.params);
    return index;
  }

  build(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, content: number[]) => {
      out.push(id);
      uleb(out, content.length);
      for (const b of content) out.push(b);
    };
    const vec = (items: number[][]): number[] => {
      const v: number[] = [];
      uleb(v, items.length);
      for (const it of items) for (const b of it) v.push(b);
      return v;
    };
    const name = (s: string): number[] => {
      const bytes = [...new TextEncoder().encode(s)];
      const v: number[] = [];
      uleb(v, bytes.length);
      return [...v, ...bytes];
    };

    // Types, deduplicated.
    const typeKeys: string[] = [];
    const typeOf = this.functions.map((f) => {
      const key = `${f.paramTypes.join(',')}>${f.resultTypes.join(',')}`;
      let i = typeKeys.indexOf(key);
      if (i < 0) i = typeKeys.push(key) - 1;
      return i;
    });
    section(
      1,
      vec(
        typeKeys.map((key) => {
          const [p, r] = key.split('>').map((s) => (s ? (s.split(',') as ValType[]) : []));
          const t = [0x60];
          uleb(t, p.length);
          for (const v of p) t.push(VALTYPE[v]);
          uleb(t, r.length);
          for (const v of r) t.push(VALTYPE[v]);
          return t;
        }),
      ),
    );

    // Import the memory.
    const m = this.memory;
    const limits: number[] = [m.shared ? 0x03 : 0x01];
    uleb(limits, m.initialPages);
    uleb(limits, m.maximumPages);
    section(2, vec([[...name(m.module), ...name(m.name), 0x02, ...limits]]));

    section(
      3,
      vec(
        typeOf.map((t) => {
          const v: number[] = [];
          uleb(v, t);
          return v;
        }),
      ),
    );

    section(
      7,
      vec(
        [...this.exported].map((i) => {
          const v = [...name(this.functions[i].name), 0x00];
          uleb(v, i);
          return v;
        }),
      ),
    );

    section(10, vec(this.functions.map((f) => f.encodeBody())));
    return new Uint8Array(out);
  }
}
