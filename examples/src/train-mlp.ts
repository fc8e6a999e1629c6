/**
 * The main job until the HRM packages land: train an MLP on three spirals and report accuracy.
 *
 *   npx tsx examples/src/train-mlp.ts [--steps 400] [--seed 0] [--hidden 32]
 */

import { parseArgs } from 'node:util';
import { currentBackend } from '@hrm/core';
import { train } from './train.js';

function main(): void {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '400' },
      seed: { type: 'string', default: '0' },
      hidden: { type: 'string', default: '32' },
    },
  });
  const int = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      console.error(`--${name} must be a non-negative integer, got ${v}`);
      process.exit(2);
    }
    return n;
  };
  const steps = int('steps', values.steps);
  console.log(
    `Training a ${values.hidden}-unit MLP on three spirals (300 points) for ${steps} steps on the ${currentBackend().name} backend`,
  );
  const t0 = performance.now();
  const result = train({
    steps,
    seed: int('seed', values.seed),
    hidden: int('hidden', values.hidden),
    learningRate: 0.5,
    momentum: 0.9,
    log: console.log,
  });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `done in ${seconds.toFixed(1)} s: train accuracy ${result.trainAccuracy.toFixed(3)}, held-out accuracy ${result.testAccuracy.toFixed(3)}`,
  );
}

main();
