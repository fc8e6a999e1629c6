/**
 * The one place where ops run: `apply` checks that the inputs are alive and on one backend, runs the
 * primitive's kernel (or derives its view), and records a tape node when a tape is tracking an input.
 * It also owns the two pieces of dynamic state: the active tapes, and the memory scopes.
 */
import { type Backend, contiguousView, currentBackend, type DType, isFloat, type View } from '@hrm/kernels';
import { DTypeError } from './errors.js';
import { type AnyTensor, assertLive, type Storage, type Tape, Tensor, type VjpRule, type Window } from './tensor.js';

/** What an op's shape rule decides before anything runs. */
export interface OutSpec {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly names: readonly (string | undefined)[];
}

interface PrimitiveBase<P> {
  readonly name: string;
  /** Absent for ops whose outputs are never differentiable (their outputs are int or bool). */
  readonly vjp?: VjpRule<P>;
  /**
   * For an op whose output is a window of its input along one axis (a slice), and whose `vjp` pads its
   * cotangent back to the input's shape (any extent along the axis): where the window starts. The
   * backward pass then joins the cotangents of windows that abut with one concat and pads once, instead
   * of padding each to the input's size and summing them (a layer that slices q, k and v out of one
   * product).
   */
  readonly window?: (params: P) => Window;
}

/** A primitive computed by a backend kernel into a fresh buffer. */
export interface KernelPrimitive<P = undefined> extends PrimitiveBase<P> {
  /** Runs the op on `backend` over the inputs' views and returns the new buffer, shaped as `out` says. */
  readonly kernel: (backend: Backend, inputs: readonly View[], params: P, out: OutSpec) => unknown;
}

/** A movement primitive: a new view (strides and offset) of its first input's buffer, no copy. */
export interface ViewPrimitive<P = undefined> extends PrimitiveBase<P> {
  /** The strides and offset into `input`'s buffer that present it with `out`'s shape. */
  readonly view: (input: View, params: P, out: OutSpec) => Pick<View, 'strides' | 'offset'>;
}

/** What `apply` runs: an op that computes a new buffer, or one that only re-views its input's. `P` is its parameters' type. */
export type Primitive<P = undefined> = KernelPrimitive<P> | ViewPrimitive<P>;

// ---------------------------------------------------------------------------------------------
// Tapes

let nextTapeId = 0;
/** Tapes that record now. `noGrad` swaps in an empty list; `vjp` pushes a fresh tape. */
let recording: Tape[] = [];
/** Tapes started and not yet stopped, recording or not (inside `noGrad` they pause). */
const liveTapes = new Set<Tape>();

/** Passes values through; used to link a tracked copy to its original on the enclosing tapes. */
const IDENTITY: ViewPrimitive = {
  name: 'identity',
  view: (x) => ({ strides: x.strides, offset: x.offset }),
  vjp: (ct) => [ct],
};

function identity(x: AnyTensor, extraTapes: readonly Tape[] = []): AnyTensor {
  return apply(IDENTITY, [x], undefined, { shape: x.view.shape, dtype: x.dtype, names: x.names }, extraTapes);
}

/**
 * @internal Starts a tape that tracks `inputs`; returns the tape and the tracked copies of the inputs.
 * Each copy is an identity of its input recorded on the enclosing tapes, so that gradients taken
 * later by those tapes flow through it (gradients of gradients).
 */
export function startTape<T extends AnyTensor>(inputs: readonly T[]): { tape: Tape; tracked: T[] } {
  const tape: Tape = { id: nextTapeId++, nodes: [], saved: new Set() };
  const tracked = inputs.map((x) => identity(x, [tape]) as T);
  recording = [...recording, tape];
  liveTapes.add(tape);
  return { tape, tracked };
}

/** @internal Stops `tape` recording. Its nodes stay readable for the backward pass. */
export function stopTape(tape: Tape): void {
  recording = recording.filter((t) => t !== tape);
  liveTapes.delete(tape);
}

/**
 * @internal A tensor equal to `x` that the (stopped) `tape` no longer tracks, still linked to `x` on
 * the enclosing tapes, so a finished tape is not kept alive by the values that leave it.
 */
export function untrack<T extends AnyTensor>(x: T, tape: Tape): T {
  return x.tapes.includes(tape) ? (identity(x) as T) : x;
}

/** The same values with no path back to anything: gradients stop here. */
export function stopGradient<T extends AnyTensor>(x: T): T {
  return x.tapes.length === 0 ? x : (share(x, []) as T);
}

/** Same as `stopGradient`. */
export const detach = stopGradient;

/**
 * Runs `fn` with recording paused for every tape active now: nothing computed inside is tracked, so
 * its results are constants to any enclosing gradient. A `grad` called inside still works (its own
 * tape starts inside the region). This is what HRM's one-step gradient runs its early steps in.
 */
export function noGrad<T>(fn: () => T): T {
  const saved = recording;
  recording = [];
  try {
    return fn();
  } finally {
    recording = saved;
  }
}

/**
 * @internal True when a recording tape tracks one of `xs`, so that an op on them now would be
 * differentiated. A gradient rule that runs a fused kernel with no rule of its own checks this first
 * and composes the same function from differentiable ops when it holds (gradients of gradients).
 */
export function isTracked(xs: readonly AnyTensor[]): boolean {
  return recording.some((tape) => xs.some((x) => x.tapes.includes(tape)));
}

/** True when an op applied now to a tracked tensor would be recorded. */
export function isRecording(): boolean {
  return recording.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Scopes: deterministic release of buffers (textures on GPU backends)

interface Scope {
  /** The tensors made in the scope and still owned by it (a set: the backward pass takes some out early). */
  readonly tensors: Set<AnyTensor>;
}

const scopes: Scope[] = [];

function savedByLiveTape(t: AnyTensor): boolean {
  for (const tape of liveTapes) if (tape.saved.has(t)) return true;
  return false;
}

function adopt(t: AnyTensor): void {
  t.storage.refs++;
  scopes[scopes.length - 1]?.tensors.add(t);
}

function release(t: AnyTensor): void {
  if (t.released) return;
  t.released = true;
  if (--t.storage.refs === 0) t.storage.backend.dispose(t.storage.buffer);
}

/**
 * Runs `fn` and then releases every tensor created inside it, except those in its result (a tensor
 * or any nesting of arrays and plain objects holding tensors) and those passed to `keep`. The
 * result's tensors belong to the enclosing scope. Synchronous by design: buffers freed here are
 * freed when `scope` returns, on every backend.
 */
export function scope<T>(fn: () => T): T {
  const s: Scope = { tensors: new Set() };
  scopes.push(s);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of s.tensors) release(t);
    throw e;
  }
  scopes.pop();
  const survivors = new Set<AnyTensor>();
  collectTensors(result, survivors);
  const parent = scopes[scopes.length - 1];
  for (const t of s.tensors) {
    // A tensor an outer, still-running tape refers to is needed by that tape's backward pass
    // (this is what nested gradients rely on): it moves out with the result.
    if (survivors.has(t) || savedByLiveTape(t)) parent?.tensors.add(t);
    else release(t);
  }
  return result;
}

/** Takes tensors out of every scope: they live until `dispose` (or, on CPU backends, garbage collection). */
export function keep<T>(value: T): T {
  const kept = new Set<AnyTensor>();
  collectTensors(value, kept);
  for (const s of scopes) for (const t of kept) s.tensors.delete(t);
  return value;
}

/**
 * @internal Releases `t` now when the innermost scope owns it (so it would be released when that scope
 * ends anyway: not kept, not a result that left a scope) and no live tape saved it; returns whether it
 * did. The backward pass uses it to free cotangents and activations once the tape no longer needs them.
 */
export function releaseEarly(t: AnyTensor): boolean {
  const s = scopes[scopes.length - 1];
  if (!s?.tensors.has(t) || savedByLiveTape(t)) return false;
  s.tensors.delete(t);
  release(t);
  return true;
}

/** Releases the tensors in `value` now. Using them afterwards is an error. */
export function dispose(value: unknown): void {
  const ts = new Set<AnyTensor>();
  collectTensors(value, ts);
  for (const t of ts) release(t);
}

/**
 * Releases the tensors `old` holds (a nest of arrays and plain objects) that `next` does not: the
 * previous state of a loop once the new one exists, where whatever carried over stays alive. What a
 * training loop calls after each step, so that its memory stays flat.
 */
export function disposeReplaced(old: unknown, next: unknown): void {
  const kept = new Set<AnyTensor>();
  collectTensors(next, kept);
  const held = new Set<AnyTensor>();
  collectTensors(old, held);
  for (const t of held) if (!kept.has(t)) release(t);
}

function collectTensors(value: unknown, into: Set<AnyTensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) collectTensors(v, into);
}

// ---------------------------------------------------------------------------------------------
// Making tensors and applying primitives

/** @internal Wraps a fresh backend buffer (owned by the new tensor). */
export function fromBuffer(backend: Backend, buffer: unknown, out: OutSpec): AnyTensor {
  const storage: Storage = { backend, buffer, refs: 0 };
  const t = new Tensor(storage, contiguousView(buffer, out.dtype, out.shape), out.names, []);
  adopt(t);
  return t;
}

function share(x: AnyTensor, tapes: readonly Tape[]): AnyTensor {
  assertLive(x, 'stopGradient');
  const t = new Tensor(x.storage, x.view, x.names, tapes);
  adopt(t);
  return t;
}

/** The backend that holds all of `inputs` (ops follow their data), or the current one for none. */
export function backendOf(op: string, inputs: readonly AnyTensor[]): Backend {
  if (inputs.length === 0) return currentBackend();
  const b = inputs[0].storage.backend;
  for (const x of inputs)
    if (x.storage.backend !== b)
      throw new Error(
        `${op}: inputs live on different backends (${b.name} and ${x.storage.backend.name}); move one with toBackend()`,
      );
  return b;
}

/**
 * @internal Runs a primitive on inputs whose shapes the caller has already checked into `out`.
 * `extraTapes` also track the result (how `startTape` seeds a new tape).
 */
export function apply<P>(
  prim: Primitive<P>,
  inputs: readonly AnyTensor[],
  params: P,
  out: OutSpec,
  extraTapes: readonly Tape[] = [],
): AnyTensor {
  for (const x of inputs) assertLive(x, prim.name);
  const backend = backendOf(prim.name, inputs);
  if (!backend.dtypes.includes(out.dtype))
    throw new DTypeError(prim.name, `backend ${backend.name} does not support ${out.dtype}`);

  // Record on every active tape that tracks an input, when the result can carry a gradient.
  const tapes =
    recording.length === 0 || !isFloat(out.dtype) || !prim.vjp
      ? []
      : recording.filter((tape) => inputs.some((x) => x.tapes.includes(tape)));
  const outTapes = extraTapes.length === 0 ? tapes : [...tapes, ...extraTapes];

  let result: AnyTensor;
  if ('kernel' in prim) {
    const buffer = prim.kernel(
      backend,
      inputs.map((x) => x.view),
      params,
      out,
    );
    const storage: Storage = { backend, buffer, refs: 0 };
    result = new Tensor(storage, contiguousView(buffer, out.dtype, out.shape), out.names, outTapes);
  } else {
    const base = inputs[0];
    const { strides, offset } = prim.view(base.view, params, out);
    const view: View = { buffer: base.storage.buffer, dtype: out.dtype, shape: out.shape, strides, offset };
    result = new Tensor(base.storage, view, out.names, outTapes);
  }
  adopt(result);
  if (tapes.length > 0) {
    const node = { primitive: prim as never, inputs, output: result, params };
    for (const tape of tapes) {
      tape.nodes.push(node);
      for (const x of inputs) tape.saved.add(x);
      tape.saved.add(result);
    }
  }
  return result;
}
