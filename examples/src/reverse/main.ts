/**
 * Trains a two-layer Transformer to reverse digit sequences, saves a checkpoint, reloads it and checks
 * that the reloaded model gives identical outputs.
 *
 *   npx tsx examples/src/reverse/main.ts [--steps 150] [--seed 0] [--checkpoint reverse.safetensors]
 */

import { parseArgs } from 'node:util';
import { currentBackend, key } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';
import { load, save } from './checkpoint.js';
import { forward } from './model.js';
import { DEFAULT_CONFIG, evaluate, reverseBatch, train } from './train.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '150' },
    seed: { type: 'string', default: '0' },
    checkpoint: { type: 'string', default: 'reverse.safetensors' },
  },
});
const steps = Number(values.steps);
const seed = Number(values.seed);
if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(seed)) {
  console.error('--steps must be a positive integer and --seed an integer');
  process.exit(2);
}
const cfg = { ...DEFAULT_CONFIG, steps, seed };
const path = values.checkpoint ?? 'reverse.safetensors';

console.log(
  `Reversing ${cfg.model.seqLen}-digit sequences with a ${cfg.model.layers}-layer Transformer, ${steps} steps on the ${currentBackend().name} backend`,
);
const t0 = performance.now();
const state = train(cfg, undefined, (step, loss) =>
  console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}`),
);
const acc = evaluate(state.params, cfg);
console.log(
  `trained in ${((performance.now() - t0) / 1000).toFixed(1)} s: held-out token accuracy ${acc.token.toFixed(3)}, exact ${acc.exact.toFixed(3)}`,
);

const saved = save(path, state, cfg);
if (E.isLeft(saved)) {
  console.error(saved.left.message);
  process.exit(1);
}
const loaded = load(path, cfg);
if (E.isLeft(loaded)) {
  console.error(loaded.left.message);
  process.exit(1);
}
const { inputs } = reverseBatch(key(12345), 16, cfg.model);
const before = forward(state.params, inputs, cfg.model).data();
const after = forward(loaded.right.params, inputs, cfg.model).data();
const identical = before.length === after.length && before.every((v, i) => Object.is(v, after[i]));
console.log(
  `saved ${path}, reloaded it at step ${loaded.right.step}: outputs ${identical ? 'identical, bit for bit' : 'DIFFER'}`,
);
if (!identical) process.exit(1);
