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
