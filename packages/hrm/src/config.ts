/**
 * Model configuration as an io-ts codec with HRM's defaults (`config/arch/hrm_v1.yaml`) and TRM's
 * (`config/arch/trm.yaml`). `decodeModelConfig` fills in defaults for the chosen `arch`, rejects
 * unknown fields (a typo is an error, not a silently ignored key) and checks the fields that depend
 * on each other, reporting every problem with the path of the bad field.
 */
import { describeValue, formatValidationErrors } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

const int = (min: number, name: string) =>
  t.brand(
    t.number,
    (n): n is t.Branded<number, { readonly [K in typeof name]: symbol }> => Number.isInteger(n) && n >= min,
    name,
  );

export const PositiveInt = int(1, 'PositiveInt');
export const NonNegativeInt = int(0, 'NonNegativeInt');
export const PositiveNumber = t.brand(
  t.number,
  (n): n is t.Branded<number, { readonly PositiveNumber: symbol }> => Number.isFinite(n) && n > 0,
  'PositiveNumber',
);
export const Probability = t.brand(
  t.number,
  (n): n is t.Branded<number, { readonly Probability: symbol }> => n >= 0 && n <= 1,
  'Probability',
);

/** The io-ts codec of a full model config (every field required; `decodeModelConfig` fills in defaults first). */
export const ModelConfigCodec = t.exact(
  t.type({
    /** `hrm`: separate H and L networks, one-step gradient. `trm`: one shared network, last-cycle gradient. */
    arch: t.keyof({ hrm: null, trm: null }),
    vocabSize: PositiveInt,
    /** Tokens per example (the puzzle prefix comes on top). */
    seqLen: PositiveInt,
    numPuzzleIdentifiers: PositiveInt,
    /** Width of each puzzle's learned embedding; 0 for none. */
    puzzleEmbDim: NonNegativeInt,
    /** Prefix tokens: 0 means ceil(puzzleEmbDim / hidden) (HRM); TRM uses 16. */
    puzzleEmbLen: NonNegativeInt,
    hidden: PositiveInt,
    heads: PositiveInt,
    hLayers: PositiveInt,
    lLayers: PositiveInt,
    hCycles: PositiveInt,
    lCycles: PositiveInt,
    expansion: PositiveNumber,
    /** SwiGLU widths round up to a multiple of this (256 in the reference; small models want less). */
    multipleOf: PositiveInt,
    /** Mix positions with a token-mixing MLP instead of attention (TRM's mlp_t). */
    mlpT: t.boolean,
    /**
     * Mix positions with the grid mixer instead of attention: each cell of the square grid of tokens
     * mixes its 3x3 neighbourhood, the prefix the cells' mean. Its weights do not depend on `seqLen`,
     * so with `posEncodings` none a model runs on grids of any size (`sizeFree`).
     */
    gridMixer: t.boolean,
    posEncodings: t.keyof({ rope: null, learned: null, none: null }),
    ropeTheta: PositiveNumber,
    rmsNormEps: PositiveNumber,
    lossType: t.keyof({ stablemax: null, softmax: null }),
    haltMaxSteps: PositiveInt,
    haltExplorationProb: Probability,
    /** `q-compare`: halt when q_halt > q_continue (HRM). `q-positive`: halt when q_halt > 0 (TRM). */
    haltRule: t.keyof({ 'q-compare': null, 'q-positive': null }),
    /** Learn q_continue from a bootstrapped target (a second forward pass), as HRM does. */
    continueTarget: t.boolean,
    /**
     * Which module evaluations of a segment are differentiated: `one-step` (HRM: the last L and the
     * last H), `last-cycle` (TRM: the whole last cycle) or `bptt` (all of them, for comparison).
     */
    gradWindow: t.keyof({ 'one-step': null, 'last-cycle': null, bptt: null }),
  }),
  'ModelConfig',
);

/** Numbers are plain numbers once validated (the brands only guard decoding), so configs compose in code. */
export type ModelConfig = {
  readonly [K in keyof t.TypeOf<typeof ModelConfigCodec>]: t.TypeOf<typeof ModelConfigCodec>[K] extends number
    ? number
    : t.TypeOf<typeof ModelConfigCodec>[K];
};

/** What a config file has to say: the two sizes the data decides; everything else has a default. */
export type ModelConfigInput = Partial<{
  [K in keyof ModelConfig]: ModelConfig[K] extends number ? number : ModelConfig[K];
}> & {
  readonly vocabSize: number;
  readonly seqLen: number;
};

const HRM_DEFAULTS = {
  arch: 'hrm',
  numPuzzleIdentifiers: 1,
  puzzleEmbLen: 0,
  hidden: 512,
  heads: 8,
  hLayers: 4,
  lLayers: 4,
  hCycles: 2,
  lCycles: 2,
  expansion: 4,
  multipleOf: 256,
  mlpT: false,
  gridMixer: false,
  posEncodings: 'rope',
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  lossType: 'stablemax',
  haltMaxSteps: 16,
  haltExplorationProb: 0.1,
  haltRule: 'q-compare',
  continueTarget: true,
  gradWindow: 'one-step',
} as const;

const TRM_DEFAULTS = {
  ...HRM_DEFAULTS,
  arch: 'trm',
  puzzleEmbLen: 16,
  lLayers: 2,
  hCycles: 3,
  lCycles: 6,
  haltRule: 'q-positive',
  continueTarget: false,
  gradWindow: 'last-cycle',
} as const;

/**
 * Upper bounds of the size fields, far above any model this library trains or imports (the official
 * HRM is hidden 512, 8 heads, 4 + 4 layers; ARC's vocabulary is 12, its sequences 900 tokens), so that a
 * hostile or mistyped config is refused before anything is allocated for it.
 */
export const MODEL_LIMITS = {
  vocabSize: 65_536,
  seqLen: 65_536,
  numPuzzleIdentifiers: 10_000_000,
  puzzleEmbDim: 65_536,
  puzzleEmbLen: 4_096,
  hidden: 16_384,
  heads: 1_024,
  hLayers: 256,
  lLayers: 256,
  hCycles: 1_024,
  lCycles: 1_024,
  expansion: 64,
  multipleOf: 65_536,
  haltMaxSteps: 4_096,
} as const;

/** `field: 100000 is over the limit of 16384` for each numeric field above its bound. */
export function overLimits<T extends Readonly<Record<string, unknown>>>(
  values: T,
  limits: { readonly [K in keyof T]?: number },
): string[] {
  return (Object.keys(limits) as (keyof T & string)[]).flatMap((k) => {
    const v = values[k];
    const limit = limits[k];
    return typeof v === 'number' && limit !== undefined && v > limit
      ? [`${k}: ${v} is over the limit of ${limit}`]
      : [];
  });
}

function isRecord(u: unknown): u is Record<string, unknown> {
  return typeof u === 'object' && u !== null && !Array.isArray(u);
}

/**
 * A full model config from a partial one (e.g. parsed JSON), or the list of problems, each with the
 * path of the field: `hidden: expected PositiveInt, got -3`, `heads: 512 hidden units do not split
 * into 7 heads`.
 */
export function decodeModelConfig(input: unknown): E.Either<string[], ModelConfig> {
  if (!isRecord(input)) return E.left([`(root): expected an object, got ${describeValue(input)}`]);
  const arch = input.arch ?? 'hrm';
  const base = arch === 'trm' ? TRM_DEFAULTS : HRM_DEFAULTS;
  // The puzzle embedding defaults to one token's width (HRM's `puzzle_emb_ndim: ${.hidden_size}`).
  const hidden =
    typeof input.hidden === 'number' && Number.isInteger(input.hidden) && input.hidden > 0 ? input.hidden : base.hidden;
  const merged: Record<string, unknown> = { ...base, puzzleEmbDim: hidden, ...input };
  const unknown = Object.keys(input).filter((k) => !Object.hasOwn(ModelConfigCodec.type.props, k));
  const problems = unknown.map((k) => `${k}: unknown field`);
  const decoded = ModelConfigCodec.decode(merged);
  if (E.isLeft(decoded)) return E.left([...problems, ...formatValidationErrors(decoded.left)]);
  const cfg = decoded.right;
  problems.push(...overLimits(cfg, MODEL_LIMITS));
  if (cfg.hidden % cfg.heads !== 0)
    problems.push(`heads: ${cfg.hidden} hidden units do not split into ${cfg.heads} heads`);
  else if (cfg.posEncodings === 'rope' && (cfg.hidden / cfg.heads) % 2 !== 0)
    problems.push(`heads: RoPE needs an even head size, and ${cfg.hidden} / ${cfg.heads} = ${cfg.hidden / cfg.heads}`);
  if (cfg.puzzleEmbLen > 0 && cfg.puzzleEmbLen * cfg.hidden < cfg.puzzleEmbDim)
    problems.push(
      `puzzleEmbLen: ${cfg.puzzleEmbLen} prefix tokens of ${cfg.hidden} cannot hold a ${cfg.puzzleEmbDim}-wide puzzle embedding`,
    );
  if (cfg.mlpT && cfg.posEncodings === 'rope')
    problems.push('posEncodings: the token-mixing MLP (mlpT) has no attention for RoPE; use none or learned');
  if (cfg.gridMixer) {
    if (cfg.mlpT) problems.push('gridMixer: a model has one sequence mixer; gridMixer and mlpT are both on');
    if (cfg.posEncodings === 'rope')
      problems.push('posEncodings: the grid mixer has no attention for RoPE; use none (or learned, tied to seqLen)');
    const side = Math.round(Math.sqrt(cfg.seqLen));
    if (side * side !== cfg.seqLen)
      problems.push(`seqLen: the grid mixer needs a square grid of tokens, and ${cfg.seqLen} is not a square`);
  }
  return problems.length > 0 ? E.left(problems) : E.right(cfg);
}

/**
 * Whether a model of `cfg` has no weight tied to `seqLen` (the grid mixer without learned positions),
 * so that its weights run on puzzles of another size: trained on 9x9 mazes, scored on 15x15 ones.
 */
export function sizeFree(cfg: ModelConfig): boolean {
  return cfg.gridMixer && cfg.posEncodings !== 'learned';
}

/**
 * `cfg` at another sequence length, for a size-free model (its weights unchanged), or why not: the
 * model is tied to its length, or the length is no square grid.
 */
export function atSeqLen(cfg: ModelConfig, seqLen: number): E.Either<string[], ModelConfig> {
  if (seqLen === cfg.seqLen) return E.right(cfg);
  if (!sizeFree(cfg))
    return E.left([
      `seqLen: the model is tied to ${cfg.seqLen} tokens; only a size-free model (the grid mixer without learned positions) runs at ${seqLen}`,
    ]);
  return decodeModelConfig({ ...cfg, seqLen });
}

/** The number of prefix tokens the puzzle embedding takes. */
export function prefixLength(cfg: ModelConfig): number {
  if (cfg.puzzleEmbDim === 0) return 0;
  return cfg.puzzleEmbLen > 0 ? cfg.puzzleEmbLen : Math.ceil(cfg.puzzleEmbDim / cfg.hidden);
}

/** A config from code: like `decodeModelConfig`, but throws with every problem listed. */
export function modelConfig(input: ModelConfigInput): ModelConfig {
  const r = decodeModelConfig(input);
  if (E.isLeft(r)) throw new Error(`invalid model config:\n  ${r.left.join('\n  ')}`);
  return r.right;
}
