/**
 * A toy data set: points on three interleaved spiral arms, labelled by arm. Not separable by a
 * linear model, easy for a small MLP: a quick, honest check that training works end to end.
 */
import { fromArrays, type Key, normal, type Tensor } from '@hrm/core';
import * as E from 'fp-ts/lib/Either.js';

export interface Spirals {
  readonly points: Tensor<['N', 2]>;
  readonly labels: Tensor<['N'], 'int32'>;
}

export function spirals(key: Key, perClass: number, classes = 3, noise = 0.2): Spirals {
  const n = perClass * classes;
  const jitter = normal(key, [n]).data();
  const xs: number[] = [];
  const ys: number[] = [];
  for (let c = 0; c < classes; c++)
    for (let i = 0; i < perClass; i++) {
      const r = i / perClass;
      const theta = (c * 2 * Math.PI) / classes + 4 * r + noise * jitter[c * perClass + i];
      xs.push(r * Math.sin(theta), r * Math.cos(theta));
      ys.push(c);
    }
  const points = fromArrays({ points: { data: xs, shape: ['N', 2] } });
  const labels = fromArrays({ labels: { data: ys, shape: ['N'] } }, { dtype: 'int32' });
  if (E.isLeft(points)) throw points.left;
  if (E.isLeft(labels)) throw labels.left;
  return { points: points.right.tensors.points, labels: labels.right.tensors.labels };
}
