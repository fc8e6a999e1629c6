import type { TypedArray } from '../dtype.js';

/**
 * Batched `[batch, M, K] @ [batch, K, N]` over dense row-major arrays, written into `out`.
 * i-k-j order keeps the inner loop streaming over contiguous rows of `b` and of a float64 row
 * accumulator, so float32 products are summed in double precision and rounded once.
 */
export function matmulDense(
  a: TypedArray,
  b: TypedArray,
  out: TypedArray,
  batch: number,
  m: number,
  k: number,
  n: number,
): void {
  const acc = new Float64Array(n);
  for (let p = 0; p < batch; p++) {
    const aBase = p * m * k;
    const bBase = p * k * n;
    const oBase = p * m * n;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      const aRow = aBase + i * k;
      for (let kk = 0; kk < k; kk++) {
        const aik = a[aRow + kk];
        const bRow = bBase + kk * n;
        for (let j = 0; j < n; j++) acc[j] += aik * b[bRow + j];
      }
      const oRow = oBase + i * n;
      for (let j = 0; j < n; j++) out[oRow + j] = acc[j];
    }
  }
}
