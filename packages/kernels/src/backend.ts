import type { DType, TypedArray } from './dtype.js';
import type { View } from './view.js';

/** Elementwise functions of one argument. `not` is for bool; `floor`/`ceil`/`round` are not differentiable. */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'exp'
  | 'expm1'
  | 'log'
  | 'log1p'
  | 'sqrt'
  | 'rsqrt'
  | 'reciprocal'
  | 'square'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'silu'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'not';

/** Arithmetic of two arguments of the same dtype; the result has that dtype. */
export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'atan2' | 'mod';
/** Comparisons: the result is bool. */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
/** Logic on bool arguments. */
export type LogicOp = 'and' | 'or';
/** Every elementwise function of two arguments: arithmetic, comparison or logic. */
export type BinaryOp = ArithmeticOp | CompareOp | LogicOp;

/** Reductions over a set of axes; the result keeps the input's dtype. */
export type ReduceOp = 'sum' | 'max' | 'min';
/** Reductions to the int32 index of the first largest (`argmax`) or smallest (`argmin`) element along one axis. */
export type ArgReduceOp = 'argmax' | 'argmin';

/** The `CompareOp`s as a runtime list, for kernels that must tell a bool-valued op from arithmetic. */
export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

/** A backend's buffer accounting, as `memory()` reports it: live buffers, their bytes, and the bytes' high-water mark. */
export interface MemoryStats {
  readonly liveBuffers: number;
  readonly liveBytes: number;
  readonly peakBytes: number;
}

/** The constants of one step of the Adam family on a parameter (see `FusedKernels.adamStep`). */
export interface AdamStepConstants {
  /** 1 - beta1: the first moment moves this far toward the gradient. */
  readonly rate1: number;
  /** 1 - beta2: the second moment moves this far toward the gradient's square. */
  readonly rate2: number;
  /** L2 weight decay (Adam's): `l2·p` is added to the gradient first; 0 for none. */
  readonly l2: number;
  /** Decoupled weight decay (AdamW's, AdamATan2's): the parameter is scaled by this, `1 - lr·wd`; 1 for none. */
  readonly decay: number;
  /** The step size, `lr / (1 - beta1^t)`. */
  readonly step: number;
  /** The second moment's bias correction, `1 / sqrt(1 - beta2^t)`, applied to `sqrt(v)`. */
  readonly vScale: number;
  /** The direction: `atan2(m, sqrt(v)·vScale)` (AdamATan2) or `m / (sqrt(v)·vScale + eps)` (Adam). */
  readonly atan2: boolean;
  readonly eps: number;
}

/**
 * Kernels for the chains of elementwise work that dominate a training step, each one pass over memory
 * where the ops it replaces would take several. All work along the last axis of float views (any
 * strides) and return a fresh contiguous buffer of the input's dtype. Each is the exact function named
 * (up to float rounding), so `@hrm/core` can compose the same thing from primitives where a backend
 * has none, and the op suite checks both ways against one float64 reference.
 */
export interface FusedKernels<B = unknown> {
  /** `exp(x - m) / sum(exp(x - m))` along the last axis, `m` the row's maximum (0 where that is infinite). */
  softmax(x: View<B>): B;
  /** Softmax's VJP from its output `y` and the cotangent `g`: `y * (g - sum(g * y))` along the last axis. */
  softmaxVjp(y: View<B>, g: View<B>): B;
  /** `x / sqrt(mean(x²) + eps)` along the last axis. */
  rmsNorm(x: View<B>, eps: number): B;
  /**
   * RMSNorm of a sum, `rmsNorm(x + y)` (`x`, `y` one shape): a post-norm residual, `norm(x + f(x))`, in one
   * pass over both instead of the sum written out and read back.
   */
  addRmsNorm(x: View<B>, y: View<B>, eps: number): B;
  /**
   * `addRmsNorm` along the axis before the last (the last two axes of x, y and the result in one layout);
   * optional: without it the core normalises transposed views and hands on a transposed result.
   */
  addRmsNormColumns?(x: View<B>, y: View<B>, eps: number): B;
  /** RMSNorm's VJP from its input `x` and the cotangent `g`: `r·g - r³·x·mean(g·x)`, `r = 1/sqrt(mean(x²) + eps)`. */
  rmsNormVjp(x: View<B>, g: View<B>, eps: number): B;
  /** SwiGLU's activation, `[..., 2F] -> [..., F]`: `silu(x[..., :F]) * x[..., F:]`. */
  gatedSilu(x: View<B>): B;
  /** Its VJP, `[..., 2F]`: the gradients of the gate half, then of the up half, for the cotangent `g` (`[..., F]`). */
  gatedSiluVjp(x: View<B>, g: View<B>): B;
  /**
   * One step of the Adam family on parameter `p` with gradient `g` and moments `m`, `v` (all one shape),
   * as `[3, ...shape]`: the new parameter, first moment and second moment. With `c` the constants and
   * `g' = g + c.l2·p`: `m' = m + c.rate1·(g' - m)`, `v' = v + c.rate2·(g'² - v)`, `p' = c.decay·p -
   * c.step·direction(m', sqrt(v')·c.vScale)`. Not differentiable: an optimiser's update.
   */
  adamStep(p: View<B>, g: View<B>, m: View<B>, v: View<B>, c: AdamStepConstants): B;
}

/**
 * What a compute backend provides: buffers, and kernels over strided views of them.
 *
 * The contract, which every backend keeps and the shared op suite checks:
 * - Kernels read `View`s (any strides, including 0 for broadcast and non-contiguous transposes) and
 *   return a fresh, contiguous, row-major buffer. They never write into an input.
 * - Shapes and dtypes arrive already checked and aligned by `@hrm/core`: binary inputs have equal
 *   shapes (broadcast dims carry stride 0), matmul batch dims are equal, axes are non-negative.
 *   Kernels do not re-validate them; they do check data-dependent things (gather indices).
 * - Integer semantics: int32 arithmetic wraps; `div` is floor division and `mod` takes the divisor's
 *   sign (as Python's `//` and `%`); integer division by zero gives 0.
 * - A buffer is released only through `dispose`; reading or computing from a disposed buffer throws.
 *
 * `B` is the backend's buffer handle: a typed array on CPU backends, a texture for gpu.js.
 */
export interface Backend<B = unknown> {
  readonly name: string;
  /** The dtypes this backend can hold. */
  readonly dtypes: readonly DType[];

  /** A new buffer holding a copy of `data`, whose element type must match `dtype`. */
  upload(data: TypedArray, dtype: DType): B;
  /** The elements of `x` in row-major order, copied into a new host array. */
  read(x: View<B>): TypedArray;
  /**
   * The same without blocking, for backends whose device can only answer asynchronously (WebGPU,
   * where `read` works only for values the host already holds). Optional: where absent, `read`.
   */
  readAsync?(x: View<B>): Promise<TypedArray>;
  /** Frees the buffer now. Using it afterwards is an error. */
  dispose(buffer: B): void;
  /** Buffers allocated and not yet disposed (for leak tests). */
  liveBuffers(): number;
  /** Bytes held by live buffers, and their high-water mark since the last `resetPeak` (for memory benchmarks). */
  memory?(): MemoryStats;
  /** Starts a new high-water mark for `memory()`: the peak becomes the bytes live now. */
  resetPeak?(): void;

  /** A new buffer of `size` elements of `dtype`, each `value` (any non-zero value is `true` for bool). */
  fill(size: number, dtype: DType, value: number): B;
  /** `op` applied to each element of `x`; the result has `x`'s dtype. */
  unary(op: UnaryOp, x: View<B>): B;
  /** `op` applied to `a` and `b` elementwise; the result has their dtype, or bool for a `CompareOp`. */
  binary(op: BinaryOp, a: View<B>, b: View<B>): B;
  /** `cond ? a : b` elementwise; all three have the output's shape. */
  where(cond: View<B>, a: View<B>, b: View<B>): B;
  /** `x` converted to `dtype`: to int32 rounds toward zero, to bool tests for non-zero. */
  cast(x: View<B>, dtype: DType): B;
  /** The view materialised as a contiguous buffer. */
  copy(x: View<B>): B;
  /** Reduces over `axes` (sorted, distinct); the output shape drops those axes. */
  reduce(op: ReduceOp, x: View<B>, axes: readonly number[]): B;
  /** Index (int32) of the first extreme element along `axis`; the output drops that axis. */
  argReduce(op: ArgReduceOp, x: View<B>, axis: number): B;
  /** `[...batch, M, K] @ [...batch, K, N] -> [...batch, M, N]`; transposed operands arrive as strides. */
  matmul(a: View<B>, b: View<B>): B;
  /** Joins views that agree on every axis but `axis`. */
  concat(xs: readonly View<B>[], axis: number): B;
  /** Zero padding: `widths[i] = [before, after]` for axis i. */
  pad(x: View<B>, widths: readonly (readonly [number, number])[]): B;
  /** numpy `take`: out shape is `x.shape[:axis] + indices.shape + x.shape[axis+1:]`. */
  gather(x: View<B>, indices: View<B>, axis: number): B;
  /** The adjoint of gather: a zero buffer of `outShape`, with each update added at its index along `axis`. */
  scatterAdd(updates: View<B>, indices: View<B>, axis: number, outShape: readonly number[]): B;
  /** Optional single-pass kernels; where absent, `@hrm/core` composes the same functions from the kernels above. */
  readonly fused?: FusedKernels<B>;
}
