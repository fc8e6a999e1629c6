/**
 * Pytrees: nested arrays and plain objects whose leaves are tensors (parameters, gradients, optimiser
 * state). Every function here keeps the structure and visits leaves in one fixed order (arrays by
 * index, objects by key), so trees of the same structure line up leaf by leaf.
 */
import { type AnyTensor, Tensor } from '@hrm/core';

/** A tree of tensors. */
export type Tree = AnyTensor | readonly Tree[] | { readonly [key: string]: Tree };

/** One tensor of a tree, with its dotted path from the root (`layers.0.w`), as `leaves` lists them. */
export interface Leaf {
  readonly path: string;
  readonly value: AnyTensor;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype;
}

/** The leaves of a tree with their paths (`layers.0.w`), in a fixed order. Throws on a non-tensor leaf. */
export function leaves(tree: unknown, prefix = ''): Leaf[] {
  const out: Leaf[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node instanceof Tensor) out.push({ path, value: node });
    else if (Array.isArray(node)) for (const [i, v] of node.entries()) walk(v, path === '' ? `${i}` : `${path}.${i}`);
    else if (isPlainObject(node))
      for (const k of Object.keys(node).sort()) walk(node[k], path === '' ? k : `${path}.${k}`);
    else throw new TypeError(`tree leaf at '${path || '(root)'}' is ${describe(node)}, not a tensor`);
  };
  walk(tree, prefix);
  return out;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return `an instance of ${x.constructor?.name ?? 'an unknown class'}`;
  return `a ${typeof x}`;
}

/** A tree of the same structure with each leaf replaced by `f(leaf, ...the leaves at the same place in others)`. */
export function treeMap<T>(f: (x: AnyTensor, ...rest: AnyTensor[]) => AnyTensor, tree: T, ...others: unknown[]): T {
  const otherLeaves = others.map((o) => leaves(o));
  const mine = leaves(tree);
  for (const [i, o] of otherLeaves.entries())
    if (o.length !== mine.length || o.some((l, j) => l.path !== mine[j].path))
      throw new TypeError(
        `treeMap: tree ${i + 1} does not have the structure of the first (${mine.length} leaves vs ${o.length})`,
      );
  return unflatten(
    tree,
    mine.map((l, j) => f(l.value, ...otherLeaves.map((o) => o[j].value))),
  );
}

/** The tree with its leaves replaced, in `leaves` order. */
export function unflatten<T>(tree: T, values: readonly AnyTensor[]): T {
  let i = 0;
  const build = (node: unknown): unknown => {
    if (node instanceof Tensor) return values[i++];
    if (Array.isArray(node)) return node.map(build);
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(node).sort()) out[k] = build(node[k]);
      return out;
    }
    throw new TypeError(`unflatten: ${describe(node)} is not a tree node`);
  };
  const result = build(tree) as T;
  if (i !== values.length) throw new TypeError(`unflatten: ${values.length} values for ${i} leaves`);
  return result;
}

/**
 * `value` with every tensor in it replaced by `f(tensor)`, anything else (numbers, strings) kept:
 * for auxiliary outputs, which may mix tensors and plain values.
 */
export function mapTensors<T>(value: T, f: (x: AnyTensor) => AnyTensor): T {
  const go = (node: unknown): unknown => {
    if (node instanceof Tensor) return f(node);
    if (Array.isArray(node)) return node.map(go);
    if (isPlainObject(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, go(v)]));
    return node;
  };
  return go(value) as T;
}
