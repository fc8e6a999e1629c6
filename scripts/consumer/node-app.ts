/**
 * A consumer program, as a user of the published packages writes it: typed shapes, gradients, a layer
 * and an optimiser, a checkpoint written and read back, a puzzle generated and a few HRM training steps.
 * `scripts/package-check.ts` type-checks it against the installed declarations under strict flags and
 * runs it with plain `node`; it prints one line per part and exits non-zero if a result is wrong.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { valueAndGrad } from '@hrm/autodiff';
import { fromArray, key, matmul, mean, normal, scope, splitKey, square, sub, type Tensor } from '@hrm/core';
import { evaluate, hrm as hrmReasoner, initTrainState, modelConfig, trainConfig, trainStep } from '@hrm/hrm';
import {
  createRng,
  generateSudoku,
  SUDOKU_4,
  sudokuExample,
  sudokuSeqLen,
  sudokuVocabSize,
  toBatch,
} from '@hrm/hrm/tasks';
import { adam, initLinear, type LinearParams, linear } from '@hrm/nn';
import { loadCheckpoint, saveCheckpoint } from '@hrm/nn/node';
import * as E from 'fp-ts/lib/Either.js';

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`consumer: ${what}`);
}

// 1. Linear regression with typed shapes: y = x·w_true, learned by Adam.
const [kx, kw, kinit] = splitKey(key(0), 3);
const x: Tensor<['N', 3]> = normal(kx, ['N', 3], { dims: { N: 64 } });
const wTrue: Tensor<[3, 1]> = normal(kw, [3, 1]);
const y = matmul(x, wTrue); // Tensor<['N', 1]>
let params: LinearParams<3, 1> = initLinear(kinit, 3, 1);
const opt = adam({ lr: 0.1 });
let state = opt.init(params);
const loss = (p: LinearParams<3, 1>) => mean(square(sub(linear(p, x), y)));
const step = valueAndGrad(loss);
let last = Number.POSITIVE_INFINITY;
for (let i = 0; i < 200; i++) {
  const next = scope(() => {
    const { value, grad } = step(params);
    last = value.item();
    return opt.step(params, grad, state);
  });
  [params, state] = next;
}
expect(last < 1e-3, `linear regression did not converge (loss ${last})`);
console.log(`linear regression: loss ${last.toExponential(2)} after 200 Adam steps`);

// 2. A checkpoint written atomically and read back.
const dir = mkdtempSync(join(tmpdir(), 'hrm-consumer-'));
try {
  const path = join(dir, 'linear.safetensors');
  const saved = saveCheckpoint(path, { params, step: 200, key: key(0), config: { task: 'regression' } });
  expect(E.isRight(saved), 'saveCheckpoint failed');
  const loaded = loadCheckpoint(path);
  expect(E.isRight(loaded) && loaded.right.step === 200, 'loadCheckpoint did not give step 200 back');
  console.log('checkpoint: saved and loaded');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// 3. Data from outside is validated: a wrong length is a Left with the reason.
const bad = fromArray([1, 2, 3], [2, 2]);
expect(E.isLeft(bad), 'fromArray accepted 3 values for a [2, 2] tensor');

// 4. HRM on generated 4x4 Sudoku: a few deep-supervision steps, then an evaluation.
const rng = createRng(1);
const examples = Array.from({ length: 16 }, () => {
  const made = generateSudoku(SUDOKU_4, rng, { givens: 10 });
  if (E.isLeft(made)) throw new Error(made.left);
  return sudokuExample(made.right.puzzle, made.right.solution);
});
const batch = toBatch(examples, { seqLen: sudokuSeqLen(SUDOKU_4) });
if (E.isLeft(batch)) throw batch.left;
const model = modelConfig({
  vocabSize: sudokuVocabSize(SUDOKU_4),
  seqLen: sudokuSeqLen(SUDOKU_4),
  hidden: 16,
  heads: 2,
  hLayers: 1,
  lLayers: 1,
  hCycles: 2,
  lCycles: 2,
  expansion: 2,
  multipleOf: 8,
  haltMaxSteps: 2,
  puzzleEmbDim: 0,
});
const reasoner = hrmReasoner(model);
const train = trainConfig({ totalSteps: 5, batchSize: 16, lr: 1e-3, lrWarmupSteps: 1 });
let hrm = initTrainState(reasoner, key(2), train);
let lm = 0;
for (let i = 0; i < 5; i++) {
  const r = trainStep(reasoner, hrm, batch.right, train);
  hrm = r.state;
  lm = r.metrics.lmLoss;
}
expect(Number.isFinite(lm), 'HRM training gave a non-finite loss');
const result = evaluate(reasoner, hrm.params, hrm.buffers, [batch.right]);
expect(result.count === 16 && result.perSegment.length === 2, 'HRM evaluation did not run 2 segments on 16 puzzles');
console.log(`hrm: 5 training steps (lm loss ${lm.toFixed(3)}), evaluated ${result.count} puzzles`);
console.log('consumer: ok');
