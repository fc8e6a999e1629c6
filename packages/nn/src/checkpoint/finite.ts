/**
 * NaN and ±Infinity in a checkpoint's weights mean a run diverged: saving them would replace a good
 * checkpoint with a useless one, and loading them would resume a dead run with no word said. Both are
 * refused unless the caller opts out (to inspect a diverged run, say).
 */
import type { DType } from '@hrm/core';

/** How many of `data`'s values are NaN and how many ±Infinity. */
function countNonFinite(data: ArrayLike<number>): { nan: number; infinite: number } {
  let nan = 0;
  let infinite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) infinite++;
  }
  return { nan, infinite };
}

/**
 * What is wrong with tensor `name` if it is a float tensor holding NaN or ±Infinity, e.g. `tensor
 * 'params.w': 3 of its 12 values are not finite (2 NaN, 1 ±Infinity); pass allowNonFinite to load it anyway`.
 * `data` is only read for float dtypes.
 */
export function nonFiniteProblem(
  name: string,
  dtype: DType,
  data: () => ArrayLike<number>,
  action: 'save' | 'load',
): string | undefined {
  if (dtype !== 'float32' && dtype !== 'float64') return undefined;
  const values = data();
  const { nan, infinite } = countNonFinite(values);
  if (nan + infinite === 0) return undefined;
  const n = nan + infinite;
  return `tensor '${name}': ${n} of its ${values.length} values ${n === 1 ? 'is' : 'are'} not finite (${nan} NaN, ${infinite} ±Infinity); pass allowNonFinite to ${action} it anyway`;
}
