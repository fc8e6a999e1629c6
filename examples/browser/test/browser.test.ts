/**
 * The browser tests: Debian's chromium, headless, WebGL2 on SwiftShader, driven by playwright-core.
 * - the example page (index.html): the GPU backend starts in a GPU mode, a Transformer block forward
 *   pass agrees with the CPU, 30 training steps follow the CPU loss curve, live textures stay flat,
 *   the tiny HRM's forward pass and 5 training steps agree with the CPU, and a screenshot of the
 *   finished page is saved and checked not to be blank;
 * - the op-suite page (suite.html): every test of packages/core/src/ops/*.test.ts, run in the page on
 *   the gpu.js backend, must pass;
 * - the WebGPU page (webgpu.html), in a second browser with SwiftShader's WebGPU adapter: every op
 *   case (values, non-contiguous inputs, gradients against the reference backend) read back with
 *   readAsync, a Transformer block forward pass and 10 training steps against the CPU.
 * Run with `npm run test:browser` (vitest.browser.config.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleResult } from '../src/main.js';
import type { SuiteResult } from '../src/suite/main.js';
import type { WebGPUResult } from '../src/webgpu/main.js';
import { buildPages, DIST, launch, serve, WEBGPU_ARGS } from './harness.js';

export const SCREENSHOT = join(DIST, 'screenshots', 'example-page.png');

let browser: Browser;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  await buildPages();
  server = await serve();
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(path: string, from: Browser = browser): Promise<{ page: Page; errors: string[] }> {
  const page = await from.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  // An error while the page's modules load leaves it 'running' for ever: fail on it at once instead.
  let failed: (e: Error) => void = () => {};
  const pageError = new Promise<never>((_, reject) => {
    failed = reject;
  });
  pageError.catch(() => {}); // later errors are reported through `errors`
  page.on('pageerror', (e) => {
    errors.push(e.message);
    failed(new Error(`${path}: ${e.message}`));
  });
  await page.goto(`${server.url}/${path}`);
  await Promise.race([
    page.waitForFunction(() => document.body.dataset.state !== 'running', undefined, { timeout: 600_000 }),
    pageError,
  ]);
  return { page, errors };
}

/** Distinct colours and the share of non-white pixels in a PNG, measured by the browser itself. */
async function pixelStats(page: Page, png: Buffer): Promise<{ width: number; colours: number; inked: number }> {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d context');
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    const colours = new Set<number>();
    let inked = 0;
    for (let i = 0; i < data.length; i += 4) {
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) inked++;
    }
    return { width: img.width, colours: colours.size, inked: inked / (data.length / 4) };
  }, png.toString('base64'));
}

describe('the browser example on WebGL2', () => {
  it('trains on the GPU along the CPU loss curve, and renders the result', async () => {
    const { page, errors } = await open('index.html');
    const r = (await page.evaluate(() => window.hrmExample)) as ExampleResult;
    expect(errors).toEqual([]);
    expect(r.error).toBeUndefined();
    expect(r.state).toBe('done');
    expect(r.mode).toBe('webgl2');
    expect(r.renderer).toMatch(/SwiftShader/);
    // Forward pass: float32 on both sides, different summation orders; outputs are O(1).
    expect(r.forward?.maxAbsDiff).toBeLessThan(r.forward?.tol ?? 0);
    // 30 steps: the curves agree to 1e-3 (relative to max(1, loss)) at every step. Per-step
    // differences are float32 roundings (~1e-6); momentum SGD on a smooth loss amplifies them slowly.
    const gpu = r.gpuLosses ?? [];
    const cpu = r.cpuLosses ?? [];
    expect(gpu.length).toBe(30);
    for (let i = 0; i < gpu.length; i++) expect(Math.abs(gpu[i] - cpu[i])).toBeLessThan(1e-3 * Math.max(1, cpu[i]));
    expect(gpu[gpu.length - 1]).toBeLessThan(gpu[0] * 0.5);
    // Deterministic release: the same number of live GL textures after every step.
    expect(new Set(r.textures).size).toBe(1);
    // The tiny HRM: one segment's outputs, and its training steps, against the CPU.
    expect(r.hrm?.forwardMaxAbsDiff).toBeLessThan(1e-4);
    const [hg, hc] = [r.hrm?.gpuLosses ?? [], r.hrm?.cpuLosses ?? []];
    expect(hg.length).toBe(5);
    for (let i = 0; i < hg.length; i++) expect(Math.abs(hg[i] - hc[i])).toBeLessThan(1e-4 * Math.max(1, hc[i]));

    // What a person sees: the finished status, the numbers, and a drawn loss curve.
    await expect(page.locator('#status').textContent()).resolves.toMatch(/^done on webgl2/);
    await expect(page.locator('#train').textContent()).resolves.toMatch(/30 steps .* Loss 1\.\d+ → 0\.\d+ on the GPU/);
    mkdirSync(join(DIST, 'screenshots'), { recursive: true });
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const shot = await pixelStats(page, png);
    expect(shot.width).toBe(1100);
    expect(shot.colours).toBeGreaterThan(50); // text, table, two coloured curves
    expect(shot.inked).toBeGreaterThan(0.02);
    const curve = await pixelStats(page, await page.locator('#curve').screenshot());
    expect(curve.colours).toBeGreaterThan(10);
    console.log(
      `browser example: ${r.mode} on ${r.renderer}; ${r.seconds?.toFixed(1)} s; final loss GPU ${gpu[29].toFixed(4)}, ` +
        `CPU ${cpu[29].toFixed(4)}; textures ${r.textures?.[0]}; screenshot ${SCREENSHOT}`,
    );
    await page.close();
  }, 600_000);
});

describe('the op suite in the browser on WebGL2', () => {
  it('passes every test of packages/core/src/ops on the gpu.js backend', async () => {
    const { page, errors } = await open('suite.html');
    const r = (await page.evaluate(() => window.hrmSuite)) as SuiteResult;
    expect(errors).toEqual([]);
    expect(r.error).toBeUndefined();
    expect(r.mode).toBe('webgl2');
    expect(r.total).toBeGreaterThan(800);
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(r.total);
    expect(r.blockForward?.maxAbsDiff).toBeLessThan(r.blockForward?.tol ?? 0);
    expect(r.hrmForward?.maxAbsDiff).toBeLessThan(r.hrmForward?.tol ?? 0);
    console.log(`browser op suite: ${r.passed}/${r.total} on ${r.mode} (${r.renderer}) in ${r.seconds.toFixed(1)} s`);
    await page.close();
  }, 900_000);
});

describe('WebGPU mode (SwiftShader adapter, with the unsafe-WebGPU flags)', () => {
  it('passes every op case, the block forward pass and 10 training steps against the CPU', async () => {
    const gpuBrowser = await launch(WEBGPU_ARGS);
    try {
      const { page, errors } = await open('webgpu/webgpu.html', gpuBrowser);
      const r = (await page.evaluate(() => window.hrmWebGPU)) as WebGPUResult;
      expect(errors).toEqual([]);
      expect(r.error).toBeUndefined();
      expect(r.state).toBe('done');
      expect(r.mode).toBe('webgpu');
      expect(r.total).toBeGreaterThan(300);
      expect(r.failures).toEqual([]);
      expect(r.blockForward?.maxAbsDiff).toBeLessThan(1e-4);
      const [g, c] = [r.gpuLosses ?? [], r.cpuLosses ?? []];
      expect(g.length).toBe(10);
      for (let i = 0; i < g.length; i++) expect(Math.abs(g[i] - c[i])).toBeLessThan(1e-4 * Math.max(1, c[i]));
      console.log(`WebGPU: ${r.passed}/${r.total} op cases on ${r.renderer} in ${r.seconds?.toFixed(1)} s`);
    } finally {
      await gpuBrowser.close();
    }
  }, 600_000);
});
