/** Token embedding: rows of a table picked by integer ids, optionally scaled (HRM scales by sqrt(hidden)). */
import { type Dim, type Key, mul, type Shape, type Tensor, take } from '@hrm/core';
import { type DimSizes, sizeOfDim, truncNormal } from '../init.js';

/** A `[vocab, dim]` table of embedding rows. */
export interface EmbeddingParams<V extends Dim = number, D extends Dim = number> {
  readonly table: Tensor<[V, D]>;
}

/** A table of `vocab` rows, truncated normal with std `std` (default 1/sqrt(dim), as HRM); dims may be names sized by `dims`. */
export function initEmbedding<const V extends Dim, const D extends Dim>(
  key: Key,
  vocab: V,
  dim: D,
  opts: { readonly std?: number; readonly dims?: DimSizes } = {},
): EmbeddingParams<V, D> {
  const dims = opts.dims ?? {};
  const std = opts.std ?? 1 / Math.sqrt(sizeOfDim(dim, dims, 'initEmbedding'));
  return { table: truncNormal(key, [vocab, dim], std, { dims }) };
}

/** `table[ids] * scale`; ids out of range are an error (checked by the gather). */
export function embed<S extends Shape, V extends Dim, D extends Dim>(
  p: EmbeddingParams<V, D>,
  ids: Tensor<S, 'int32'>,
  scale = 1,
): Tensor<[...S, D]> {
  const rows: Tensor<[...S, D]> = take(p.table, ids, 0);
  return scale === 1 ? rows : mul(rows, scale);
}
