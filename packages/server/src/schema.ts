/**
 * io-ts codecs that know their JSON Schema: the request and response codecs of the API are built from
 * these few constructors, so the OpenAPI document and the MCP tools' input and output schemas are
 * derived from the very codecs that decode requests (never written twice), and a decoding failure
 * names the field and the reason.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1 and MCP), as a plain object. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** A codec with the JSON Schema of the values it accepts. */
export interface Schema<A, O = A> extends t.Type<A, O, unknown> {
  readonly schema: JsonSchema;
}

function withSchema<A, O>(codec: t.Type<A, O, unknown>, schema: JsonSchema): Schema<A, O> {
  return Object.assign(codec, { schema });
}

/** `codec` with a description (and other annotations, such as examples) added to its schema. */
export function described<A, O>(codec: Schema<A, O>, description: string, extra: JsonSchema = {}): Schema<A, O> {
  const copy = new t.Type<A, O, unknown>(codec.name, codec.is, codec.validate, codec.encode);
  return withSchema(copy, { ...codec.schema, description, ...extra });
}

/** A string of `min` to `max` characters. */
export function str(min = 0, max = Number.MAX_SAFE_INTEGER): Schema<string> {
  const name = min > 0 ? `a string of ${min} to ${max} characters` : `a string of at most ${max} characters`;
  const is = (u: unknown): u is string => typeof u === 'string' && u.length >= min && u.length <= max;
  return withSchema(new t.Type<string>(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c)), t.identity), {
    type: 'string',
    ...(min > 0 ? { minLength: min } : {}),
    ...(max < Number.MAX_SAFE_INTEGER ? { maxLength: max } : {}),
  });
}

/** An integer from `min` to `max`. */
export function int(min: number, max: number): Schema<number> {
  const is = (u: unknown): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max;
  return withSchema(
    new t.Type<number>(
      `an integer from ${min} to ${max}`,
      is,
      (u, c) => (is(u) ? t.success(u) : t.failure(u, c)),
      t.identity,
    ),
    { type: 'integer', minimum: min, maximum: max },
  );
}

/** A finite number. */
export const num: Schema<number> = withSchema(
  new t.Type<number>(
    'a number',
    (u): u is number => typeof u === 'number' && Number.isFinite(u),
    (u, c) => (typeof u === 'number' && Number.isFinite(u) ? t.success(u) : t.failure(u, c)),
    t.identity,
  ),
  { type: 'number' },
);

/** A number from `min` to `max`. */
export function between(min: number, max: number): Schema<number> {
  const is = (u: unknown): u is number => typeof u === 'number' && Number.isFinite(u) && u >= min && u <= max;
  return withSchema(
    new t.Type<number>(
      `a number from ${min} to ${max}`,
      is,
      (u, c) => (is(u) ? t.success(u) : t.failure(u, c)),
      t.identity,
    ),
    { type: 'number', minimum: min, maximum: max },
  );
}

/** `true` or `false`. */
export const bool: Schema<boolean> = withSchema(
  new t.Type<boolean>('true or false', t.boolean.is, t.boolean.validate, t.identity),
  { type: 'boolean' },
);

/** One of the strings `values`. */
export function oneOf<V extends string>(values: readonly [V, ...V[]]): Schema<V> {
  const is = (u: unknown): u is V => typeof u === 'string' && (values as readonly string[]).includes(u);
  return withSchema(
    new t.Type<V>(
      `one of ${values.map((v) => `'${v}'`).join(', ')}`,
      is,
      (u, c) => (is(u) ? t.success(u) : t.failure(u, c)),
      t.identity,
    ),
    { type: 'string', enum: values },
  );
}

/** An array of `min` to `max` items of `item`. */
export function list<A, O>(item: Schema<A, O>, min = 0, max = Number.MAX_SAFE_INTEGER): Schema<A[], O[]> {
  const base = t.array(item);
  const name = `a list of ${min > 0 ? `${min} to ` : 'at most '}${max} items`;
  return withSchema(
    new t.Type<A[], O[], unknown>(
      name,
      (u): u is A[] => base.is(u) && u.length >= min && u.length <= max,
      (u, c) => {
        if (!Array.isArray(u) || u.length < min || u.length > max) return t.failure(u, c);
        return base.validate(u, c);
      },
      (a) => a.map(item.encode),
    ),
    {
      type: 'array',
      items: item.schema,
      ...(min > 0 ? { minItems: min } : {}),
      ...(max < Number.MAX_SAFE_INTEGER ? { maxItems: max } : {}),
    },
  );
}

/** A codec of any type with its schema (io-ts's `Mixed`, schema-aware). */
type AnySchema = t.Mixed & { readonly schema: JsonSchema };
type Props = Record<string, AnySchema>;
type Required<P extends Props> = { [K in keyof P]: t.TypeOf<P[K]> };
type Optional<P extends Props> = { [K in keyof P]?: t.TypeOf<P[K]> };
/** The values an `object(required, optional)` codec decodes to. */
export type ObjectOf<R extends Props, P extends Props> = Required<R> & Optional<P>;

/**
 * An object with the `required` and `optional` fields and no others: an unknown field is an error
 * (`segmnets` is a typo the caller wants to hear about, not a field to ignore). Optional fields may be
 * absent, never `null`.
 */
export function object<R extends Props, P extends Props = Record<never, never>>(
  name: string,
  required: R,
  optional: P = {} as P,
): Schema<ObjectOf<R, P>> {
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  const validate: t.Validate<unknown, ObjectOf<R, P>> = (u, c) => {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, c, 'expected a JSON object');
    const record = u as Record<string, unknown>;
    const errors: t.Errors = [];
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(record))
      if (!known.has(k)) errors.push(...failureAt(record[k], c, k, `unknown field (fields: ${[...known].join(', ')})`));
    for (const [k, codec] of Object.entries(required)) {
      if (!Object.hasOwn(record, k)) {
        errors.push(...failureAt(undefined, c, k, `is required (${codec.name})`));
        continue;
      }
      const r = codec.validate(record[k], t.appendContext(c, k, codec, record[k]));
      if (E.isLeft(r)) errors.push(...r.left);
      else out[k] = r.right;
    }
    for (const [k, codec] of Object.entries(optional)) {
      if (!Object.hasOwn(record, k)) continue;
      const r = codec.validate(record[k], t.appendContext(c, k, codec, record[k]));
      if (E.isLeft(r)) errors.push(...r.left);
      else out[k] = r.right;
    }
    return errors.length > 0 ? t.failures(errors) : t.success(out as ObjectOf<R, P>);
  };
  const codec = new t.Type<ObjectOf<R, P>, ObjectOf<R, P>, unknown>(
    name,
    (u): u is ObjectOf<R, P> => E.isRight(validate(u, [{ key: '', type: t.unknown, actual: u }])),
    validate,
    t.identity,
  );
  const properties = Object.fromEntries(
    [...Object.entries(required), ...Object.entries(optional)].map(([k, v]) => [k, v.schema]),
  );
  return withSchema(codec, {
    type: 'object',
    properties,
    ...(Object.keys(required).length > 0 ? { required: Object.keys(required) } : {}),
    additionalProperties: false,
  });
}

function failureAt(value: unknown, c: t.Context, key: string, message: string): t.Errors {
  return [{ value, context: [...c, { key, type: t.unknown, actual: value }], message }];
}

/** A field and what is wrong with it, from a failed decoding. */
export interface Problem {
  /** The field's path (`puzzles[2]`, `segments`), empty for the whole body. */
  readonly field: string;
  readonly reason: string;
}

function describeValue(u: unknown): string {
  if (u === undefined) return 'nothing';
  const json = JSON.stringify(u);
  if (json === undefined) return typeof u;
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
}

/** The field and reason of each of io-ts's errors (the path joined as `a.b[2]`). */
export function problems(errors: t.Errors): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const e of errors) {
    let field = '';
    e.context.forEach((entry, i) => {
      if (i === 0) return;
      const parent = e.context[i - 1]?.type;
      const isIndex = /^\d+$/.test(entry.key) && parent?.name.startsWith('a list') === true;
      if (isIndex) field += `[${entry.key}]`;
      else if (entry.key !== '') field += field === '' ? entry.key : `.${entry.key}`;
    });
    const last = e.context[e.context.length - 1];
    const reason = e.message ?? `expected ${last?.type.name ?? 'a valid value'}, got ${describeValue(e.value)}`;
    const key = `${field}\n${reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, reason });
  }
  return out;
}
