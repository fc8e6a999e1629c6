/** Token embedding: rows of a table picked by integer ids, optionally scaled (HRM scales by sqrt(hidden)). */
import { type Key, mul, type Shape, type Tensor, take } from '@hrm/core';
import { truncNormal } from '../init.js';

export interface EmbeddingParams<V extends number = number, D extends number = number> {
  readonly table: Tensor<[V, D]>;
}

/** A table of `vocab` rows, truncated normal with std `std` (default 1/sqrt(dim), as HRM). */
export function initEmbedding<V extends number, D extends number>(
  key: Key,
  vocab: V,
  dim: D,
  opts: { readonly std?: number } = {},
): EmbeddingParams<V, D> {
  return { table: truncNormal(key, [vocab, dim] as [V, D], opts.std ?? 1 / Math.sqrt(dim)) };
}

/** `table[ids] * scale`; ids out of range are an error (checked by the gather). */
export function embed<S extends Shape, V extends number, D extends number>(
  p: EmbeddingParams<V, D>,
  ids: Tensor<S, 'int32'>,
  scale = 1,
): Tensor<[...S, D]> {
  const rows = take(p.table, ids, 0) as unknown as Tensor<[...S, D]>;
  return scale === 1 ? rows : mul(rows, scale);
}
