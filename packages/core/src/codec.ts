/**
 * The serialised form of a tensor, `{ dtype, shape, names?, data }`, as an io-ts codec: decoding
 * validates everything (dtype, sizes, element count, element values) and reports the path and the
 * reason; encoding reads the tensor back from its backend.
 */
import { DTYPES, type DType } from '@hrm/kernels';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { fromArray } from './ops/create.js';
import { rename } from './ops/reshape.js';
import type { Shape } from './shape.js';
import { type AnyTensor, Tensor } from './tensor.js';

const DTypeCodec = t.keyof(Object.fromEntries(DTYPES.map((d: DType) => [d, null])) as Record<DType, null>, 'DType');

interface NonNegativeIntBrand {
  readonly NonNegativeInt: unique symbol;
}
const NonNegativeInt = t.brand(
  t.number,
  (n): n is t.Branded<number, NonNegativeIntBrand> => Number.isInteger(n) && n >= 0,
  'NonNegativeInt',
);

/** The JSON shape of a serialised tensor. */
export const TensorJSON = t.intersection([
  t.type({ dtype: DTypeCodec, shape: t.array(NonNegativeInt), data: t.array(t.union([t.number, t.boolean])) }),
  t.partial({ names: t.array(t.union([t.string, t.null])) }),
]);
export type TensorJSON = t.TypeOf<typeof TensorJSON>;

/** Decodes `TensorJSON` to a tensor (on the current backend) and encodes a tensor to it. */
export const TensorCodec = new t.Type<AnyTensor, TensorJSON, unknown>(
  'Tensor',
  (u): u is AnyTensor => u instanceof Tensor,
  (u, c) =>
    pipe(
      TensorJSON.validate(u, t.appendContext(c, '', TensorJSON)),
      E.chain((json) => {
        if (json.names !== undefined && json.names.length !== json.shape.length)
          return t.failure(u, c, `names has ${json.names.length} entries for a rank-${json.shape.length} shape`);
        const made = fromArray(json.data, json.shape as Shape, { dtype: json.dtype, allowNonFinite: true });
        if (E.isLeft(made)) return t.failure(u, c, made.left.message);
        const names: Shape = json.shape.map((d, i) => json.names?.[i] ?? d);
        return t.success(
          json.names ? (rename(made.right as AnyTensor, names) as AnyTensor) : (made.right as AnyTensor),
        );
      }),
    ),
  (x) => ({
    dtype: x.dtype,
    shape: [...x.view.shape] as TensorJSON['shape'],
    data: Array.from(x.data() as ArrayLike<number>, (v: number) => (x.dtype === 'bool' ? v !== 0 : v)),
    ...(x.names.some((n) => n !== undefined) ? { names: x.names.map((n) => n ?? null) } : {}),
  }),
);

/**
 * A short, safe description of a value for an error message: JSON up to a small depth and length, so
 * that a hostile value (nested thousands deep, megabytes long) cannot overflow the stack or the message.
 */
export function describeValue(value: unknown, maxLength = 60): string {
  const shallow = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (depth === 0) return Array.isArray(v) ? '[…]' : '{…}';
    if (Array.isArray(v)) return v.slice(0, 8).map((x) => shallow(x, depth - 1));
    return Object.fromEntries(
      Object.entries(v)
        .slice(0, 8)
        .map(([k, x]) => [k, shallow(x, depth - 1)]),
    );
  };
  const text = typeof value === 'bigint' ? `${value}n` : (JSON.stringify(shallow(value, 2)) ?? String(value));
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** io-ts errors as `path: reason` lines (`hidden: expected PositiveInt, got -3`), the value described safely. */
export function formatValidationErrors(errors: t.Errors): string[] {
  return errors.map((e) => {
    // Keys under an intersection or union name the member codec, not a place in the value: skip them.
    const isMember = (i: number) =>
      i > 0 && (e.context[i - 1].type instanceof t.IntersectionType || e.context[i - 1].type instanceof t.UnionType);
    const path = e.context
      .filter((c, i) => c.key !== '' && !isMember(i))
      .map((c) => c.key)
      .join('.');
    const last = e.context[e.context.length - 1];
    const reason = e.message ?? `expected ${last?.type.name ?? 'a valid value'}, got ${describeValue(e.value)}`;
    return `${path || '(root)'}: ${reason}`;
  });
}
