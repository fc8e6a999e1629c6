/** io-ts codecs shared by the header and metadata readers. Names are what error messages say was expected. */
import * as t from 'io-ts';

interface NonNegativeIntBrand {
  readonly NonNegativeInt: unique symbol;
}
export const NonNegativeInt = t.brand(
  t.number,
  (n): n is t.Branded<number, NonNegativeIntBrand> => Number.isSafeInteger(n) && n >= 0,
  'NonNegativeInt',
);

interface Uint32Brand {
  readonly Uint32: unique symbol;
}
export const Uint32 = t.brand(
  t.number,
  (n): n is t.Branded<number, Uint32Brand> => Number.isInteger(n) && n >= 0 && n < 2 ** 32,
  'Uint32',
);

/** A pair of `item`s. Unlike `t.tuple`, which drops extra elements, it rejects them: they mean corruption. */
export function exactPair<C extends t.Mixed>(item: C, name: string): t.Type<[t.TypeOf<C>, t.TypeOf<C>], unknown> {
  const pair = t.tuple([item, item]);
  return new t.Type<[t.TypeOf<C>, t.TypeOf<C>], unknown>(
    name,
    (u): u is [t.TypeOf<C>, t.TypeOf<C>] => pair.is(u) && u.length === 2,
    (u, c) =>
      Array.isArray(u) && u.length !== 2
        ? t.failure(u, c, `expected ${name}, got ${JSON.stringify(u)}`)
        : pair.validate(u, c),
    t.identity,
  );
}

/**
 * Whether `json` nests arrays and objects more than `limit` deep. Untrusted JSON is checked with this
 * before it is decoded: the codecs, and the messages they build with JSON.stringify, recurse, so a value
 * nested some thousands deep would overflow the stack, a throw where a Left is promised. Iterative, so it
 * cannot overflow itself.
 */
export function nestsDeeperThan(json: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[json, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return false;
}
