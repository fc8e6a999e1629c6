/**
 * Reverse mode: `vjp` runs a function on a fresh tape and returns its output with a pullback that
 * walks the tape backwards. The tape exists only for this call: it is stopped when `f` returns, the
 * outputs are untracked from it, and it is garbage once the pullback is dropped.
 */
import {
  type AnyTensor,
  add,
  concat,
  formatShape,
  releaseEarly,
  ShapeError,
  scope,
  startTape,
  stopTape,
  type Tape,
  untrack,
  type Window,
  zerosLike,
} from '@hrm/core';
import { leaves, type Tree, unflatten } from './tree.js';

function requireFloatLeaves(op: string, tree: unknown): AnyTensor[] {
  return leaves(tree).map(({ path, value }) => {
    if (value.dtype !== 'float32' && value.dtype !== 'float64')
      throw new TypeError(
        `${op}: input '${path || '(root)'}' is ${value.describe()}; only float tensors can be differentiated`,
      );
    return value;
  });
}

/** Options of `backward`. */
export interface BackwardOptions {
  /**
   * Free each activation (a tensor the tape saved) once the walk has passed the last node that needs it,
   * except these. Only for a tape walked once (`grad`, `valueAndGrad`): a `vjp` pullback may be called
   * again and needs them all.
   */
  readonly releaseActivationsExcept?: ReadonlySet<AnyTensor>;
}

/** For each tensor a tape's nodes refer to, the index of the first (earliest) node that refers to it. */
function firstUses(tape: Tape): Map<AnyTensor, number> {
  const first = new Map<AnyTensor, number>();
  tape.nodes.forEach((node, i) => {
    for (const t of [...node.inputs, node.output]) if (!first.has(t)) first.set(t, i);
  });
  return first;
}

/**
 * Walks `tape` from the last node back, accumulating cotangents from `seeds` (output -> cotangent).
 * Returns the cotangent of each tensor in `wanted` (zeros where nothing flowed).
 *
 * Memory is freed as the walk goes (what `releaseEarly` allows: tensors of the current scope that no
 * live tape saved): each rule's temporaries when the rule returns, each cotangent once it has been
 * pushed to the inputs and no other entry holds it, and, with `releaseActivationsExcept`, each saved
 * activation after its earliest node. A step's peak is then the forward's activations plus a few
 * cotangents, not the forward plus every cotangent and temporary of the backward.
 */
export function backward(
  tape: Tape,
  seeds: ReadonlyMap<AnyTensor, AnyTensor>,
  wanted: readonly AnyTensor[],
  opts: BackwardOptions = {},
): AnyTensor[] {
  const cts = new Map<AnyTensor, AnyTensor>();
  const keep = new Set(wanted);
  // How many entries of `cts` hold each cotangent: a rule may give one tensor to several inputs.
  const holders = new Map<AnyTensor, number>();
  // Never freed here: what the caller passed in, and anything the forward pass made.
  const protectedCts = new Set<AnyTensor>(seeds.values());
  const hold = (g: AnyTensor) => holders.set(g, (holders.get(g) ?? 0) + 1);
  const letGo = (g: AnyTensor) => {
    const n = (holders.get(g) ?? 1) - 1;
    if (n > 0) holders.set(g, n);
    else {
      holders.delete(g);
      if (!protectedCts.has(g) && !tape.saved.has(g)) releaseEarly(g);
    }
  };
  const accumulate = (x: AnyTensor, g: AnyTensor, from: string): void => {
    if (g.rank !== x.rank || g.shape.some((d, i) => d !== x.shape[i]) || g.dtype !== x.dtype)
      throw new ShapeError(
        `${from} (gradient rule)`,
        `cotangent ${g.describe()} does not match its primal ${x.describe()}`,
      );
    const prev = cts.get(x);
    const next = prev ? add(prev, g) : g;
    cts.set(x, next);
    hold(next);
    if (prev) letGo(prev);
  };
  // Cotangents of windows (slices) of a tensor, held until that tensor's own cotangent is wanted: then
  // the windows that abut are joined by one concat and padded once (see `joinWindows`).
  const windows = new Map<AnyTensor, WindowCotangent[]>();
  const joinWindowsOf = (x: AnyTensor): void => {
    const list = windows.get(x);
    if (!list) return;
    windows.delete(x);
    accumulate(
      x,
      scope(() => joinWindows(list)),
      'slice',
    );
    for (const w of list) letGo(w.ct);
  };
  const activations = opts.releaseActivationsExcept;
  const firstUse = activations ? firstUses(tape) : undefined;
  const releaseActivations = (i: number) => {
    if (!activations || !firstUse) return;
    for (const t of [...tape.nodes[i].inputs, tape.nodes[i].output])
      if (firstUse.get(t) === i && !activations.has(t) && !keep.has(t)) releaseEarly(t);
  };
  for (const [out, ct] of seeds) if (out.tapes.includes(tape)) accumulate(out, ct, 'vjp');
  for (let i = tape.nodes.length - 1; i >= 0; i--) {
    const node = tape.nodes[i];
    joinWindowsOf(node.output);
    const ct = cts.get(node.output);
    if (ct) {
      // The cotangent of an intermediate is done with once it has been pushed to the inputs.
      const done = !keep.has(node.output);
      if (done) cts.delete(node.output);
      const rule = node.primitive.vjp as unknown as Rule | undefined;
      if (!rule) throw new Error(`${node.primitive.name}: has no gradient rule but was recorded`);
      const ctx = { inputs: node.inputs, output: node.output, params: node.params };
      const window = node.primitive.window as ((params: unknown) => Window) | undefined;
      const x = node.inputs[0];
      if (window && x.tapes.includes(tape)) {
        // Held (the hold `cts` had, or one more where the output is wanted) until x's cotangent is joined.
        if (!done) hold(ct);
        const list = windows.get(x) ?? [];
        list.push({ ...window(node.params), ct, rule, ctx });
        windows.set(x, list);
        releaseActivations(i);
        continue;
      }
      // The rule's temporaries go when it returns; only the input cotangents leave its scope.
      const inputCts = scope(() => rule(ct, ctx));
      node.inputs.forEach((x, j) => {
        const g = inputCts[j];
        if (g && x.tapes.includes(tape)) accumulate(x, g, node.primitive.name);
      });
      // Cotangents the rule gave but nothing holds (summed into another, or for an untracked input).
      for (const g of new Set(inputCts))
        if (g && !holders.has(g) && !protectedCts.has(g) && !tape.saved.has(g)) releaseEarly(g);
      if (done) letGo(ct);
    }
    releaseActivations(i);
  }
  for (const x of wanted) joinWindowsOf(x);
  // Windows of a tensor whose cotangent nobody wants (an input left out of `wanted`).
  for (const list of windows.values()) for (const w of list) letGo(w.ct);
  return wanted.map((x) => cts.get(x) ?? zerosLike(x));
}

type Rule = (
  ct: AnyTensor,
  ctx: { inputs: readonly AnyTensor[]; output: AnyTensor; params: unknown },
) => readonly (AnyTensor | undefined)[];

/** The cotangent of a window of a tensor, with the rule (and its context) that pads it back. */
interface WindowCotangent extends Window {
  readonly ct: AnyTensor;
  readonly rule: Rule;
  readonly ctx: Parameters<Rule>[1];
}

/**
 * The sum of windows' cotangents, padded to their tensor's shape: windows along one axis that abut
 * (q, k and v sliced from one product) are joined by one concat and padded once, by the first one's
 * rule; the rest (gaps, overlaps, other axes) are padded apart and summed, as their rules would.
 */
function joinWindows(list: readonly WindowCotangent[]): AnyTensor {
  const sorted = [...list].sort((a, b) => a.axis - b.axis || a.start - b.start);
  const runs: WindowCotangent[][] = [];
  for (const w of sorted) {
    const run = runs.at(-1);
    const last = run?.at(-1);
    if (run && last && last.axis === w.axis && last.start + last.ct.shape[w.axis] === w.start) run.push(w);
    else runs.push([w]);
  }
  const padded = runs.map((run) => {
    const [first] = run;
    const ct = run.length === 1 ? first.ct : concat(run.map((w) => w.ct) as [AnyTensor, ...AnyTensor[]], first.axis);
    return first.rule(ct, first.ctx)[0] as AnyTensor;
  });
  return padded.reduce((a, b) => add(a, b));
}

/** What `vjp` returns: the function's output and its pullback. */
export interface VjpResult<O> {
  /** f's output (a tensor or a tree of them), no longer tracked by this call's tape. */
  readonly out: O;
  /** Cotangents of the inputs given a cotangent of the output (same structure and shapes as each). */
  readonly pullback: (ct: O) => AnyTensor[];
}

/**
 * Runs `f` on `primals` (tensors), recording, and returns the output and a pullback from output
 * cotangents to input cotangents. Call the pullback within the same `scope` as `vjp`.
 */
export function vjp<const P extends readonly AnyTensor[], O extends Tree>(
  f: (...primals: P) => O,
  ...primals: P
): VjpResult<O> {
  requireFloatLeaves('vjp', [...primals]);
  const { tape, tracked } = startTape(primals);
  let out: O;
  try {
    out = f(...(tracked as unknown as P));
  } finally {
    stopTape(tape);
  }
  const outLeaves = leaves(out).map((l) => l.value);
  const pullback = (ct: O): AnyTensor[] => {
    const ctLeaves = leaves(ct).map((l) => l.value);
    if (ctLeaves.length !== outLeaves.length)
      throw new TypeError(`vjp: the cotangent has ${ctLeaves.length} leaves, the output ${outLeaves.length}`);
    const seeds = new Map<AnyTensor, AnyTensor>();
    outLeaves.forEach((o, i) => {
      const c = ctLeaves[i];
      if (c.rank !== o.rank || c.shape.some((d, k) => d !== o.shape[k]))
        throw new ShapeError(
          'vjp',
          `cotangent ${formatShape(c.shape, c.names)} does not match output ${formatShape(o.shape, o.names)}`,
        );
      seeds.set(o, seeds.has(o) ? add(seeds.get(o) as AnyTensor, c) : c);
    });
    return backward(tape, seeds, tracked);
  };
  return {
    out: unflatten(
      out,
      outLeaves.map((o) => untrack(o, tape)),
    ),
    pullback,
  };
}
