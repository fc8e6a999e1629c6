/**
 * The browser example: picks the GPU backend (gpu.js: WebGL2 first, then WebGL, in this order), shows
 * which mode and renderer it got, runs a Transformer block forward pass on the GPU and on the CPU, and
 * trains the spirals MLP for a few steps on both, drawing the two loss curves.
 *
 * Then the tiny Hierarchical Reasoning Model: one segment's forward pass and a few training steps,
 * on both. URL parameters: `steps` (MLP steps, default 30), `hrmSteps` (default 5). The outcome is also left on `window.hrmExample` and on
 * `document.body.dataset.state` ('done' or 'error') for the browser tests.
 */
import { backend } from '@hrm/core';
import { GpujsBackend } from '@hrm/gpujs';
import { hrmForward, hrmTrain } from './hrm.js';
import { compareBlockForward, trainSpirals } from './model.js';

export interface ExampleResult {
  readonly state: 'done' | 'error';
  readonly mode?: string;
  readonly renderer?: string;
  readonly forward?: { readonly maxAbsDiff: number; readonly tol: number };
  readonly gpuLosses?: readonly number[];
  readonly cpuLosses?: readonly number[];
  readonly gpuAccuracy?: number;
  readonly cpuAccuracy?: number;
  /** Live GL textures after each training step (flat when memory is released). */
  readonly textures?: readonly number[];
  /** The tiny HRM: one segment's outputs against the CPU, and its training losses on both. */
  readonly hrm?: {
    readonly forwardMaxAbsDiff: number;
    readonly gpuLosses: readonly number[];
    readonly cpuLosses: readonly number[];
  };
  readonly seconds?: number;
  readonly error?: string;
}

declare global {
  interface Window {
    hrmExample?: ExampleResult;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function setInfo(rows: readonly [string, string][]): void {
  $('info').innerHTML = rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('');
}

function drawCurves(canvas: HTMLCanvasElement, gpu: readonly number[], cpu: readonly number[]): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width, height } = canvas;
  const pad = 36;
  const all = [...gpu, ...cpu];
  const hi = Math.max(...all);
  const lo = Math.min(0, ...all);
  const x = (i: number) => pad + (i / Math.max(1, gpu.length - 1)) * (width - 2 * pad);
  const y = (v: number) => height - pad - ((v - lo) / (hi - lo || 1)) * (height - 2 * pad);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = '#999';
  ctx.strokeRect(pad, pad, width - 2 * pad, height - 2 * pad);
  ctx.fillStyle = '#333';
  ctx.font = '12px sans-serif';
  ctx.fillText(`loss ${hi.toFixed(2)}`, 2, pad - 6);
  ctx.fillText(`${lo.toFixed(2)}`, 2, height - pad + 14);
  ctx.fillText('step', width - pad - 24, height - 8);
  const line = (vals: readonly number[], color: string, dash: number[]) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(dash);
    ctx.beginPath();
    vals.forEach((v, i) => {
      if (i === 0) ctx.moveTo(x(i), y(v));
      else ctx.lineTo(x(i), y(v));
    });
    ctx.stroke();
  };
  line(cpu, '#1565c0', []);
  line(gpu, '#e65100', [6, 4]);
  ctx.setLineDash([]);
  ctx.fillStyle = '#1565c0';
  ctx.fillText('CPU (reference backend)', width - 220, pad + 16);
  ctx.fillStyle = '#e65100';
  ctx.fillText('GPU (gpu.js), dashed', width - 220, pad + 32);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const params = new URLSearchParams(location.search);
  const steps = Number(params.get('steps') ?? 30);
  const hrmSteps = Number(params.get('hrmSteps') ?? 5);
  $('status').textContent = 'starting the GPU backend…';
  const gpu = new GpujsBackend({ mode: 'auto' });
  const { mode, renderer, version, maxTextureSize, software } = gpu.info;
  setInfo([
    ['backend', gpu.name],
    ['gpu.js mode', mode],
    ['renderer', renderer],
    ['GL version', version],
    ['MAX_TEXTURE_SIZE', String(maxTextureSize)],
    ['software renderer', software === undefined ? 'unknown' : software ? 'yes (correct, not fast)' : 'no'],
  ]);
  await new Promise((r) => setTimeout(r, 0));

  $('status').textContent = 'Transformer block forward pass…';
  const forward = compareBlockForward(gpu);
  $('forward').textContent =
    `One pre-norm block (d=32, 4 heads, B=2, T=8) on ${mode}, against the CPU: ` +
    `max |GPU − CPU| = ${forward.maxAbsDiff.toExponential(2)} (tolerance ${forward.tol}).`;
  await new Promise((r) => setTimeout(r, 0));

  $('status').textContent = `training ${steps} steps on the GPU…`;
  const textures: number[] = [];
  const onGpu = trainSpirals(gpu, { steps, onStep: () => textures.push(gpu.stats().textures) });
  $('status').textContent = `training ${steps} steps on the CPU…`;
  await new Promise((r) => setTimeout(r, 0));
  const onCpu = trainSpirals(backend('reference'), { steps });
  const last = steps - 1;
  $('train').textContent =
    `${steps} steps of momentum SGD, full batch of 300 points. Loss ${onGpu.losses[0].toFixed(4)} → ` +
    `${onGpu.losses[last].toFixed(4)} on the GPU, ${onCpu.losses[0].toFixed(4)} → ${onCpu.losses[last].toFixed(4)} on the CPU; ` +
    `accuracy ${onGpu.accuracy.toFixed(3)} (GPU), ${onCpu.accuracy.toFixed(3)} (CPU). ` +
    `Live GL textures after each step: ${Math.min(...textures)}–${Math.max(...textures)}.`;
  drawCurves($<HTMLCanvasElement>('curve'), onGpu.losses, onCpu.losses);
  await new Promise((r) => setTimeout(r, 0));

  $('status').textContent = 'HRM forward pass and training…';
  const hrmGpu = hrmForward(gpu);
  const hrmCpu = hrmForward(backend('reference'));
  const forwardMaxAbsDiff = Math.max(...Array.from(hrmGpu, (v, i) => Math.abs(v - hrmCpu[i])));
  const hrmGpuLosses = hrmTrain(gpu, hrmSteps);
  const hrmCpuLosses = hrmTrain(backend('reference'), hrmSteps);
  $('hrm').textContent =
    `One segment (H and L modules, hidden 16, 2 heads, N×T = 2×2) on ${mode}: max |GPU − CPU| over the logits and ` +
    `Q values = ${forwardMaxAbsDiff.toExponential(2)}. ${hrmSteps} training steps (ACT, deep supervision, ` +
    `AdamATan2): LM loss ${hrmGpuLosses.map((l) => l.toFixed(4)).join(' → ')} on the GPU, ` +
    `${hrmCpuLosses.map((l) => l.toFixed(4)).join(' → ')} on the CPU.`;

  const seconds = (performance.now() - t0) / 1000;
  $('log').textContent = `GPU losses: ${onGpu.losses.map((l) => l.toFixed(4)).join(' ')}\nCPU losses: ${onCpu.losses
    .map((l) => l.toFixed(4))
    .join(' ')}\n${gpu.stats().kernels} kernels compiled; ${seconds.toFixed(1)} s in all.`;
  $('status').textContent = `done on ${mode} (${renderer})`;
  window.hrmExample = {
    state: 'done',
    mode,
    renderer,
    forward,
    gpuLosses: onGpu.losses,
    cpuLosses: onCpu.losses,
    gpuAccuracy: onGpu.accuracy,
    cpuAccuracy: onCpu.accuracy,
    textures,
    hrm: { forwardMaxAbsDiff, gpuLosses: hrmGpuLosses, cpuLosses: hrmCpuLosses },
    seconds,
  };
  document.body.dataset.state = 'done';
}

main().catch((e: unknown) => {
  const error = e instanceof Error ? e.message : String(e);
  $('status').textContent = `error: ${error}`;
  window.hrmExample = { state: 'error', error };
  document.body.dataset.state = 'error';
});
