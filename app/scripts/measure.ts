/**
 * `npm run app:measure`: the numbers the app's README reports. Builds the app and measures
 * - the JavaScript of the first load, gzipped (the page's entry and the engine worker it starts at once),
 *   and the chunks loaded on demand (the training worker, gpu.js);
 * - the time to solve one 6x6 Sudoku (all 8 segments, with everything the page shows), the median of the
 *   page's speed test (5 solves after a warm-up), on each backend in headless chromium: wasm with threads
 *   (cross-origin isolated), wasm on one thread (no isolation headers), gpu.js on WebGL2 (SwiftShader here);
 * - training speed (ms per step, batch 32) on wasm, isolated and not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { buildApp, DIST, firstLoadJs, launch, openApp, serve } from '../test/harness.js';

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function speedTest(page: Page, backend: 'wasm' | 'gpujs'): Promise<{ name: string; medianMs: number }> {
  await page.selectOption('#backend', backend);
  await page.waitForFunction(
    (b) => {
      const s = document.getElementById('backend-status');
      return s?.dataset.state !== 'starting' && s?.dataset.backend === b;
    },
    backend,
    { timeout: 120_000 },
  );
  await page.evaluate(() => {
    delete document.getElementById('backend-speed')?.dataset.medianMs;
  });
  await page.click('#speed-test');
  await page.waitForSelector('#backend-speed[data-median-ms]', { timeout: 300_000 });
  const status = (await page.textContent('#backend-status')) ?? backend;
  const threads = /(\d+) threads?/.exec(status)?.[1];
  return {
    name: `${status.split(':')[0]}${backend === 'wasm' ? `, ${threads ?? '?'} thread(s)` : ', SwiftShader'}`,
    medianMs: Number(await page.getAttribute('#backend-speed', 'data-median-ms')),
  };
}

async function trainSpeed(page: Page): Promise<number> {
  await page.click('#tab-train');
  await page.fill('#train-steps', '40');
  await page.selectOption('#train-batch', '32');
  await page.click('#train-start');
  await page.waitForSelector('#view-train[data-state="done"]', { timeout: 300_000 });
  await page.click('#tab-solve');
  return Number(await page.getAttribute('#view-train', 'data-ms-per-step'));
}

async function measurePage(browser: Browser, isolated: boolean, backends: readonly ('wasm' | 'gpujs')[]) {
  const server = await serve(DIST, isolated);
  try {
    const { page, context, errors } = await openApp(browser, `${server.url}/index.html`);
    await page.waitForSelector('#backend-status[data-state="ready"]', { timeout: 60_000 });
    const rows: string[] = [];
    const train = await trainSpeed(page);
    for (const b of backends) {
      const r = await speedTest(page, b);
      rows.push(
        `| ${r.name} | ${isolated ? 'yes' : 'no'} | ${r.medianMs.toFixed(0)} ms | ${(r.medianMs / 8).toFixed(1)} ms |`,
      );
    }
    await context.close();
    if (errors.length > 0) throw new Error(`the page reported errors:\n${errors.join('\n')}`);
    return { rows, train };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  await buildApp();
  const first = firstLoadJs();
  const assets = readdirSync(join(DIST, 'assets'));
  const gz = (name: string) => gzipSync(readFileSync(join(DIST, 'assets', name)), { level: 9 }).length;
  console.log(`\nFirst load: ${kib(first.gzip)} of JavaScript gzipped`);
  for (const f of first.files) console.log(`  ${f.name}: ${kib(f.bytes)}, ${kib(f.gzip)} gzipped`);
  for (const name of assets.filter((a) => a.endsWith('.css'))) console.log(`  ${name}: ${kib(gz(name))} gzipped (CSS)`);
  console.log('On demand:');
  for (const name of assets.filter((a) => a.endsWith('.js') && !first.files.some((f) => f.name === a)))
    console.log(`  ${name}: ${kib(gz(name))} gzipped`);
  for (const name of assets.filter((a) => a.endsWith('.safetensors')))
    console.log(
      `  ${name}: ${kib(readFileSync(join(DIST, 'assets', name)).length)} (checkpoint, fetched when its task is used)`,
    );

  const browser = await launch();
  try {
    const isolated = await measurePage(browser, true, ['wasm', 'gpujs']);
    const single = await measurePage(browser, false, ['wasm']);
    console.log('\nOne 6x6 Sudoku, 8 segments (median of 5 solves after a warm-up), headless chromium:');
    console.log('| backend | cross-origin isolated | solve | per segment |');
    console.log('| --- | --- | --- | --- |');
    for (const row of [...isolated.rows, ...single.rows]) console.log(row);
    console.log(
      `\nTraining 4x4 Sudoku, batch 32, on wasm: ${isolated.train.toFixed(0)} ms per step isolated (threads), ` +
        `${single.train.toFixed(0)} ms not isolated (one thread)`,
    );
  } finally {
    await browser.close();
  }
}

await main();
