/**
 * This library's weights as the official state dict: the inverse of `importStateDict` (import.ts), with
 * the same names (`officialSlots`), PyTorch's [out, in] layout for linear weights, and the dtypes the
 * official model keeps: float32 for parameters and the puzzle table, bfloat16 for H_init and L_init (the
 * official model holds them in its forward dtype, and a float32 one would turn its bfloat16 carry into
 * float32, which FlashAttention refuses). The prefix defaults to `_orig_mod.model.`: the names of the
 * compiled model inside its loss head, as `pretrain.py` saves it and `evaluate.py` loads it.
 */
import { type AnyTensor, transpose } from '@hrm/core';
import type { ModelConfig } from '../config.js';
import { officialSlots } from '../import.js';
import type { HrmBuffers, HrmParams } from '../params.js';
import type { StateEntry } from './save.js';

/** The prefix `pretrain.py`'s checkpoints have: torch.compile's `_orig_mod.`, then the loss head's `model.`. */
export const COMPILED_PREFIX = '_orig_mod.model.';

const BF16_STATES = new Set(['inner.H_init', 'inner.L_init']);

/** The official state dict of `model` (a `cfg` model), in the official order. */
export function exportStateDict(
  model: { readonly params: HrmParams; readonly buffers: HrmBuffers },
  cfg: ModelConfig,
  prefix = COMPILED_PREFIX,
): [string, StateEntry][] {
  return officialSlots(cfg).map((slot) => {
    const t = slot.path.reduce<unknown>((node, k) => (node as Record<string | number, unknown>)[k], model) as
      | AnyTensor
      | undefined;
    if (!t) throw new Error(`exportStateDict: no tensor at ${slot.path.join('.')} for this config`);
    const stored = slot.transpose ? transpose(t) : t;
    const entry: StateEntry = {
      dtype: BF16_STATES.has(slot.name) ? 'BF16' : 'F32',
      shape: [...stored.shape],
      values: Float32Array.from(stored.data()),
    };
    return [prefix + slot.name, entry];
  });
}
