/**
 * Input embeddings (`_input_embeddings`): token embeddings, the puzzle embedding as prefix tokens
 * (zero-padded to whole tokens and prepended), learned positions if chosen (`(x + pos)/sqrt 2`), and
 * the sqrt(hidden) scale that makes the token vectors roughly unit variance.
 */
import { type AnyTensor, concat, mul, pad, reshape, type Tensor } from '@hrm/core';
import { addLearnedPositions, embed } from '@hrm/nn';
import { type ModelConfig, prefixLength } from './config.js';
import type { HrmParams } from './params.js';

/**
 * `[B, P + L, hidden]` from tokens `[B, L]` and the batch's puzzle-embedding rows `[B, puzzleEmbDim]`
 * (gathered by the caller: in training they are a differentiated leaf of their own, see train.ts).
 */
export function inputEmbeddings(
  params: HrmParams,
  tokens: Tensor<['B', 'L'], 'int32'>,
  puzzleRows: AnyTensor | undefined,
  cfg: ModelConfig,
): Tensor<['B', 'S', number]> {
  let x: AnyTensor = embed(params.embed, tokens);
  const prefix = prefixLength(cfg);
  if (prefix > 0) {
    if (!puzzleRows) throw new Error('inputEmbeddings: this config has a puzzle embedding; pass its rows');
    const width = prefix * cfg.hidden;
    const padded =
      puzzleRows.shape[1] === width
        ? puzzleRows
        : pad(puzzleRows, [
            [0, 0],
            [0, width - puzzleRows.shape[1]],
          ]);
    x = concat([reshape(padded, [puzzleRows.shape[0], prefix, cfg.hidden]), x], 1);
  }
  if (cfg.posEncodings === 'learned' && params.positions) x = addLearnedPositions(x, params.positions);
  return mul(x, Math.sqrt(cfg.hidden)) as Tensor<['B', 'S', number]>;
}
