/**
 * A browser consumer: only the main entry points (no `node` subpaths), no Node types. The package check
 * type-checks it with bundler resolution and builds it with Vite, failing if any Node built-in module
 * is pulled in.
 */
import { grad } from '@hrm/autodiff';
import { key, normal, sum, type Tensor, tanh } from '@hrm/core';
import { initHrm, modelConfig } from '@hrm/hrm';
import { createRng, generateMaze } from '@hrm/hrm/tasks';
import { initLinear, linear } from '@hrm/nn';
import * as E from 'fp-ts/lib/Either.js';

const x: Tensor<['B', 8]> = normal(key(0), ['B', 8], { dims: { B: 4 } });
const g = grad((p: ReturnType<typeof initLinear<8, 2>>) => sum(tanh(linear(p, x))))(initLinear(key(1), 8, 2));
const model = modelConfig({ vocabSize: 6, seqLen: 16, hidden: 16, heads: 2, expansion: 2, multipleOf: 8 });
const { params } = initHrm(key(2), model);
const maze = generateMaze(createRng(3), { height: 9, width: 9 });
const path = E.isRight(maze) ? maze.right.pathLength : -1;
// A global write keeps the bundler from shaking the work away (a page would render it).
(globalThis as { hrmDemo?: string }).hrmDemo = `${g.w.describe()} ${params.L.length} ${path}`;
