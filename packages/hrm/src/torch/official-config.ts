/**
 * The official trainers' run config (`all_config.yaml`, which `pretrain.py` dumps beside its checkpoints and
 * `evaluate.py` reads back) mapped to this library's model config and back. The `arch` section holds the
 * model: sapientinc/HRM's `HierarchicalReasoningModel_ACTV1Config`, or TinyRecursiveModels' HRM and TRM
 * configs, which add `mlp_t`, `puzzle_emb_len` and `no_ACT_continue`. The top level holds training settings
 * (`PretrainConfig`). Vocabulary, sequence length and puzzle count are not in it: the trainer takes them
 * from the dataset's `dataset.json`.
 *
 * An unknown `arch` key is refused (it may change the model); a key the named model class does not have is
 * reported as ignored, as pydantic ignores it there; an unknown top-level key is reported.
 */
import type { ModelConfig } from '../config.js';
import type { TrainConfig } from '../train-config.js';

/** The official model classes, by the `arch.name` the configs use. */
const ARCHS = {
  'hrm.hrm_act_v1@HierarchicalReasoningModel_ACTV1': { arch: 'hrm', repo: 'HRM', extra: [] },
  'recursive_reasoning.hrm@HierarchicalReasoningModel_ACTV1': { arch: 'hrm', repo: 'TRM', extra: ['mlp_t'] },
  'recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1': {
    arch: 'trm',
    repo: 'TRM',
    extra: ['mlp_t', 'puzzle_emb_len', 'no_ACT_continue'],
  },
} as const;
export type OfficialArchName = keyof typeof ARCHS;

/** Model keys every official class has, and ours they become. */
const COMMON_KEYS = {
  H_cycles: 'hCycles',
  L_cycles: 'lCycles',
  H_layers: 'hLayers',
  L_layers: 'lLayers',
  hidden_size: 'hidden',
  num_heads: 'heads',
  expansion: 'expansion',
  puzzle_emb_ndim: 'puzzleEmbDim',
  pos_encodings: 'posEncodings',
  rms_norm_eps: 'rmsNormEps',
  rope_theta: 'ropeTheta',
  halt_max_steps: 'haltMaxSteps',
  halt_exploration_prob: 'haltExplorationProb',
  // Set by pretrain.py from dataset.json, but accepted in the section too.
  vocab_size: 'vocabSize',
  seq_len: 'seqLen',
  num_puzzle_identifiers: 'numPuzzleIdentifiers',
} as const;
/** Keys that exist but do not describe the weights: how they are treated. */
const NOTED_KEYS = {
  forward_dtype: 'the official code computes in it; this library computes in float32',
  batch_size: 'set by the trainer',
  causal: 'set by the trainer (attention is never causal)',
} as const;
/** The OmegaConf interpolation the arch files use for `puzzle_emb_ndim`. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: OmegaConf's syntax, not a template
const HIDDEN_SIZE_REFERENCE = '${.hidden_size}';
const LOSSES = { stablemax_cross_entropy: 'stablemax', softmax_cross_entropy: 'softmax' } as const;

/** PretrainConfig's fields in sapientinc/HRM and TinyRecursiveModels. */
const TOP_LEVEL_KEYS = new Set([
  'arch',
  'data_path',
  'data_paths',
  'data_paths_test',
  'evaluators',
  'global_batch_size',
  'epochs',
  'lr',
  'lr_min_ratio',
  'lr_warmup_steps',
  'weight_decay',
  'beta1',
  'beta2',
  'puzzle_emb_lr',
  'puzzle_emb_weight_decay',
  'project_name',
  'run_name',
  'load_checkpoint',
  'checkpoint_path',
  'seed',
  'checkpoint_every_eval',
  'eval_interval',
  'min_eval_interval',
  'eval_save_outputs',
  'ema',
  'ema_rate',
  'freeze_weights',
]);

function isRecord(u: unknown): u is Record<string, unknown> {
  return typeof u === 'object' && u !== null && !Array.isArray(u);
}

/** What an official run config says about the model. */
export interface OfficialModel {
  /** Model config fields (this library's names); vocabulary, sequence length and puzzle count usually absent. */
  readonly model: Record<string, unknown>;
  /** Things reported but not fatal: ignored keys, settings with no effect here. */
  readonly notes: readonly string[];
  /** Where the run's dataset was (`data_path`, or TRM's `data_paths`). */
  readonly dataPaths: readonly string[];
}

/**
 * The model config an official `all_config.yaml` (parsed) describes, or every problem: no `arch`, an
 * unknown model class or key, a value of the wrong kind.
 */
export function modelFromOfficialConfig(doc: unknown): { model: OfficialModel } | { problems: string[] } {
  if (!isRecord(doc)) return { problems: ['the config is not a mapping'] };
  const arch = doc.arch;
  if (!isRecord(arch)) return { problems: ['no arch section (the model)'] };
  const name = arch.name;
  const known = typeof name === 'string' && Object.hasOwn(ARCHS, name) ? ARCHS[name as OfficialArchName] : undefined;
  if (!known)
    return {
      problems: [`arch.name: ${JSON.stringify(name)} is not one of ${Object.keys(ARCHS).join(', ')}`],
    };
  const problems: string[] = [];
  const notes: string[] = [];
  const model: Record<string, unknown> = { arch: known.arch };
  const extra: readonly string[] = known.extra;
  for (const [key, value] of Object.entries(arch)) {
    if (key === 'name') continue;
    if (key === 'loss') {
      const loss = isRecord(value) ? value.loss_type : undefined;
      if (typeof loss === 'string' && Object.hasOwn(LOSSES, loss)) model.lossType = LOSSES[loss as keyof typeof LOSSES];
      else
        problems.push(`arch.loss.loss_type: ${JSON.stringify(loss)} is not one of ${Object.keys(LOSSES).join(', ')}`);
      continue;
    }
    if (Object.hasOwn(COMMON_KEYS, key)) {
      let v = value;
      // A raw arch file says `puzzle_emb_ndim: ${.hidden_size}`; a dumped run config has the number.
      if (key === 'puzzle_emb_ndim' && value === HIDDEN_SIZE_REFERENCE) v = arch.hidden_size;
      // TRM's one network ignores H_layers (its configs say 0, which is not a layer count here).
      if (key === 'H_layers' && known.arch === 'trm') continue;
      model[COMMON_KEYS[key as keyof typeof COMMON_KEYS]] = v;
    } else if (Object.hasOwn(NOTED_KEYS, key)) {
      if (key === 'forward_dtype') notes.push(`arch.forward_dtype: ${String(value)}: ${NOTED_KEYS.forward_dtype}`);
    } else if (key === 'mlp_t' || key === 'puzzle_emb_len' || key === 'no_ACT_continue') {
      if (!extra.includes(key)) {
        notes.push(`arch.${key}: ignored, as ${String(name)} has no such setting`);
        continue;
      }
      if (key === 'mlp_t') model.mlpT = value;
      else if (key === 'puzzle_emb_len') model.puzzleEmbLen = value;
      else if (typeof value !== 'boolean')
        problems.push(`arch.no_ACT_continue: expected a boolean, got ${String(value)}`);
      else {
        // TRM without the continue loss halts when q_halt > 0; with it, as HRM does.
        model.continueTarget = !value;
        model.haltRule = value ? 'q-positive' : 'q-compare';
      }
    } else problems.push(`arch.${key}: unknown key (not a setting of ${String(name)})`);
  }
  for (const key of Object.keys(doc))
    if (!TOP_LEVEL_KEYS.has(key)) notes.push(`${key}: not a setting of the official trainers; ignored`);
  const dataPaths = [
    ...(typeof doc.data_path === 'string' ? [doc.data_path] : []),
    ...(Array.isArray(doc.data_paths) ? doc.data_paths.filter((p): p is string => typeof p === 'string') : []),
  ];
  return problems.length > 0 ? { problems } : { model: { model, notes, dataPaths } };
}

/** The official class for a config: HRM goes to sapientinc/HRM, TRM to TinyRecursiveModels. */
export function officialArchName(cfg: ModelConfig): OfficialArchName {
  return cfg.arch === 'trm'
    ? 'recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1'
    : 'hrm.hrm_act_v1@HierarchicalReasoningModel_ACTV1';
}

/** Where the official trainer's run differs from what this library would do, and whether the weights still load. */
export interface Mismatch {
  readonly message: string;
  /** The official code could not build a model these weights fit. */
  readonly fatal: boolean;
}

/** What an official model of `cfg`'s class cannot reproduce. */
export function officialMismatches(cfg: ModelConfig): Mismatch[] {
  const out: Mismatch[] = [];
  const fatal = (message: string) => out.push({ message, fatal: true });
  const note = (message: string) => out.push({ message, fatal: false });
  if (cfg.gridMixer) fatal('gridMixer: the official code has no grid mixer');
  if (cfg.multipleOf !== 256)
    fatal(
      `multipleOf ${cfg.multipleOf}: the official SwiGLU rounds its width to a multiple of 256, so the shapes differ`,
    );
  if (cfg.arch === 'hrm') {
    if (cfg.mlpT) fatal('mlpT: sapientinc/HRM has no token-mixing MLP');
    if (cfg.posEncodings === 'none') fatal('posEncodings none: sapientinc/HRM needs rope or learned');
    if (cfg.puzzleEmbLen !== 0 && cfg.puzzleEmbLen !== Math.ceil(cfg.puzzleEmbDim / cfg.hidden))
      fatal(`puzzleEmbLen ${cfg.puzzleEmbLen}: sapientinc/HRM always uses ceil(puzzleEmbDim / hidden) prefix tokens`);
    if (cfg.haltRule !== 'q-compare' || !cfg.continueTarget)
      note(
        'sapientinc/HRM halts on q_halt > q_continue with the continue target (training only; evaluation runs every segment)',
      );
    if (cfg.gradWindow !== 'one-step')
      note(`gradWindow ${cfg.gradWindow}: sapientinc/HRM trains with the one-step gradient`);
  } else {
    if ((cfg.haltRule === 'q-positive') === cfg.continueTarget)
      note(
        'TinyRecursiveModels ties the halt rule to the continue loss (no_ACT_continue); the halt rule follows the loss',
      );
    if (cfg.gradWindow !== 'last-cycle')
      note(`gradWindow ${cfg.gradWindow}: TinyRecursiveModels trains with the last cycle differentiated`);
  }
  return out;
}

/** Training settings for the exported config, where this library's training config has them. */
export interface OfficialRun {
  readonly dataPath: string;
  readonly epochs: number;
  readonly evalInterval: number;
  readonly train?: Partial<TrainConfig> | undefined;
}

/**
 * An `all_config.yaml` document for `cfg` that the official `pretrain.py` and `evaluate.py` accept: the
 * `arch` section of the model's class and PretrainConfig's fields (HRM's `data_path`, or TRM's `data_paths`
 * and its extra fields). Keys are sorted, as `yaml.dump` writes them.
 */
export function officialConfigFor(cfg: ModelConfig, run: OfficialRun): Record<string, unknown> {
  const t = run.train ?? {};
  const arch: Record<string, unknown> = {
    name: officialArchName(cfg),
    loss: {
      name: 'losses@ACTLossHead',
      loss_type: cfg.lossType === 'softmax' ? 'softmax_cross_entropy' : 'stablemax_cross_entropy',
    },
    H_cycles: cfg.hCycles,
    L_cycles: cfg.lCycles,
    H_layers: cfg.arch === 'trm' ? 0 : cfg.hLayers,
    L_layers: cfg.lLayers,
    hidden_size: cfg.hidden,
    num_heads: cfg.heads,
    expansion: cfg.expansion,
    puzzle_emb_ndim: cfg.puzzleEmbDim,
    pos_encodings: cfg.posEncodings,
    rms_norm_eps: cfg.rmsNormEps,
    rope_theta: cfg.ropeTheta,
    halt_max_steps: cfg.haltMaxSteps,
    halt_exploration_prob: cfg.haltExplorationProb,
    forward_dtype: 'bfloat16',
    ...(cfg.arch === 'trm'
      ? { mlp_t: cfg.mlpT, puzzle_emb_len: cfg.puzzleEmbLen, no_ACT_continue: !cfg.continueTarget }
      : {}),
  };
  const doc: Record<string, unknown> = {
    arch,
    ...(cfg.arch === 'trm'
      ? { data_paths: [run.dataPath], data_paths_test: [], evaluators: [], load_checkpoint: null }
      : { data_path: run.dataPath }),
    global_batch_size: t.batchSize ?? 768,
    epochs: run.epochs,
    eval_interval: run.evalInterval,
    checkpoint_every_eval: true,
    lr: t.lr ?? 1e-4,
    lr_min_ratio: t.lrMinRatio ?? 1,
    lr_warmup_steps: t.lrWarmupSteps ?? 2000,
    weight_decay: t.weightDecay ?? 0.1,
    beta1: t.beta1 ?? 0.9,
    beta2: t.beta2 ?? 0.95,
    puzzle_emb_lr: t.puzzleEmbLr ?? 1e-2,
    puzzle_emb_weight_decay: t.puzzleEmbWeightDecay ?? 0.1,
    project_name: null,
    run_name: null,
    checkpoint_path: null,
    seed: t.seed ?? 0,
    eval_save_outputs: [],
    ...(cfg.arch === 'trm'
      ? { min_eval_interval: 0, ema: (t.emaRate ?? 0) > 0, ema_rate: t.emaRate || 0.999, freeze_weights: false }
      : {}),
  };
  return doc;
}
