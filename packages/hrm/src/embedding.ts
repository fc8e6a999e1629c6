/**
 * Input embeddings (`_input_embeddings`): token embeddings, the puzzle embedding as prefix tokens
 * (zero-padded to whole tokens and prepended), learned positions if chosen (`(x + pos)·0.707106781`),
 * and the sqrt(hidden) scale that makes the token vectors roughly unit variance.
 */
import { concat, mul, pad, rename, splitLast } from '@hrm/core';
import { addLearnedPositions, embed } from '@hrm/nn';
import { type ModelConfig, prefixLength } from './config.js';
import type { ReasonerIO } from './params.js';
import type { Hidden, PuzzleRows, Tokens } from './reasoner.js';

/**
 * `[batch, seq, hidden]` from tokens `[batch, tokens]` and the batch's puzzle-embedding rows
 * `[batch, puzzleDim]` (gathered by the caller: in training they are a differentiated leaf of their own,
 * see train.ts).
 */
export function inputEmbeddings(
  params: ReasonerIO,
  tokens: Tokens,
  puzzleRows: PuzzleRows | undefined,
  cfg: ModelConfig,
): Hidden {
  const x = embed(params.embed, tokens);
  const prefix = prefixLength(cfg);
  let h: Hidden;
  if (prefix > 0) {
    if (!puzzleRows) throw new Error('inputEmbeddings: this config has a puzzle embedding; pass its rows');
    const width = prefix * cfg.hidden;
    // Zero-padded to whole tokens (`prefixWidth` = prefix · hidden), split into prefix positions, then the
    // tokens after them: `seq` = prefix + tokens, checked by rename.
    const padded = rename(
      pad(puzzleRows, [
        [0, 0],
        [0, width - puzzleRows.shape[1]],
      ]),
      ['batch', 'prefixWidth'],
    );
    const prefixTokens = splitLast(padded, [prefix, 'hidden'], { hidden: cfg.hidden });
    h = rename(concat([prefixTokens, x], 1), ['batch', 'seq', 'hidden']);
  } else h = rename(x, ['batch', 'seq', 'hidden']);
  if (cfg.posEncodings === 'learned' && params.positions) h = addLearnedPositions(h, params.positions);
  return mul(h, Math.sqrt(cfg.hidden));
}
