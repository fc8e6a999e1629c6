/**
 * Reverse mode: `vjp` runs a function on a fresh tape and returns its output with a pullback that
 * walks the tape backwards. The tape exists only for this call: it is stopped when `f` returns, the
 * outputs are untracked from it, and it is garbage once the pullback is dropped.
 */
import {
  type AnyTensor,
  add,
  formatShape,
  ShapeError,
  startTape,
  stopTape,
  type Tape,
  untrack,
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

/**
 * Walks `tape` from the last node back, accumulating cotangents from `seeds` (output -> cotangent).
 * Returns the cotangent of each tensor in `wanted` (zeros where nothing flowed).
 */
export function backward(
  tape: Tape,
  seeds: ReadonlyMap<AnyTensor, AnyTensor>,
  wanted: readonly AnyTensor[],
): AnyTensor[] {
  const cts = new Map<AnyTensor, AnyTensor>();
  const keep = new Set(wanted);
  const accumulate = (x: AnyTensor, g: AnyTensor, from: string): void => {
    if (g.rank !== x.rank || g.shape.some((d, i) => d !== x.shape[i]) || g.dtype !== x.dtype)
      throw new ShapeError(
        `${from} (gradient rule)`,
        `cotangent ${g.describe()} does not match its primal ${x.describe()}`,
      );
    const prev = cts.get(x);
    cts.set(x, prev ? add(prev, g) : g);
  };
  for (const [out, ct] of seeds) if (out.tapes.includes(tape)) accumulate(out, ct, 'vjp');
  for (let i = tape.nodes.length - 1; i >= 0; i--) {
    const node = tape.nodes[i];
    const ct = cts.get(node.output);
    if (!ct) continue;
    // Free the cotangent of an intermediate as soon as it has been pushed to the inputs.
    if (!keep.has(node.output)) cts.delete(node.output);
    const rule = node.primitive.vjp as unknown as
      | ((
          ct: AnyTensor,
          ctx: { inputs: readonly AnyTensor[]; output: AnyTensor; params: unknown },
        ) => readonly (AnyTensor | undefined)[])
      | undefined;
    if (!rule) throw new Error(`${node.primitive.name}: has no gradient rule but was recorded`);
    const inputCts = rule(ct, { inputs: node.inputs, output: node.output, params: node.params });
    node.inputs.forEach((x, j) => {
      const g = inputCts[j];
      if (g && x.tapes.includes(tape)) accumulate(x, g, node.primitive.name);
    });
  }
  return wanted.map((x) => cts.get(x) ?? zerosLike(x));
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
