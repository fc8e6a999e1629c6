/** Global-norm gradient clipping: scale every gradient by min(1, maxNorm / ||all gradients||). */
import { leaves, treeMap } from '@hrm/autodiff';
import { add, mul, sqrt, square, sum } from '@hrm/core';

/** The L2 norm of all leaves of a tree together. */
export function globalNorm(tree: unknown): number {
  const squares = leaves(tree).map(({ value }) => sum(square(value)));
  if (squares.length === 0) return 0;
  return sqrt(squares.reduce((a, b) => add(a, b))).item();
}

/**
 * The gradients scaled together so that their global L2 norm is at most `maxNorm` (unchanged when it is
 * already), with the norm before clipping, for logging.
 */
export function clipByGlobalNorm<P>(grads: P, maxNorm: number): { grads: P; norm: number } {
  const norm = globalNorm(grads);
  const scale = norm > maxNorm ? maxNorm / norm : 1;
  return { grads: scale === 1 ? grads : treeMap((g) => mul(g, scale), grads), norm };
}
