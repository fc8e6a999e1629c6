/**
 * A float64 reference for tests: plain n-dimensional arrays and the numpy semantics of each op,
 * written with coordinates and nested loops, independently of the library's strided kernels, so
 * that the two can only agree by both being right.
 */

export interface Ref {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function ref(shape: readonly number[], data: ArrayLike<number>): Ref {
  if (data.length !== size(shape)) throw new Error(`ref: ${data.length} values for shape [${shape}]`);
  return { shape: [...shape], data: Float64Array.from(data) };
}

/** Coordinates of flat position i in a row-major array of `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    c[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return c;
}

export function ravel(c: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let k = 0; k < shape.length; k++) i = i * shape[k] + c[k];
  return i;
}

export function at(a: Ref, c: readonly number[]): number {
  return a.data[ravel(c, a.shape)];
}

/** Builds an array of `shape` from a function of coordinates. */
export function build(shape: readonly number[], f: (c: number[]) => number): Ref {
  const n = size(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = f(unravel(i, shape));
  return { shape: [...shape], data };
}

export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    const dims = shapes.map((s) => s[s.length - rank + i] ?? 1).filter((d) => d !== 1);
    if (new Set(dims).size > 1) throw new Error(`ref: shapes do not broadcast: ${JSON.stringify(shapes)}`);
    return dims[0] ?? 1;
  });
}

/** Reads `a` at output coordinates `c` of a broadcast shape. */
export function atBroadcast(a: Ref, c: readonly number[]): number {
  const lead = c.length - a.shape.length;
  return at(
    a,
    a.shape.map((d, k) => (d === 1 ? 0 : c[k + lead])),
  );
}

export function map(a: Ref, f: (x: number) => number): Ref {
  return { shape: [...a.shape], data: a.data.map(f) };
}

export function zip(f: (...xs: number[]) => number, ...xs: Ref[]): Ref {
  const shape = broadcastShape(...xs.map((x) => x.shape));
  return build(shape, (c) => f(...xs.map((x) => atBroadcast(x, c))));
}

/** Reduces over `axes` (non-negative) with `f` from `init`; kept as size 1 with keepdims. */
export function reduce(
  a: Ref,
  axes: readonly number[],
  f: (acc: number, x: number) => number,
  init: number,
  keepdims = false,
): Ref {
  const kept = a.shape.map((d, k) => (axes.includes(k) ? 1 : d));
  const acc = build(kept, () => init);
  for (let i = 0; i < a.data.length; i++) {
    const c = unravel(i, a.shape).map((v, k) => (axes.includes(k) ? 0 : v));
    const j = ravel(c, kept);
    acc.data[j] = f(acc.data[j], a.data[i]);
  }
  return keepdims ? acc : { shape: a.shape.filter((_, k) => !axes.includes(k)), data: acc.data };
}

export function matmul(a: Ref, b: Ref): Ref {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return build([...batch, m, n], (c) => {
    const bc = c.slice(0, -2);
    const [i, j] = c.slice(-2);
    let s = 0;
    for (let p = 0; p < k; p++) {
      const av = at(a, [...bc.slice(bc.length - (a.shape.length - 2)).map((v, q) => (a.shape[q] === 1 ? 0 : v)), i, p]);
      const bv = at(b, [...bc.slice(bc.length - (b.shape.length - 2)).map((v, q) => (b.shape[q] === 1 ? 0 : v)), p, j]);
      s += av * bv;
    }
    return s;
  });
}

export function permute(a: Ref, perm: readonly number[]): Ref {
  const shape = perm.map((p) => a.shape[p]);
  return build(shape, (c) => {
    const src = new Array<number>(perm.length);
    perm.forEach((p, k) => {
      src[p] = c[k];
    });
    return at(a, src);
  });
}

export function reshape(a: Ref, shape: readonly number[]): Ref {
  return ref(shape, a.data);
}

/** Concatenation along `axis`. */
export function concat(xs: readonly Ref[], axis: number): Ref {
  const total = xs.reduce((s, x) => s + x.shape[axis], 0);
  const shape = xs[0].shape.map((d, k) => (k === axis ? total : d));
  return build(shape, (c) => {
    let i = c[axis];
    for (const x of xs) {
      if (i < x.shape[axis])
        return at(
          x,
          c.map((v, k) => (k === axis ? i : v)),
        );
      i -= x.shape[axis];
    }
    throw new Error('unreachable');
  });
}

/** numpy take along `axis` (negative indices count from the end). */
export function take(a: Ref, idx: Ref, axis: number): Ref {
  const shape = [...a.shape.slice(0, axis), ...idx.shape, ...a.shape.slice(axis + 1)];
  return build(shape, (c) => {
    const ic = c.slice(axis, axis + idx.shape.length);
    let i = at(idx, ic);
    if (i < 0) i += a.shape[axis];
    return at(a, [...c.slice(0, axis), i, ...c.slice(axis + idx.shape.length)]);
  });
}

/** Reads any array as nested JS arrays (for readable test failures). */
export function toNested(a: Ref): unknown {
  const go = (k: number, off: number): unknown =>
    k === a.shape.length
      ? a.data[off]
      : Array.from({ length: a.shape[k] }, (_, i) => go(k + 1, off + i * size(a.shape.slice(k + 1))));
  return go(0, 0);
}
