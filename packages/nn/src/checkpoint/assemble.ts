/**
 * From a file's decoded tensors to trees: which tensors each tree needs (from a template, or from the
 * skeleton stored in the file), every mismatch reported by name, and tensors made only once all is well.
 */
import { type AnyTensor, dispose, formatShape, fromArray } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import type { DecodedTensor } from './safetensors.js';
import { rebuildTree, type Skeleton, skeletonPaths } from './structure.js';

/** One tree of a checkpoint; its tensors are named `<prefix>.<leaf path>` (just `<prefix>` for a lone tensor). */
export interface Part {
  readonly prefix: string;
  readonly skeleton: Skeleton;
  /** The template's tensor at each leaf path, when the tree is checked against a template. */
  readonly template?: ReadonlyMap<string, AnyTensor> | undefined;
}

export function tensorName(prefix: string, path: string): string {
  return path === '' ? prefix : `${prefix}.${path}`;
}

function describe(x: DecodedTensor): string {
  const stored = x.storedAs === 'F32' || x.storedAs === 'F64' || x.storedAs === 'I32' ? '' : ` stored as ${x.storedAs}`;
  return `${x.dtype}${formatShape(x.shape)}${stored}`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function find(tensors: Readonly<Record<string, DecodedTensor>>, name: string): DecodedTensor | undefined {
  return Object.hasOwn(tensors, name) ? tensors[name] : undefined;
}

/** Every missing, unexpected, wrongly shaped or wrongly typed tensor, by name. Empty when all is well. */
export function checkTensors(parts: readonly Part[], tensors: Readonly<Record<string, DecodedTensor>>): string[] {
  const problems: string[] = [];
  const wanted = new Set<string>();
  for (const { prefix, skeleton, template } of parts)
    for (const path of skeletonPaths(skeleton)) {
      const name = tensorName(prefix, path);
      wanted.add(name);
      const found = find(tensors, name);
      const want = template?.get(path);
      if (found === undefined)
        problems.push(
          `missing tensor '${name}' (${want ? `the template has ${want.describe()}` : 'listed in the stored tree structure'})`,
        );
      else if (want !== undefined) {
        if (found.dtype !== want.dtype)
          problems.push(`tensor '${name}' is ${describe(found)} in the file, but the template has ${want.dtype}`);
        if (!sameShape(found.shape, want.shape))
          problems.push(
            `tensor '${name}' has shape ${formatShape(found.shape)} in the file, but the template has ${formatShape(want.shape)}`,
          );
      }
    }
  for (const [name, x] of Object.entries(tensors)) {
    if (wanted.has(name)) continue;
    const part = parts.find((p) => name === p.prefix || name.startsWith(`${p.prefix}.`));
    const reason = part
      ? `not in ${part.template ? 'the template' : 'the stored tree structure'}`
      : `not part of any tree here (${parts.map((p) => `${p.prefix}.*`).join(', ')})`;
    problems.push(`unexpected tensor '${name}' (${describe(x)}): ${reason}`);
  }
  return problems;
}

/** One tensor on the current backend, with the template's dim names where there is a template. */
function makeTensor(x: DecodedTensor, template: AnyTensor | undefined): E.Either<Error, AnyTensor> {
  const opts = { dtype: x.dtype, allowNonFinite: true };
  if (template === undefined) return fromArray(x.data, x.shape, opts);
  const shape = x.shape.map((d, i) => template.names[i] ?? d);
  const dims = Object.fromEntries(
    x.shape.flatMap((d, i) => (template.names[i] === undefined ? [] : [[template.names[i], d]])),
  );
  return fromArray(x.data, shape, { ...opts, dims });
}

/**
 * The trees of `parts`, built from `tensors` (which must have passed `checkTensors`). All or nothing: if
 * any tensor cannot be made, those already made are released.
 */
export function assembleTrees(
  parts: readonly Part[],
  tensors: Readonly<Record<string, DecodedTensor>>,
): E.Either<string, unknown[]> {
  const made = new Map<string, AnyTensor>();
  for (const { prefix, skeleton, template } of parts)
    for (const path of skeletonPaths(skeleton)) {
      const name = tensorName(prefix, path);
      const x = find(tensors, name);
      const tensor = x === undefined ? E.left(new Error('not in the file')) : makeTensor(x, template?.get(path));
      if (E.isLeft(tensor)) {
        dispose([...made.values()]);
        return E.left(`tensor '${name}': ${tensor.left.message}`);
      }
      made.set(name, tensor.right);
    }
  return E.right(
    parts.map(({ prefix, skeleton }) =>
      rebuildTree(skeleton, (path) => made.get(tensorName(prefix, path)) as AnyTensor),
    ),
  );
}
