/**
 * A training checkpoint as one safetensors file: the parameter tree as tensors `params.<leaf path>`, the
 * optimiser-state tree (if any) as `opt.<leaf path>`, and in `__metadata__` the step, the RNG key, the
 * config and the skeleton of each tree (see metadata.ts). This module works on bytes, so it runs in the
 * browser; files.ts adds atomic writes and reads on Node.
 */
import type { Tree } from '@hrm/autodiff';
import type { AnyTensor, Key } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { assembleTrees, checkTensors, type Part, tensorName } from './assemble.js';
import { CheckpointError } from './errors.js';
import { nonFiniteProblem } from './finite.js';
import { decodeMetadata, encodeMetadata, type Json } from './metadata.js';
import { concatChunks, decodeSafetensors, planSafetensors, type SafetensorsPlan } from './safetensors.js';
import { flattenTree, type Skeleton } from './structure.js';

/** Everything a training run saves to resume: parameters, optimiser state, step, RNG key and configuration. */
export interface Checkpoint<P = Tree, O = Tree> {
  readonly params: P;
  /** Optimiser state (moments, counts...), a tree of tensors like the parameters. */
  readonly optState?: O | undefined;
  /** Training steps taken. */
  readonly step: number;
  /** The RNG key to continue from. */
  readonly key: Key;
  /** The run's configuration, as plain JSON. */
  readonly config: Json;
}

/**
 * The expected contents of a checkpoint, e.g. freshly initialised parameters: the loaded trees take its
 * structure and dim names, and each tensor must match its dtype and shape. Leaving out `optState` loads
 * whatever optimiser state the file has, by its stored structure.
 */
export interface CheckpointTemplate<P = Tree, O = Tree> {
  readonly params: P;
  readonly optState?: O | undefined;
}

/**
 * Checks a checkpoint and lays out its file. Float tensors holding NaN or ±Infinity are refused unless
 * `allowNonFinite` (reading each tensor once more, which costs far less than losing a good checkpoint).
 */
export function planCheckpoint<P, O>(
  ckpt: Checkpoint<P, O>,
  source: string,
  options: { readonly allowNonFinite?: boolean } = {},
): E.Either<CheckpointError, SafetensorsPlan> {
  const problems: string[] = [];
  const tensors = new Map<string, AnyTensor>();
  const skeletonOf = (prefix: string, tree: unknown): Skeleton | undefined => {
    const flat = flattenTree(tree);
    if (E.isLeft(flat)) {
      problems.push(`${prefix}: ${flat.left}`);
      return undefined;
    }
    for (const { path, value } of flat.right.leaves) {
      const name = tensorName(prefix, path);
      // Paths join keys with dots, so a key `a.b` and a nested `a: { b }` would share one name.
      if (tensors.has(name)) problems.push(`two leaves are both stored as '${name}' (a key containing '.'?)`);
      tensors.set(name, value);
    }
    return flat.right.skeleton;
  };
  const paramsTree = skeletonOf('params', ckpt.params);
  const optTree = ckpt.optState === undefined ? undefined : skeletonOf('opt', ckpt.optState);
  const metadata = encodeMetadata({
    step: ckpt.step,
    key: ckpt.key,
    config: ckpt.config,
    paramsTree: paramsTree ?? null,
    optTree,
  });
  if (E.isLeft(metadata)) problems.push(...metadata.left);
  if (options.allowNonFinite !== true)
    for (const [name, x] of tensors) {
      const problem = nonFiniteProblem(name, x.dtype, () => x.data(), 'save');
      if (problem !== undefined) problems.push(problem);
    }
  if (problems.length > 0 || E.isLeft(metadata)) return E.left(new CheckpointError(source, problems));
  return planSafetensors(Object.fromEntries(tensors), metadata.right, source);
}

/**
 * The checkpoint as safetensors bytes (for the browser, or to send elsewhere). Float tensors holding NaN
 * or ±Infinity are refused, each named with its count, unless `allowNonFinite`.
 */
export function checkpointToBytes<P, O>(
  ckpt: Checkpoint<P, O>,
  options: { readonly allowNonFinite?: boolean } = {},
): E.Either<CheckpointError, Uint8Array> {
  return E.map(concatChunks)(planCheckpoint(ckpt, 'checkpoint', options));
}

/** The template's trees as parts, or what is wrong with them. */
function templateParts(template: CheckpointTemplate<unknown, unknown>, problems: string[]): Part[] {
  const part = (prefix: string, tree: unknown): Part[] => {
    const flat = flattenTree(tree);
    if (E.isLeft(flat)) {
      problems.push(`template ${prefix}: ${flat.left}`);
      return [];
    }
    return [
      { prefix, skeleton: flat.right.skeleton, template: new Map(flat.right.leaves.map((l) => [l.path, l.value])) },
    ];
  };
  return [
    ...part('params', template.params),
    ...(template.optState === undefined ? [] : part('opt', template.optState)),
  ];
}

/**
 * The checkpoint in `bytes`, or a CheckpointError (naming `source`) with every problem: a corrupt file,
 * bad metadata, float tensors holding NaN or ±Infinity (unless `allowNonFinite`), and, against a
 * template, every missing, unexpected, misshapen or mistyped tensor. Tensors are made on the current
 * backend, and only when nothing is wrong.
 */
export function checkpointFromBytes(
  bytes: Uint8Array,
  template?: undefined,
  source?: string,
  options?: { readonly allowNonFinite?: boolean },
): E.Either<CheckpointError, Checkpoint>;
export function checkpointFromBytes<P, O = Tree>(
  bytes: Uint8Array,
  template: CheckpointTemplate<P, O>,
  source?: string,
  options?: { readonly allowNonFinite?: boolean },
): E.Either<CheckpointError, Checkpoint<P, O>>;
export function checkpointFromBytes(
  bytes: Uint8Array,
  template?: CheckpointTemplate<unknown, unknown>,
  source = 'checkpoint',
  options: { readonly allowNonFinite?: boolean } = {},
): E.Either<CheckpointError, Checkpoint<unknown, unknown>> {
  const file = decodeSafetensors(bytes, source);
  if (E.isLeft(file)) return file;
  const state = decodeMetadata(file.right.metadata);
  if (E.isLeft(state)) return E.left(new CheckpointError(source, state.left));
  const { paramsTree, optTree, step, key, config } = state.right;

  const templateProblems: string[] = [];
  const parts: Part[] = template
    ? templateParts(template, templateProblems)
    : [{ prefix: 'params', skeleton: paramsTree }];
  if (templateProblems.length > 0) return E.left(new CheckpointError(source, templateProblems));
  // Without a template for it, optimiser state is rebuilt from the structure stored with it.
  if (template?.optState === undefined && optTree !== undefined) parts.push({ prefix: 'opt', skeleton: optTree });
  const problems = checkTensors(parts, file.right.tensors);
  if (options.allowNonFinite !== true)
    for (const name of Object.keys(file.right.tensors).sort()) {
      const x = file.right.tensors[name];
      const problem = nonFiniteProblem(name, x.dtype, () => x.data, 'load');
      if (problem !== undefined) problems.push(problem);
    }
  if (problems.length > 0) return E.left(new CheckpointError(source, problems));

  const trees = assembleTrees(parts, file.right.tensors);
  if (E.isLeft(trees)) return E.left(new CheckpointError(source, [trees.left]));
  const [params, optState] = trees.right;
  return E.right({ params, optState, step, key, config });
}
