/**
 * The structure of a tree of tensors, kept apart from its leaves: a skeleton is the tree with `null` where
 * each tensor goes. Stored in a checkpoint, it rebuilds the tree without a template, with arrays still
 * arrays and empty nodes kept (neither survives in leaf names alone). Paths follow @hrm/autodiff's
 * `leaves`: array indices and sorted object keys joined by dots (`layers.0.w`).
 */
import { type AnyTensor, Tensor } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

export type Skeleton = null | readonly Skeleton[] | { readonly [key: string]: Skeleton };

/** Where `u` stops being a skeleton, if anywhere (one message, where a union codec would give three). */
function notSkeleton(u: unknown, path: string): string | undefined {
  if (u === null) return undefined;
  const children = Array.isArray(u) ? u.entries() : t.UnknownRecord.is(u) ? Object.entries(u) : undefined;
  if (children === undefined)
    return `${path || '(root)'}: expected null (a tensor), an array or an object, got ${JSON.stringify(u)}`;
  for (const [k, child] of children) {
    const found = notSkeleton(child, joinPath(path, k));
    if (found !== undefined) return found;
  }
  return undefined;
}

export const SkeletonCodec = new t.Type<Skeleton, Skeleton, unknown>(
  'Skeleton',
  (u): u is Skeleton => notSkeleton(u, '') === undefined,
  (u, c) => {
    const problem = notSkeleton(u, '');
    return problem === undefined ? t.success(u as Skeleton) : t.failure(u, c, problem);
  },
  t.identity,
);

export interface TreeLeaf {
  readonly path: string;
  readonly value: AnyTensor;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype;
}

function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return `an instance of ${x.constructor?.name ?? 'an unknown class'}`;
  return `a ${typeof x}`;
}

export function joinPath(path: string, key: string | number): string {
  return path === '' ? `${key}` : `${path}.${key}`;
}

/** The skeleton and the leaves (in `leaves` order) of a tree, or the path of a leaf that is not a tensor. */
export function flattenTree(tree: unknown): E.Either<string, { skeleton: Skeleton; leaves: TreeLeaf[] }> {
  const leaves: TreeLeaf[] = [];
  // Returns the node's skeleton, or (a string) why the tree is not a tree of tensors.
  const walk = (node: unknown, path: string): Skeleton | string => {
    if (node instanceof Tensor) {
      leaves.push({ path, value: node });
      return null;
    }
    const entries: [string | number, unknown][] | undefined = Array.isArray(node)
      ? [...node.entries()]
      : isPlainObject(node)
        ? Object.keys(node)
            .sort()
            .map((k) => [k, node[k]])
        : undefined;
    if (entries === undefined) return `tree leaf at '${path || '(root)'}' is ${describeValue(node)}, not a tensor`;
    const children: [string | number, Skeleton][] = [];
    for (const [k, child] of entries) {
      const s = walk(child, joinPath(path, k));
      if (typeof s === 'string') return s;
      children.push([k, s]);
    }
    return Array.isArray(node) ? children.map(([, s]) => s) : Object.fromEntries(children);
  };
  const skeleton = walk(tree, '');
  return typeof skeleton === 'string' ? E.left(skeleton) : E.right({ skeleton, leaves });
}

function isList(node: Exclude<Skeleton, null>): node is readonly Skeleton[] {
  return Array.isArray(node);
}

/** A node's children with their keys, in `leaves` order. */
function childrenOf(node: Exclude<Skeleton, null>): [string | number, Skeleton][] {
  return isList(node)
    ? [...node.entries()]
    : Object.keys(node)
        .sort()
        .map((k) => [k, node[k]]);
}

/** The leaf paths of a skeleton, in `leaves` order. */
export function skeletonPaths(skeleton: Skeleton, path = ''): string[] {
  if (skeleton === null) return [path];
  return childrenOf(skeleton).flatMap(([k, s]) => skeletonPaths(s, joinPath(path, k)));
}

/** The tree a skeleton describes, with the tensor at each leaf path from `leafAt`. */
export function rebuildTree(skeleton: Skeleton, leafAt: (path: string) => AnyTensor, path = ''): unknown {
  if (skeleton === null) return leafAt(path);
  const children = childrenOf(skeleton).map(([k, s]) => [k, rebuildTree(s, leafAt, joinPath(path, k))] as const);
  // fromEntries, not assignment: a key `__proto__` must stay a key.
  return isList(skeleton) ? children.map(([, v]) => v) : Object.fromEntries(children);
}
