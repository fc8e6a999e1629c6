/** Checkpoints on disk (Node only): atomic saves, and loads that check everything before returning. */
import * as fs from 'node:fs';
import type { Tree } from '@hrm/autodiff';
import * as E from 'fp-ts/lib/Either.js';
import { writeFileAtomic } from './atomic-write.js';
import { type Checkpoint, type CheckpointTemplate, checkpointFromBytes, planCheckpoint } from './checkpoint.js';
import { CheckpointError } from './errors.js';

/**
 * Writes `ckpt` to `path` as one safetensors file, atomically: until the new file is complete and on disk,
 * `path` still holds the previous checkpoint (if any). Float tensors holding NaN or ±Infinity are refused
 * (the previous checkpoint stays) unless `allowNonFinite`.
 */
export function saveCheckpoint<P, O>(
  path: string,
  ckpt: Checkpoint<P, O>,
  options: { readonly allowNonFinite?: boolean } = {},
): E.Either<CheckpointError, void> {
  const plan = planCheckpoint(ckpt, path, options);
  if (E.isLeft(plan)) return plan;
  return E.mapLeft((reason: string) => new CheckpointError(path, [`cannot write checkpoint: ${reason}`]))(
    writeFileAtomic(path, plan.right.chunks()),
  );
}

/**
 * The checkpoint at `path`, checked as `checkpointFromBytes` checks it (against `template`, if given;
 * NaN and ±Infinity refused unless `allowNonFinite`); every problem is named in the error.
 */
export function loadCheckpoint(
  path: string,
  template?: undefined,
  options?: { readonly allowNonFinite?: boolean },
): E.Either<CheckpointError, Checkpoint>;
export function loadCheckpoint<P, O = Tree>(
  path: string,
  template: CheckpointTemplate<P, O>,
  options?: { readonly allowNonFinite?: boolean },
): E.Either<CheckpointError, Checkpoint<P, O>>;
export function loadCheckpoint(
  path: string,
  template?: CheckpointTemplate<unknown, unknown>,
  options: { readonly allowNonFinite?: boolean } = {},
): E.Either<CheckpointError, Checkpoint<unknown, unknown>> {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    return E.left(new CheckpointError(path, [`cannot read checkpoint: ${e instanceof Error ? e.message : String(e)}`]));
  }
  return template === undefined
    ? checkpointFromBytes(bytes, undefined, path, options)
    : checkpointFromBytes(bytes, template, path, options);
}
