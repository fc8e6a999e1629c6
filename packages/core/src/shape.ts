/**
 * Shapes in the type system.
 *
 * A dim is a literal size (`81`), a name (`'B'`, a size known only at run time) or plain `number`
 * (unknown). The checker compares dims but never multiplies them: equal literals, equal names, and
 * 1-vs-anything broadcasting are decided at compile time; everything that needs arithmetic (reshape,
 * concat, slice) is checked at run time and typed `number`.
 *
 * Checks report through `Incompatible<"message">` in *parameter* position, so the compiler prints the
 * message at the call site: `... is not assignable to ... Incompatible<"matmul: inner dims 128 and 64 differ">`.
 * Ops put generic-friendly overloads first (same shape, trailing vector, `[...S, K] @ [K, N]`) so that
 * code generic in its shapes type-checks without casts, and the computed check last, for its message.
 */

import type { DType } from '@hrm/kernels';

/** A dim of a shape: a literal size (`81`), a name (`'B'`, sized at run time) or `number` (unknown). */
export type Dim = number | string;
/** A shape: a tuple of dims (`['B', 81, 128]`), or `readonly Dim[]` when the rank is unknown. */
export type Shape = readonly Dim[];

declare const incompatible: unique symbol;
/** A compile-time shape or dtype error, carried in parameter position so its message is shown. */
export interface Incompatible<Msg extends string> {
  readonly [incompatible]: Msg;
}

/** A dim whose size the types do not know: `number`, `string` or `Dim`. */
export type IsWide<D> = number extends D ? true : string extends D ? true : false;

/**
 * Run-time sizes of a shape: names become `number`. Intersected with `readonly number[]` so that a
 * dynamic shape (`any`) is still an array of numbers (a plain conditional here would stop TypeScript
 * from matching shapes in generic code).
 */
export type Sizes<S extends Shape> = readonly number[] & {
  readonly [K in keyof S]: S[K] extends number ? S[K] : number;
};

/** Names present in a shape (to ask for their sizes). */
export type NamesOf<S extends Shape> =
  Extract<S[number], string> extends infer N extends string ? (string extends N ? never : N) : never;

/** `{ B: number }` for a shape mentioning `'B'`; `{}` when it names nothing. */
export type DimSizes<S extends Shape> = { readonly [K in NamesOf<S>]: number };

// ---------------------------------------------------------------------------------------------
// Broadcasting

/** The broadcast of two dims, or `never` when they cannot broadcast. */
export type BroadcastDim<A extends Dim, B extends Dim> = [A] extends [B]
  ? A
  : IsWide<A> extends true
    ? B
    : IsWide<B> extends true
      ? A
      : A extends 1
        ? B
        : B extends 1
          ? A
          : A extends string
            ? B extends string
              ? never // two different names
              : A // a name against a literal: checked at run time, the name is kept
            : B extends string
              ? B
              : never; // two different literals, neither 1

/** The numpy broadcast of two shapes, aligned from the right (a clash gives `never` in that dim). */
export type Broadcast<A extends Shape, B extends Shape> = B extends readonly []
  ? A
  : A extends readonly []
    ? B
    : number extends A['length']
      ? Shape
      : number extends B['length']
        ? Shape
        : A extends readonly [...infer AR extends Shape, infer AL extends Dim]
          ? B extends readonly [...infer BR extends Shape, infer BL extends Dim]
            ? [...Broadcast<AR, BR>, BroadcastDim<AL, BL>]
            : Shape
          : Shape;

/** `unknown` when A and B broadcast, else an `Incompatible` naming the first clash from the right. */
export type BroadcastCheck<Op extends string, A extends Shape, B extends Shape> = B extends readonly []
  ? unknown
  : A extends readonly []
    ? unknown
    : A extends readonly [...infer AR extends Shape, infer AL extends Dim]
      ? B extends readonly [...infer BR extends Shape, infer BL extends Dim]
        ? [BroadcastDim<AL, BL>] extends [never]
          ? Incompatible<`${Op}: dims ${AL} and ${BL} do not broadcast`>
          : BroadcastCheck<Op, AR, BR>
        : unknown
      : unknown;

// ---------------------------------------------------------------------------------------------
// Dtypes

/** `unknown` when both dtypes are the same, else an `Incompatible` naming the op and both dtypes. */
export type DTypeCheck<Op extends string, A extends DType, B extends DType> = [A] extends [B]
  ? [B] extends [A]
    ? unknown
    : Incompatible<`${Op}: dtypes ${A} and ${B} differ`>
  : Incompatible<`${Op}: dtypes ${A} and ${B} differ`>;

/** `unknown` for float32 and float64, else an `Incompatible` saying the op needs a float tensor. */
export type FloatCheck<Op extends string, D extends DType> = D extends 'float32' | 'float64'
  ? unknown
  : Incompatible<`${Op}: needs a float tensor, got ${D}`>;

/** `unknown` for numeric dtypes, an `Incompatible` for bool. */
export type NumericCheck<Op extends string, D extends DType> = D extends 'bool'
  ? Incompatible<`${Op}: needs a numeric tensor, got bool`>
  : unknown;

// ---------------------------------------------------------------------------------------------
// Axes (ranks up to 8 are checked; higher ranks and unknown ranks accept any number)

type PositiveAxes = [
  never,
  0,
  0 | 1,
  0 | 1 | 2,
  0 | 1 | 2 | 3,
  0 | 1 | 2 | 3 | 4,
  0 | 1 | 2 | 3 | 4 | 5,
  0 | 1 | 2 | 3 | 4 | 5 | 6,
  0 | 1 | 2 | 3 | 4 | 5 | 6 | 7,
];
type NegativeAxes = [
  never,
  -1,
  -1 | -2,
  -1 | -2 | -3,
  -1 | -2 | -3 | -4,
  -1 | -2 | -3 | -4 | -5,
  -1 | -2 | -3 | -4 | -5 | -6,
  -1 | -2 | -3 | -4 | -5 | -6 | -7,
  -1 | -2 | -3 | -4 | -5 | -6 | -7 | -8,
];

/** The axis arguments valid for a shape: `0 | 1 | 2 | -1 | -2 | -3` for rank 3. */
export type Axis<S extends Shape> = number extends S['length']
  ? number
  : S['length'] extends keyof PositiveAxes
    ? PositiveAxes[S['length']] | NegativeAxes[S['length']]
    : number;

/**
 * `unknown` when every axis in `A` (a literal, a tuple of literals, or undefined) is valid for S,
 * else an `Incompatible` naming the op, the axis and the rank.
 */
export type AxisCheck<Op extends string, S extends Shape, A> = number extends S['length']
  ? unknown
  : A extends undefined
    ? unknown
    : [Exclude<A extends readonly (infer E)[] ? E : A, Axis<S>>] extends [never]
      ? unknown
      : Incompatible<`${Op}: axis ${Exclude<A extends readonly (infer E extends number)[] ? E : A & number, Axis<S>>} is out of range for rank ${S['length']}`>;

/** Axis arguments valid for inserting a new axis (rank + 1 positions). */
export type InsertAxis<S extends Shape> = Axis<[...S, 1]>;

type Neg<N extends number> = `${N}` extends `-${infer P extends number}` ? P : never;
type DropLast<S extends Shape, N extends number, Acc extends unknown[] = []> = Acc['length'] extends N
  ? S
  : S extends readonly [...infer R extends Shape, Dim]
    ? DropLast<R, N, [...Acc, unknown]>
    : S;

/** A literal axis made non-negative (`-1` on rank 3 is `2`). */
export type NormalizeAxis<S extends Shape, A extends number> = number extends A
  ? number
  : `${A}` extends `-${string}`
    ? DropLast<S, Neg<A>>['length']
    : A;

type NormalizeAxes<S extends Shape, A> = A extends number ? NormalizeAxis<S, A> : never;

/** S with the axes in `Ax` (a union of non-negative literals) dropped, or set to 1 when `Keep`. */
type DropAxes<S extends Shape, Ax extends number, Keep extends boolean, I extends unknown[] = []> = S extends readonly [
  infer H extends Dim,
  ...infer T extends Shape,
]
  ? I['length'] extends Ax
    ? Keep extends true
      ? [1, ...DropAxes<T, Ax, Keep, [...I, unknown]>]
      : DropAxes<T, Ax, Keep, [...I, unknown]>
    : [H, ...DropAxes<T, Ax, Keep, [...I, unknown]>]
  : [];

/** The shape after reducing `Ax` (a literal, a tuple of literals, or undefined for all axes). */
export type Reduce<S extends Shape, Ax, Keep extends boolean> = number extends S['length']
  ? Shape
  : Ax extends undefined
    ? Keep extends true
      ? { [K in keyof S]: 1 }
      : []
    : Ax extends readonly number[]
      ? number extends Ax[number]
        ? Shape
        : DropAxes<S, NormalizeAxes<S, Ax[number]>, Keep>
      : Ax extends number
        ? number extends Ax
          ? Shape
          : DropAxes<S, NormalizeAxes<S, Ax>, Keep>
        : Shape;

/** S with the dim at axis `A` replaced by `D`. */
export type SetDim<S extends Shape, A extends number, D extends Dim> = number extends S['length']
  ? Shape
  : number extends A
    ? { [K in keyof S]: Dim }
    : SetAt<S, NormalizeAxis<S, A>, D>;

type SetAt<S extends Shape, A, D extends Dim, I extends unknown[] = []> = S extends readonly [
  infer H extends Dim,
  ...infer T extends Shape,
]
  ? [I['length'] extends A ? D : H, ...SetAt<T, A, D, [...I, unknown]>]
  : [];

/** S with the dims `R` spliced in place of axis `A` (gather's rule); `R = []` removes the axis. */
export type SpliceAxis<S extends Shape, A extends number, R extends Shape> = number extends S['length']
  ? Shape
  : number extends A
    ? Shape
    : SpliceAt<S, NormalizeAxis<S, A>, R>;

type SpliceAt<S extends Shape, A, R extends Shape, I extends unknown[] = []> = S extends readonly [
  infer H extends Dim,
  ...infer T extends Shape,
]
  ? I['length'] extends A
    ? [...R, ...T]
    : [H, ...SpliceAt<T, A, R, [...I, unknown]>]
  : [];

/** S with `D` inserted before position `A` (`A` may equal the rank; negatives count from the new rank). */
export type InsertDim<S extends Shape, A extends number, D extends Dim> = number extends S['length']
  ? Shape
  : number extends A
    ? Shape
    : InsertAt<S, NormalizeAxis<[...S, D], A>, D>;

type InsertAt<S extends Shape, P, D extends Dim, I extends unknown[] = []> = I['length'] extends P
  ? [D, ...S]
  : S extends readonly [infer H extends Dim, ...infer T extends Shape]
    ? [H, ...InsertAt<T, P, D, [...I, unknown]>]
    : [D];

type TupleAt<S extends Shape, A> = A extends keyof S ? S[A] : never;

/** The dims of S picked in the order `P` (a permutation of its axes). */
export type Permute<S extends Shape, P extends readonly number[]> = number extends S['length']
  ? Shape
  : { [K in keyof P]: P[K] extends number ? TupleAt<S, NormalizeAxis<S, P[K]>> : never };

/** `Incompatible` unless P is a permutation of S's axes (length check; duplicates are checked at run time). */
export type PermuteCheck<S extends Shape, P extends readonly number[]> = number extends S['length']
  ? unknown
  : P['length'] extends S['length']
    ? unknown
    : Incompatible<`permute: ${P['length']} axes given for a rank-${S['length']} tensor`>;

/** S with axes A and B swapped. */
export type Swap<S extends Shape, A extends number, B extends number> = number extends S['length']
  ? Shape
  : number extends A | B
    ? { [K in keyof S]: Dim }
    : SwapAt<
        S,
        NormalizeAxis<S, A>,
        NormalizeAxis<S, B>,
        TupleAt<S, NormalizeAxis<S, A>>,
        TupleAt<S, NormalizeAxis<S, B>>
      >;

/**
 * The last two dims `[A, B]` with axes I and J (-2 or -1) swapped: transpose's rule over a generic prefix,
 * `[...S, ...SwapTail2<A, B, -2, -1>]`. It decides on the axes alone, never on the dims, so it resolves
 * when the dims are type parameters (a conditional on a tuple of type parameters would stay unresolved).
 */
export type SwapTail2<A extends Dim, B extends Dim, I extends number, J extends number> = [I] extends [J]
  ? [A, B]
  : [B, A];

/** The last three dims `[A, B, C]` with axes I and J (-3, -2 or -1) swapped, deciding on the axes alone (see SwapTail2). */
export type SwapTail3<A extends Dim, B extends Dim, C extends Dim, I extends number, J extends number> = [I] extends [J]
  ? [A, B, C]
  : [I | J] extends [-3 | -2]
    ? [B, A, C]
    : [I | J] extends [-2 | -1]
      ? [A, C, B]
      : [C, B, A];

type SwapAt<S extends Shape, A, B, DA extends Dim, DB extends Dim, I extends unknown[] = []> = S extends readonly [
  infer H extends Dim,
  ...infer T extends Shape,
]
  ? [I['length'] extends A ? DB : I['length'] extends B ? DA : H, ...SwapAt<T, A, B, DA, DB, [...I, unknown]>]
  : [];

// ---------------------------------------------------------------------------------------------
// Matmul

/**
 * Two dims that must be equal (matmul's inner dims, which do not broadcast): the known one of the two,
 * or `never` when they differ. Equal dims, a wide dim, or a name against a literal (checked at run
 * time) pass; two different literals or two different names do not, 1 against 3 included.
 */
export type SameDim<A extends Dim, B extends Dim> = [A] extends [B]
  ? A
  : IsWide<A> extends true
    ? B
    : IsWide<B> extends true
      ? A
      : A extends string
        ? B extends string
          ? never // two different names
          : A
        : B extends string
          ? B
          : never; // two different literals

/**
 * `Incompatible<Msg>` when S is the empty tuple, `unknown` for any other S. An indexed access and not a
 * conditional so that a generic S passes: the compiler checks it at S's widest length, `number`.
 */
export type NonEmptyCheck<S extends Shape, Msg extends string> = {
  readonly 0: Incompatible<Msg>;
  readonly [n: number]: unknown;
}[S['length']];

/** `unknown` when `A @ B` is valid: ranks of at least 2, equal inner dims (1 does not broadcast there), batch dims that broadcast. */
export type MatmulCheck<A extends Shape, B extends Shape> = number extends A['length'] | B['length']
  ? unknown
  : A extends readonly [...infer AB extends Shape, Dim, infer K1 extends Dim]
    ? B extends readonly [...infer BB extends Shape, infer K2 extends Dim, Dim]
      ? [SameDim<K1, K2>] extends [never]
        ? Incompatible<`matmul: inner dims ${K1} and ${K2} differ`>
        : BroadcastCheck<'matmul (batch dims)', AB, BB>
      : Incompatible<`matmul: the right operand has rank ${B['length']}, needs at least 2`>
    : Incompatible<`matmul: the left operand has rank ${A['length']}, needs at least 2`>;

/** The shape of `A @ B`: the broadcast batch dims, then A's rows and B's columns. */
export type MatmulShape<A extends Shape, B extends Shape> = number extends A['length'] | B['length']
  ? Shape
  : A extends readonly [...infer AB extends Shape, infer M extends Dim, Dim]
    ? B extends readonly [...infer BB extends Shape, Dim, infer N extends Dim]
      ? [...Broadcast<AB, BB>, M, N]
      : Shape
    : Shape;

// ---------------------------------------------------------------------------------------------
// Literals

/** The shape of a nested array literal: `[[1, 2, 3], [4, 5, 6]]` has shape `[2, 3]` (nesting up to 8 deep). */
export type LiteralShape<T, Depth extends unknown[] = []> = Depth['length'] extends 8
  ? Shape
  : T extends readonly unknown[]
    ? number extends T['length']
      ? [number, ...LiteralShape<T[number], [...Depth, unknown]>]
      : T extends readonly [infer F, ...unknown[]]
        ? [T['length'], ...LiteralShape<F, [...Depth, unknown]>]
        : [0]
    : [];

/** A value or nested arrays of values (the input of `tensor`). */
export type NestedArray<T> = T | readonly NestedArray<T>[];
