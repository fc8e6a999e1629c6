/**
 * Weights trained with the official PyTorch HRM (sapientinc/HRM) or TRM, saved as safetensors, mapped
 * onto this library's parameters. The names are those of `HierarchicalReasoningModel_ACTV1`'s state
 * dict (checked against models/hrm/hrm_act_v1.py and models/layers.py), usually behind a prefix such
 * as `_orig_mod.model.` (a compiled model inside ACTLossHead); PyTorch stores linear weights [out, in]
 * and this library [in, out], so they are transposed; bf16 and f16 are read as float32.
 * Every missing, unexpected, mis-shaped or non-finite tensor is reported by name, all at once. The
 * `torch.save` files the official trainer writes are read by `torch/load.ts`; `torch/export.ts` is the inverse.
 */
import { type AnyTensor, fromArray, transpose } from '@hrm/core';
import { CheckpointError, type DecodedTensor, decodeSafetensors } from '@hrm/nn';
import * as E from 'fp-ts/lib/Either.js';
import type { ModelConfig } from './config.js';
import { type HrmBuffers, type HrmParams, modelTemplate } from './params.js';

/** Where each tensor of the official state dict goes: a path into { params, buffers } and whether to transpose. */
interface Slot {
  readonly name: string;
  readonly path: readonly (string | number)[];
  readonly transpose: boolean;
}

function moduleSlots(level: 'H_level' | 'L_level', into: 'H' | 'L', layers: number, cfg: ModelConfig): Slot[] {
  const slots: Slot[] = [];
  for (let i = 0; i < layers; i++) {
    const base = `inner.${level}.layers.${i}`;
    const at = (...rest: string[]) => ['params', into, i, ...rest];
    if (cfg.mlpT) {
      slots.push({ name: `${base}.mlp_t.gate_up_proj.weight`, path: at('tokenMixer', 'gateUp'), transpose: true });
      slots.push({ name: `${base}.mlp_t.down_proj.weight`, path: at('tokenMixer', 'down'), transpose: true });
    } else {
      slots.push({ name: `${base}.self_attn.qkv_proj.weight`, path: at('attention', 'qkv'), transpose: true });
      slots.push({ name: `${base}.self_attn.o_proj.weight`, path: at('attention', 'out'), transpose: true });
    }
    slots.push({ name: `${base}.mlp.gate_up_proj.weight`, path: at('mlp', 'gateUp'), transpose: true });
    slots.push({ name: `${base}.mlp.down_proj.weight`, path: at('mlp', 'down'), transpose: true });
  }
  return slots;
}

/** The official names this config's state dict has. */
export function officialSlots(cfg: ModelConfig): Slot[] {
  return [
    { name: 'inner.embed_tokens.embedding_weight', path: ['params', 'embed', 'table'], transpose: false },
    ...(cfg.posEncodings === 'learned'
      ? [{ name: 'inner.embed_pos.embedding_weight', path: ['params', 'positions', 'table'], transpose: false }]
      : []),
    ...(cfg.arch === 'hrm' ? moduleSlots('H_level', 'H', cfg.hLayers, cfg) : []),
    ...moduleSlots('L_level', 'L', cfg.lLayers, cfg),
    { name: 'inner.lm_head.weight', path: ['params', 'lmHead', 'w'], transpose: true },
    { name: 'inner.q_head.weight', path: ['params', 'qHead', 'w'], transpose: true },
    { name: 'inner.q_head.bias', path: ['params', 'qHead', 'b'], transpose: false },
    { name: 'inner.H_init', path: ['buffers', 'hInit'], transpose: false },
    { name: 'inner.L_init', path: ['buffers', 'lInit'], transpose: false },
    ...(cfg.puzzleEmbDim > 0
      ? [{ name: 'inner.puzzle_emb.weights', path: ['buffers', 'puzzleEmb'], transpose: false }]
      : []),
  ];
}

/** The prefix before `inner.` shared by the state dict's names (e.g. `_orig_mod.model.`). */
function findPrefix(names: readonly string[]): string {
  const probe = names.find((n) => n.includes('inner.embed_tokens.')) ?? names.find((n) => n.includes('inner.')) ?? '';
  return probe.slice(0, Math.max(0, probe.indexOf('inner.')));
}

type Tree = { [k: string]: unknown } | unknown[];

function getAt(tree: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((node, k) => (node as Record<string | number, unknown>)?.[k], tree);
}

function setAt(tree: Tree, path: readonly (string | number)[], value: unknown): void {
  const parent = getAt(tree, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]] = value;
}

/** Deep copy of nested arrays and plain objects (tensors shared), so slots can be filled in place. */
function copyTree<T>(x: T): T {
  if (Array.isArray(x)) return x.map(copyTree) as T;
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype)
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, copyTree(v)])) as T;
  return x;
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Maps a decoded state dict onto parameters for `cfg`, or returns every problem found: names the
 * config expects but the file lacks, names the file has that the config does not use, and tensors
 * whose shape (after PyTorch's [out, in] is accounted for) does not match.
 */
export function importStateDict(
  tensors: Readonly<Record<string, DecodedTensor>>,
  cfg: ModelConfig,
  source = 'state dict',
): E.Either<CheckpointError, { params: HrmParams; buffers: HrmBuffers }> {
  const names = Object.keys(tensors);
  const prefix = findPrefix(names);
  // The expected shapes come from a model of this config (zeros: every tensor is replaced from the file).
  const template = copyTree(modelTemplate(cfg)) as unknown as Tree;
  const slots = officialSlots(cfg);
  const problems: string[] = [];
  const used = new Set<string>();
  for (const slot of slots) {
    const full = prefix + slot.name;
    const found = tensors[full];
    const want = getAt(template, slot.path) as AnyTensor | undefined;
    if (!want) throw new Error(`importStateDict: no parameter at ${slot.path.join('.')} (config and slots disagree)`);
    if (!found) {
      problems.push(
        `missing '${full}' (expected shape ${fmt(slot.transpose ? [...want.shape].reverse() : want.shape)})`,
      );
      continue;
    }
    used.add(full);
    const shape = slot.transpose ? [...found.shape].reverse() : [...found.shape];
    if (shape.length !== want.rank || shape.some((d, i) => d !== want.shape[i])) {
      problems.push(
        `'${full}' has shape ${fmt(found.shape)}, expected ${fmt(slot.transpose ? [...want.shape].reverse() : want.shape)}`,
      );
      continue;
    }
    if (found.dtype === 'int32') {
      problems.push(`'${full}' is an integer tensor (${found.storedAs}); expected floating point`);
      continue;
    }
    // A diverged run saves NaN or ±Infinity; such weights would only make NaN predictions.
    let nonFinite = 0;
    for (const v of found.data) if (!Number.isFinite(v)) nonFinite++;
    if (nonFinite > 0) {
      problems.push(`'${full}' holds ${nonFinite} non-finite values (NaN or ±Infinity)`);
      continue;
    }
    const made = fromArray(found.data, [...found.shape], { dtype: 'float32', allowNonFinite: true });
    if (E.isLeft(made)) {
      problems.push(`'${full}': ${made.left.message}`);
      continue;
    }
    const t = made.right as AnyTensor;
    setAt(template, slot.path, slot.transpose ? transpose(t) : t);
  }
  // Buffers PyTorch keeps out of the model proper may be present; everything else is unexpected.
  const ignorable = (n: string) => /rotary_emb\.(cos|sin)_cached$|puzzle_emb\.local_(weights|ids)$/.test(n);
  for (const n of names)
    if (!used.has(n) && !ignorable(n))
      problems.push(`unexpected '${n}' (not part of this ${cfg.arch.toUpperCase()} config)`);
  if (problems.length > 0) return E.left(new CheckpointError(source, problems));
  const { params, buffers } = template as unknown as { params: HrmParams; buffers: HrmBuffers };
  return E.right({ params, buffers });
}

/** `importStateDict` on the bytes of a .safetensors file. */
export function importSafetensors(
  bytes: Uint8Array,
  cfg: ModelConfig,
  source = 'safetensors file',
): E.Either<CheckpointError, { params: HrmParams; buffers: HrmBuffers }> {
  return E.chain((decoded: { tensors: Readonly<Record<string, DecodedTensor>> }) =>
    importStateDict(decoded.tensors, cfg, source),
  )(decodeSafetensors(bytes, source));
}
