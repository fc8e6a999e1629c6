/** Matrix products, batched, with numpy broadcasting of the batch dims. */
import { type FloatDType, isContiguous } from '@hrm/kernels';
import { apply, type KernelPrimitive } from '../engine.js';
import { formatShape, ShapeError } from '../errors.js';
import type { Dim, DTypeCheck, MatmulCheck, MatmulShape, NonEmptyCheck, Shape } from '../shape.js';
import type { AnyTensor, Tensor } from '../tensor.js';
import { broadcastView } from './broadcast.js';
import { transpose } from './permute.js';
import { reshapeTo } from './reshape.js';
import { broadcastShapes, requireFloat, sameDType, spec } from './util.js';

const MATMUL: KernelPrimitive = {
  name: 'matmul',
  kernel: (backend, [a, b]) => backend.matmul(a, b),
  // Both operands were broadcast to the same batch dims first, so no batch sums are needed here:
  // broadcastTo's own rule folds them back. The transposes are views; backends see them as strides.
  vjp: (ct, { inputs: [a, b] }) => [matmulRaw(ct, transpose(b)), matmulRaw(transpose(a), ct)],
};

/**
 * `[...batch, M, K] @ [K, N]` for an A whose rows are no single run of its buffer (a transposed activation):
 * the kernel sees B broadcast over the batch as stride-0 dims, so that its packing reads A's strides and
 * packs B once, and A is never copied in the forward pass. The weight's gradient is still one product over
 * all the rows (A is copied into rows there, when a gradient is asked for).
 */
const MATMUL_SHARED_B: KernelPrimitive = {
  name: 'matmul',
  kernel: (backend, [a, b]) => {
    const batch = a.shape.slice(0, -2);
    return backend.matmul(a, { ...b, shape: [...batch, ...b.shape], strides: [...batch.map(() => 0), ...b.strides] });
  },
  vjp: (ct, { inputs: [a, b] }) => [matmulRaw(ct, transpose(b)), matmulRaw(transpose(rowsOf(a)), rowsOf(ct))],
};

/** `t` as a matrix of its last axis' rows (copied where they are no single run of its buffer). */
const rowsOf = (t: AnyTensor): AnyTensor => {
  const width = t.shape[t.rank - 1];
  return reshapeTo(t, [t.size / width, width], [undefined, t.names[t.rank - 1]]);
};

function matmulRaw(a: AnyTensor, b: AnyTensor): AnyTensor {
  requireFloat('matmul', a);
  requireFloat('matmul', b);
  const dtype = sameDType('matmul', [a, b]);
  if (a.rank < 2 || b.rank < 2)
    throw new ShapeError(
      'matmul',
      `operands need rank >= 2, got ${formatShape(a.shape, a.names)} and ${formatShape(b.shape, b.names)}; add an axis with expandDims`,
    );
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) {
    const nameA = a.names[a.rank - 1];
    const nameB = b.names[b.rank - 2];
    throw new ShapeError(
      'matmul',
      `inner dims differ: ${formatShape(a.shape, a.names)} @ ${formatShape(b.shape, b.names)} has ${nameA ?? 'K'}=${k} vs ${nameB ?? 'K'}=${k2}`,
    );
  }
  // A weight applied to a batch, [...batch, M, K] @ [K, N]: one product of [batch·M, K] @ [K, N]. Its
  // gradients are then single products over all the rows too (the weight's: [K, batch·M] @ [batch·M, N],
  // not a product per batch entry summed afterwards). A non-contiguous A goes to the kernel as it is.
  if (b.rank === 2 && a.rank > 2 && k > 0 && a.size > 0) {
    const shape = [...a.shape.slice(0, -1), n];
    const names = [...a.names.slice(0, -1), b.names[1]];
    if (!isContiguous(a.view)) return apply(MATMUL_SHARED_B, [a, b], undefined, spec(shape, dtype, names));
    return reshapeTo(matmulRaw(rowsOf(a), b), shape, names);
  }
  // Broadcast the batch dims of both operands to a common shape, as views.
  const batchOf = (t: AnyTensor) => ({ shape: t.shape.slice(0, -2), names: t.names.slice(0, -2) });
  const batch = broadcastShapes('matmul (batch dims)', [batchOf(a), batchOf(b)]);
  const aNames = [...batch.names, a.names[a.rank - 2], a.names[a.rank - 1]];
  const bNames = [...batch.names, b.names[b.rank - 2], b.names[b.rank - 1]];
  const av = broadcastView(a, [...batch.shape, m, k], aNames);
  const bv = broadcastView(b, [...batch.shape, k, n], bNames);
  return apply(
    MATMUL,
    [av, bv],
    undefined,
    spec([...batch.shape, m, n], dtype, [...batch.names, aNames.at(-2), bNames.at(-1)]),
  );
}

/**
 * The signature of `matmul`. The first two overloads are the patterns generic code uses: a linear layer
 * over any leading dims (`[...S, K] @ [K, N]`, refusing a rank-1 left operand, S = `[]`) and a product
 * with the same batch dims on both sides (`[...S, M, K] @ [...S, K, N]`, attention's scores and mixing).
 * The third computes batch broadcasting and reports a mismatch such as "matmul: inner dims 128 and 64
 * differ" (inner dims never broadcast, 1 included).
 */
export interface MatmulFn {
  <S extends Shape, K extends Dim, N extends Dim, D extends FloatDType>(
    a: Tensor<readonly [...S, K], D>,
    b: Tensor<readonly [NoInfer<K>, N], NoInfer<D>> &
      NonEmptyCheck<S, 'matmul: the left operand has rank 1, needs at least 2'>,
  ): Tensor<[...S, N], D>;
  <S extends Shape, M extends Dim, K extends Dim, N extends Dim, D extends FloatDType>(
    a: Tensor<readonly [...S, M, K], D>,
    b: Tensor<readonly [...S, NoInfer<K>, N], NoInfer<D>>,
  ): Tensor<[...S, M, N], D>;
  <A extends Shape, B extends Shape, DA extends FloatDType, DB extends FloatDType>(
    a: Tensor<A, DA>,
    b: Tensor<B, DB> & MatmulCheck<A, B> & DTypeCheck<'matmul', DA, DB>,
  ): Tensor<MatmulShape<A, B>, DA>;
}

/** `[...batch, M, K] @ [...batch, K, N] -> [...batch, M, N]`, batch dims broadcast. */
export const matmul = matmulRaw as MatmulFn;
