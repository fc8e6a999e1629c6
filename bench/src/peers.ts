/**
 * The peer libraries of the kernel benchmark (kernels.ts), driven from Node on the same inputs as
 * this library: @tensorflow/tfjs-backend-cpu and -wasm 4.22.0, and @jax-js/jax on its wasm device.
 *
 * - tfjs: the functional API (the Node bundle has no chained ops); `@tensorflow/tfjs` is imported
 *   for its gradient registrations (without it, the core package has no gradient for most ops). Its wasm backend runs one thread in
 *   Node (its thread pool needs browser workers; forcing it fails with ERR_WORKER_PATH), with SIMD.
 * - jax-js: `init('wasm')` (plain `init()` fails in Node: no `navigator`), functions under `jit`,
 *   inputs passed as `.ref` (jax-js arrays are reference counted and functions consume their
 *   arguments), results read with `await data()` (which consumes them too). Its worker pool needs a
 *   global `Worker`, which Node 20 lacks, so it computes on one thread.
 */
import {
  defaultDevice as jaxDevice,
  init as jaxInit,
  jit as jaxJit,
  nn as jaxNn,
  valueAndGrad as jaxValueAndGrad,
  numpy as jnp,
} from '@jax-js/jax';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { type BlockInputs, D, DH, EPS, H, S, SHAPES, type Weights } from './block-model.js';

/** What a peer computes one call of: read back, so the time includes forcing the result. */
export interface Call<T> {
  readonly once: () => T | Promise<T>;
  readonly free: () => void;
}

export interface BlockCalls {
  /** One forward pass; returns the loss. */
  readonly forward: () => number | Promise<number>;
  /** Forward and backward; returns the loss and the four weight gradients, read back. */
  readonly step: () =>
    | { loss: number; grads: Weights<Float32Array> }
    | Promise<{ loss: number; grads: Weights<Float32Array> }>;
  readonly free: () => void;
}

const KEYS = Object.keys(SHAPES) as (keyof Weights<unknown>)[];

// ---------------------------------------------------------------------------------------------
// tfjs

export type TfjsBackend = 'cpu' | 'wasm';

/** Switches tfjs to `name` (tensors live on the backend current when they are made). */
export async function tfjsUse(name: TfjsBackend): Promise<void> {
  tf.enableProdMode();
  if (!(await tf.setBackend(name))) throw new Error(`tfjs: backend ${name} did not start`);
  await tf.ready();
}

export function tfjsInfo(): { version: string; wasmSimd: boolean; threads: number } {
  return { version: tf.version_core, wasmSimd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: 1 };
}

/**
 * `op(A)·op(B)` with A and B stored as given (transposed operands stored transposed): `once` reads the
 * result back, `product` only computes it (tfjs computes on the call) and disposes it.
 */
export function tfjsMatmul(
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
  ta: boolean,
  tb: boolean,
): { readonly once: () => Float32Array; readonly product: () => void; readonly free: () => void } {
  const ta_ = tf.tensor(a, aShape, 'float32');
  const tb_ = tf.tensor(b, bShape, 'float32');
  return {
    once: () => {
      const out = tf.matMul(ta_, tb_, ta, tb);
      const data = out.dataSync() as Float32Array;
      out.dispose();
      return data;
    },
    product: () => tf.matMul(ta_, tb_, ta, tb).dispose(),
    free: () => tf.dispose([ta_, tb_]),
  };
}

let variableId = 0;

/** `t` with its last two axes swapped, as a tfjs transpose (a copy). */
const swapLast = (t: tf.Tensor): tf.Tensor => {
  const perm = t.shape.map((_, i) => i);
  [perm[t.rank - 2], perm[t.rank - 1]] = [t.rank - 1, t.rank - 2];
  return tf.transpose(t, perm);
};

/**
 * `a·b` whose gradient multiplies by explicitly transposed copies (`dy·bᵀ`, `aᵀ·dy` as a transpose, then
 * a plain matMul) where tfjs's own gradient passes matMul's transpose flags: on tfjs-wasm the flagged
 * products run several times slower than plain ones, so this is the faster way to use it.
 */
const plainMatMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      return [tf.matMul(dy, swapLast(sb)), tf.matMul(swapLast(sa), dy)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** How the tfjs block multiplies: as tfjs's autodiff does by default, or with explicit transposes. */
export type TfjsProducts = 'default' | 'explicit transposes';

/**
 * The block of block-model.ts in tfjs, differentiated with variableGrads; with `'explicit transposes'`
 * every product (q·kᵀ included) is a plain matMul of explicitly transposed operands, in the forward and
 * in the gradients, the best way we found to run it on tfjs-wasm.
 */
export function tfjsBlock(inputs: BlockInputs, products: TfjsProducts = 'default'): BlockCalls {
  const B = inputs.batch;
  const N = B * S;
  const x = tf.tensor2d(inputs.x, [N, D]);
  const target = tf.tensor2d(inputs.target, [N, D]);
  const id = variableId++;
  const vars = Object.fromEntries(
    KEYS.map((k) => [k, tf.variable(tf.tensor2d(inputs.weights[k], SHAPES[k]), true, `${k}_${id}`)]),
  ) as unknown as Weights<tf.Variable>;
  const rms = (t: tf.Tensor) => tf.mul(t, tf.rsqrt(tf.add(tf.mean(tf.square(t), -1, true), EPS)));
  const explicit = products === 'explicit transposes';
  const mm = explicit ? plainMatMul : (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b);
  const loss = (): tf.Scalar => {
    const qkv = tf.reshape(mm(x, vars.wqkv), [B, S, 3 * H, DH]);
    const [q, k, v] = tf.split(qkv, 3, 2).map((t) => tf.transpose(t, [0, 2, 1, 3])) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    const qk = explicit ? mm(q, swapLast(k)) : tf.matMul(q, k, false, true);
    const scores = tf.mul(qk, 1 / Math.sqrt(DH));
    const mixed = mm(tf.softmax(scores, -1), v);
    const merged = tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [N, D]);
    const h = rms(tf.add(x, mm(merged, vars.wo)));
    const [g, u] = tf.split(mm(h, vars.wgu), 2, 1) as [tf.Tensor, tf.Tensor];
    const ff = tf.mul(tf.mul(g, tf.sigmoid(g)), u);
    const y = rms(tf.add(h, mm(ff, vars.wdown)));
    return tf.mean(tf.mul(y, target));
  };
  return {
    forward: () => tf.tidy(() => loss().dataSync()[0]),
    step: () => {
      const { value, grads } = tf.variableGrads(loss);
      const out = {
        loss: value.dataSync()[0],
        grads: Object.fromEntries(
          KEYS.map((k) => [k, grads[`${k}_${id}`].dataSync() as Float32Array]),
        ) as unknown as Weights<Float32Array>,
      };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    },
    free: () => tf.dispose([x, target, ...Object.values(vars)]),
  };
}

// ---------------------------------------------------------------------------------------------
// jax-js

let jaxReady: Promise<void> | undefined;

/** Starts jax-js's wasm device (once) and makes it the default. */
export function jaxUse(): Promise<void> {
  jaxReady ??= (async () => {
    const devices = await jaxInit('wasm');
    if (!devices.includes('wasm')) throw new Error(`jax-js: no wasm device (got ${devices.join(', ')})`);
    jaxDevice('wasm');
  })();
  return jaxReady;
}

export function jaxInfo(): { threads: number; note: string } {
  const worker = typeof (globalThis as { Worker?: unknown }).Worker === 'function';
  return {
    threads: 1,
    note: worker
      ? 'global Worker present; jax-js may use threads'
      : 'Node 20 has no global Worker, which the jax-js wasm thread pool needs: one thread',
  };
}

const jarray = (data: Float32Array, shape: number[]): jnp.Array => jnp.array(data).reshape(shape);

export function jaxMatmul(
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
  ta: boolean,
  tb: boolean,
): Call<Float32Array> {
  const A = jarray(a, aShape);
  const B = jarray(b, bShape);
  const mm = jaxJit((x: jnp.Array, y: jnp.Array) =>
    jnp.matmul(ta ? jnp.matrixTranspose(x) : x, tb ? jnp.matrixTranspose(y) : y),
  );
  return {
    once: async () => (await mm(A.ref, B.ref).data()) as Float32Array,
    free: () => {
      A.dispose();
      B.dispose();
      mm.dispose();
    },
  };
}

type JaxWeights = { wqkv: jnp.Array; wo: jnp.Array; wgu: jnp.Array; wdown: jnp.Array };

/** The block in jax-js (every array used twice is passed on as `.ref` the first time). */
function jaxLoss(batch: number) {
  const N = batch * S;
  const rms = (t: jnp.Array) =>
    t.ref.mul(jnp.reciprocal(jnp.sqrt(jnp.mean(jnp.square(t), -1, { keepdims: true }).add(EPS))));
  return (w: JaxWeights, x: jnp.Array, target: jnp.Array): jnp.Array => {
    const qkv = jnp.reshape(jnp.matmul(x.ref, w.wqkv), [batch, S, 3 * H, DH]);
    const [q, k, v] = jnp.split(qkv, 3, 2).map((t) => jnp.transpose(t, [0, 2, 1, 3]));
    const scores = jnp.matmul(q, jnp.matrixTranspose(k)).mul(1 / Math.sqrt(DH));
    const mixed = jnp.matmul(jaxNn.softmax(scores, -1), v);
    const merged = jnp.reshape(jnp.transpose(mixed, [0, 2, 1, 3]), [N, D]);
    const h = rms(x.add(jnp.matmul(merged, w.wo)));
    const [g, u] = jnp.split(jnp.matmul(h.ref, w.wgu), 2, -1);
    const ff = jaxNn.silu(g).mul(u);
    const y = rms(h.add(jnp.matmul(ff, w.wdown)));
    return jnp.mean(y.mul(target));
  };
}

export function jaxBlock(inputs: BlockInputs): BlockCalls {
  const N = inputs.batch * S;
  const x = jarray(inputs.x, [N, D]);
  const target = jarray(inputs.target, [N, D]);
  const w = Object.fromEntries(KEYS.map((k) => [k, jarray(inputs.weights[k], SHAPES[k])])) as JaxWeights;
  const f = jaxLoss(inputs.batch);
  const forward = jaxJit(f);
  const step = jaxJit(jaxValueAndGrad(f));
  const refs = (): JaxWeights => ({ wqkv: w.wqkv.ref, wo: w.wo.ref, wgu: w.wgu.ref, wdown: w.wdown.ref });
  return {
    forward: async () => (await forward(refs(), x.ref, target.ref).data())[0],
    step: async () => {
      const [value, grads] = step(refs(), x.ref, target.ref) as unknown as [jnp.Array, JaxWeights];
      const loss = (await value.data())[0];
      const read = await Promise.all(KEYS.map(async (k) => [k, (await grads[k].data()) as Float32Array] as const));
      return { loss, grads: Object.fromEntries(read) as unknown as Weights<Float32Array> };
    },
    free: () => {
      for (const a of [x, target, ...Object.values(w)]) a.dispose();
      forward.dispose();
      step.dispose();
    },
  };
}
