/**
 * @hrm/autodiff: reverse-mode automatic differentiation as functions. `grad`, `valueAndGrad` and
 * `vjp` over trees of tensors; `stopGradient`/`detach` and `noGrad` to cut the graph. The gradient
 * rules live beside each op in @hrm/core.
 *
 * @packageDocumentation
 * @module @hrm/autodiff
 */
export { detach, noGrad, stopGradient } from '@hrm/core';
export type { Scalar, ValueAndGrad } from './grad.js';
export { grad, valueAndGrad } from './grad.js';
export type { GradCheckOptions, GradCheckResult } from './gradcheck.js';
export { checkGradients } from './gradcheck.js';
export type { Leaf, Tree } from './tree.js';
export { leaves, mapTensors, treeMap, unflatten } from './tree.js';
export type { VjpResult } from './vjp.js';
export { backward, vjp } from './vjp.js';
