/**
 * A post-norm Transformer block (the team's reference workload for comparing libraries) built from @hrm/core ops, shared by the kernel
 * benchmark (kernels.ts, with its tfjs and jax-js twins in peers.ts) and the kernel profile
 * (wasm-profile.ts): post-norm,
 * `h = rms(x + Attn(x))`, `y = rms(h + SwiGLU(h))`, `loss = mean(y * target)`, with B sequences of
 * S = 81 tokens, hidden D = 128, 4 heads of 32, SwiGLU width F = 512 (gate and up fused in one [D, 2F]
 * weight), RMSNorm without weight (eps 1e-5), non-causal softmax attention, no RoPE, no biases.
 * Softmax, the residual's RMSNorm (addRmsNorm) and SwiGLU's gate are core's ops, fused kernels where the backend has them (the peers'
 * twins use what their libraries offer).
 */
import { valueAndGrad } from '@hrm/autodiff';
import {
  type AnyTensor,
  addRmsNorm,
  dispose,
  gatedSilu,
  matmul,
  mean,
  mul,
  permute,
  reshape,
  scope,
  slice,
  softmax,
  transpose,
  withBackend,
} from '@hrm/core';
import type { Backend } from '@hrm/kernels';
import { mulberry32 } from '@hrm/testing/rng';
import { tensorOn } from './lib.js';

export const S = 81;
export const D = 128;
export const H = 4;
export const DH = D / H;
export const F = 512;
export const EPS = 1e-5;

/** Matmul FLOPs of one forward pass over `tokens` tokens: N·(8D² + 4SD + 6DF). Backward: twice that. */
export const forwardFlops = (tokens: number): number => tokens * (8 * D * D + 4 * S * D + 6 * D * F);

export interface Weights<T> {
  readonly wqkv: T;
  readonly wo: T;
  readonly wgu: T;
  readonly wdown: T;
}

export const SHAPES: Weights<[number, number]> = { wqkv: [D, 3 * D], wo: [D, D], wgu: [D, 2 * F], wdown: [F, D] };

/** Uniform over ±[0.01, 1], scaled by 1/√fan_in for weights: O(1) values, none near zero; seeded. */
export function randomData(seed: number, n: number, scale = 1): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (rand() < 0.5 ? -1 : 1) * (0.01 + 0.99 * rand()) * scale);
}

export interface BlockInputs {
  readonly batch: number;
  readonly x: Float32Array;
  readonly target: Float32Array;
  readonly weights: Weights<Float32Array>;
}

export function blockInputs(batch: number): BlockInputs {
  const n = batch * S;
  return {
    batch,
    x: randomData(1, n * D),
    target: randomData(2, n * D),
    weights: {
      wqkv: randomData(3, D * 3 * D, 1 / Math.sqrt(D)),
      wo: randomData(4, D * D, 1 / Math.sqrt(D)),
      wgu: randomData(5, D * 2 * F, 1 / Math.sqrt(D)),
      wdown: randomData(6, F * D, 1 / Math.sqrt(F)),
    },
  };
}

/** The block on [batch·S, D] tokens; attention reshapes to [batch, H, S, DH]. */
export function block(w: Weights<AnyTensor>, x: AnyTensor, batch: number): AnyTensor {
  const n = batch * S;
  const qkv: AnyTensor = reshape(matmul(x, w.wqkv), [batch, S, 3 * H, DH]);
  const [q, k, v] = [0, 1, 2].map((i) => permute(slice(qkv, 2, i * H, (i + 1) * H), [0, 2, 1, 3]) as AnyTensor);
  const scores = mul(matmul(q, transpose(k)), 1 / Math.sqrt(DH));
  const mixed: AnyTensor = matmul(softmax(scores, -1), v);
  const merged: AnyTensor = reshape(permute(mixed, [0, 2, 1, 3]), [n, D]);
  const h = addRmsNorm(x, matmul(merged, w.wo), EPS);
  const ff = gatedSilu(matmul(h, w.wgu));
  return addRmsNorm(h, matmul(ff, w.wdown), EPS);
}

export interface Runner {
  /** One forward pass; returns the loss. */
  readonly forward: () => number;
  /** Forward and backward; returns the loss and the four gradients, read back. */
  readonly step: () => { loss: number; grads: Weights<Float32Array> };
  readonly free: () => void;
}

/** The block on backend `b`, differentiated with valueAndGrad. */
export function blockRunner(b: Backend, inputs: BlockInputs): Runner {
  const x = tensorOn(b, inputs.x, [inputs.batch * S, D]);
  const target = tensorOn(b, inputs.target, [inputs.batch * S, D]);
  const w: Weights<AnyTensor> = {
    wqkv: tensorOn(b, inputs.weights.wqkv, SHAPES.wqkv),
    wo: tensorOn(b, inputs.weights.wo, SHAPES.wo),
    wgu: tensorOn(b, inputs.weights.wgu, SHAPES.wgu),
    wdown: tensorOn(b, inputs.weights.wdown, SHAPES.wdown),
  };
  const loss = (p: Weights<AnyTensor>) => mean(mul(block(p, x, inputs.batch), target));
  const lossAndGrad = valueAndGrad(loss);
  return {
    forward: () => withBackend(b, () => scope(() => loss(w).item())),
    step: () =>
      withBackend(b, () => {
        const r = lossAndGrad(w);
        const out = {
          loss: r.value.item(),
          grads: {
            wqkv: r.grad.wqkv.data() as Float32Array,
            wo: r.grad.wo.data() as Float32Array,
            wgu: r.grad.wgu.data() as Float32Array,
            wdown: r.grad.wdown.data() as Float32Array,
          },
        };
        dispose(r);
        return out;
      }),
    free: () => dispose([x, target, w]),
  };
}
