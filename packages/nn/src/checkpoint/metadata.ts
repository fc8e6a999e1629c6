/**
 * Everything in a checkpoint that is not a tensor, as safetensors `__metadata__` (string to string; each
 * value a JSON text): the format and its version, the step, the RNG key's two uint32 words, the config,
 * and the skeletons of the parameter and optimiser-state trees.
 */
import { formatValidationErrors, type Key, keyFromData } from '@hrm/core';
import { sequenceS } from 'fp-ts/lib/Apply.js';
import { getSemigroup } from 'fp-ts/lib/Array.js';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { exactPair, NonNegativeInt, nestsDeeperThan, Uint32 } from './codecs.js';
import { type Skeleton, SkeletonCodec } from './structure.js';

/** A JSON value: what a config may hold, so that it reads back exactly as written. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

export const FORMAT = 'hrm-ts checkpoint';
export const FORMAT_VERSION = 1;

export interface ResumeState {
  readonly step: number;
  readonly key: Key;
  readonly config: Json;
  readonly paramsTree: Skeleton;
  /** Absent when the checkpoint holds no optimiser state. */
  readonly optTree?: Skeleton | undefined;
}

const KeyWords = exactPair(Uint32, '[uint32, uint32]');
/** How deep a metadata value may nest arrays and objects: far more than any tree of parameters or config needs. */
const MAX_METADATA_DEPTH = 64;

/** Where `value` stops being JSON that reads back as written (NaN, undefined, a Date, a cycle...), if anywhere. */
function notJson(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is ${value}`;
  if (typeof value !== 'object') return `${path} is a ${typeof value}`;
  if (seen.has(value)) return `${path} is a cycle`;
  if (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype)
    return `${path} is an instance of ${value.constructor?.name ?? 'an unknown class'}`;
  seen.add(value);
  for (const [k, v] of Object.entries(value)) {
    const found = notJson(v, `${path}.${k}`, seen);
    if (found !== undefined) return found;
  }
  seen.delete(value);
  return undefined;
}

/** The metadata for a checkpoint, or every problem with the values given. */
export function encodeMetadata(s: ResumeState): E.Either<string[], Record<string, string>> {
  const problems: string[] = [];
  if (!NonNegativeInt.is(s.step)) problems.push(`step must be a non-negative integer, got ${s.step}`);
  if (!KeyWords.is(s.key)) problems.push(`key must be two uint32 words, got [${s.key.join(', ')}]`);
  const badConfig = notJson(s.config, 'config', new Set());
  if (badConfig !== undefined) problems.push(`config must be plain JSON, but ${badConfig}`);
  else if (nestsDeeperThan(s.config, MAX_METADATA_DEPTH))
    problems.push(`config nests arrays and objects more than ${MAX_METADATA_DEPTH} deep, which would not read back`);
  if (problems.length > 0) return E.left(problems);
  return E.right({
    format: FORMAT,
    format_version: JSON.stringify(FORMAT_VERSION),
    step: JSON.stringify(s.step),
    key: JSON.stringify([s.key[0], s.key[1]]),
    config: JSON.stringify(s.config),
    params_tree: JSON.stringify(s.paramsTree),
    ...(s.optTree === undefined ? {} : { opt_tree: JSON.stringify(s.optTree) }),
  });
}

/** Combines Eithers, keeping the problems of every Left rather than stopping at the first. */
const collectAll = sequenceS(E.getApplicativeValidation(getSemigroup<string>()));

/** Metadata field `name` parsed as JSON and validated by `codec`, or why not. */
function field<A>(m: Readonly<Record<string, string>>, name: string, codec: t.Type<A, unknown>): E.Either<string[], A> {
  const text = m[name];
  if (text === undefined) return E.left([`metadata '${name}' is missing`]);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left([`metadata '${name}' is not valid JSON (${e instanceof Error ? e.message : String(e)})`]);
  }
  if (nestsDeeperThan(json, MAX_METADATA_DEPTH))
    return E.left([`metadata '${name}' nests arrays and objects more than ${MAX_METADATA_DEPTH} deep`]);
  return E.mapLeft((errs: t.Errors) =>
    formatValidationErrors(errs).map((line) => `metadata '${name}': ${line.replace(/^\(root\): /, '')}`),
  )(codec.decode(json));
}

/** The resume state in a checkpoint's metadata, or every problem with it. */
export function decodeMetadata(m: Readonly<Record<string, string>>): E.Either<string[], ResumeState> {
  if (m.format !== FORMAT)
    return E.left([
      m.format === undefined
        ? `not an hrm-ts checkpoint (no metadata 'format')`
        : `not an hrm-ts checkpoint (metadata 'format' is '${m.format}')`,
    ]);
  const version = field(m, 'format_version', NonNegativeInt);
  if (E.isRight(version) && version.right > FORMAT_VERSION)
    return E.left([
      `written by a newer version of hrm-ts (format_version ${version.right}; this one reads ${FORMAT_VERSION})`,
    ]);
  return pipe(
    collectAll({
      version,
      step: field(m, 'step', NonNegativeInt),
      key: field(m, 'key', KeyWords),
      // JSON.parse only ever yields JSON, so the config needs no check beyond parsing.
      config: field(m, 'config', t.unknown as t.Type<Json, unknown>),
      paramsTree: field(m, 'params_tree', SkeletonCodec),
      optTree: m.opt_tree === undefined ? E.right(undefined) : field(m, 'opt_tree', SkeletonCodec),
    }),
    E.map(({ step, key, config, paramsTree, optTree }) => ({
      step,
      key: keyFromData(key),
      config,
      paramsTree,
      optTree,
    })),
  );
}
