/**
 * The two heads of HRM and TRM, read from the state that holds the answer (HRM's zH, TRM's y): the LM
 * head on every token position (the puzzle prefix dropped), and the Q head on position 0.
 */
import { index, rename, slice } from '@hrm/core';
import { linear } from '@hrm/nn';
import type { ReasonerIO } from './params.js';
import type { Hidden, Logits, QValues } from './reasoner.js';

/** Token logits from `answer`'s positions after the `prefix` puzzle-embedding positions. */
export function lmOutput(params: ReasonerIO, answer: Hidden, prefix: number): Logits {
  return rename(linear(params.lmHead, slice(answer, 1, prefix)), ['batch', 'tokens', 'vocab']);
}

/** The Q head on position 0: the logits of halting and of continuing. */
export function qOutput(params: ReasonerIO, answer: Hidden): QValues {
  const q = linear(params.qHead, index(answer, 1, 0));
  return { halt: index(q, -1, 0), continue: index(q, -1, 1) };
}
