/**
 * SignSGD with decoupled weight decay on the rows of an embedding table seen in a batch (HRM's
 * optimiser for the puzzle embedding): gradients of rows with the same id are summed, then each
 * seen row becomes `row·(1 - lr·wd) - lr·sign(summed)`. Rows not in the batch do not change at all,
 * not even by weight decay.
 *
 * The caller takes the gradient with respect to the gathered rows (`take(table, ids, 0)` as a leaf
 * of its own, as HRM's `local_weights`), not with respect to the whole table.
 */
import {
  type AnyTensor,
  type Dim,
  fromArray,
  gt,
  mul,
  ones,
  scatterAdd,
  sign,
  sub,
  type Tensor,
  take,
  where,
} from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';

/** Settings of `sparseSignSgd`: the learning rate and the decoupled weight decay (default 0). */
export interface SparseSignSgdConfig {
  readonly lr: number;
  readonly weightDecay?: number;
}

/**
 * The table after one update. `ids` ([N] int32) name the row each of `rowGrads` ([N, D]) belongs to.
 */
export function sparseSignSgd<V extends Dim, D extends Dim, N extends Dim>(
  table: Tensor<[V, D]>,
  ids: Tensor<[N], 'int32'>,
  rowGrads: Tensor<[N, D]>,
  cfg: SparseSignSgdConfig,
): Tensor<[V, D]> {
  // The distinct ids, and each gradient row's position among them (read on the host: ids are data).
  const raw = Array.from(ids.data());
  const unique = [...new Set(raw)];
  const slot = new Map(unique.map((id, i) => [id, i]));
  const positions = mustTensor(
    fromArray(
      raw.map((id) => slot.get(id) ?? 0),
      [raw.length],
      { dtype: 'int32' },
    ),
  );
  const uniqueIds = mustTensor(fromArray(unique, [unique.length], { dtype: 'int32' }));

  const summed = scatterAdd(rowGrads as AnyTensor, positions, 0, [unique.length, table.shape[1]]);
  const old: AnyTensor = take(table, uniqueIds, 0);
  const updated = sub(mul(old, 1 - cfg.lr * (cfg.weightDecay ?? 0)), mul(sign(summed), cfg.lr));
  // Tables are immutable: build the new one by picking, row by row, the updated row or the old one.
  // (The ids are distinct, so each seen row receives exactly its updated value, bit for bit.)
  const shape = [table.shape[0], table.shape[1]] as const;
  const placed = scatterAdd(updated, uniqueIds, 0, shape);
  const seen = scatterAdd(ones([unique.length, 1]), uniqueIds, 0, [shape[0], 1]);
  return where(gt(seen, 0), placed, table as AnyTensor) as Tensor<[V, D]>;
}

function mustTensor<T>(e: E.Either<Error, T>): T {
  if (E.isLeft(e)) throw e.left;
  return e.right;
}
