/**
 * `npm run app:screenshots`: builds the app, opens it in headless chromium and writes the pictures the
 * README shows into docs/screenshots/: the solve view (a 6x6 Sudoku part-way through its segments), a
 * maze, the training view after 800 steps, and the solve view on a phone-sized screen.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, formatGrid, generateSudoku, SUDOKU_6 } from '@hrm/hrm/tasks';
import * as E from 'fp-ts/lib/Either.js';
import type { Page } from 'playwright-core';
import { buildApp, launch, openApp, serve } from '../test/harness.js';

const OUT = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));

async function ready(page: Page): Promise<void> {
  await page.waitForSelector('#backend-status[data-state="ready"]', { timeout: 60_000 });
}

async function solve(page: Page): Promise<void> {
  await page.click('#solve');
  await page.waitForSelector('#view-solve[data-state="solved"]', { timeout: 120_000 });
}

/** A 6x6 puzzle the model needs several segments for (10 givens; right from segment 4, ACT halts at 6). */
function sudoku6(): string {
  const made = generateSudoku(SUDOKU_6, createRng(57), { givens: 10 });
  if (E.isLeft(made)) throw new Error(made.left);
  return formatGrid(made.right.puzzle);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  await buildApp();
  const server = await serve();
  const browser = await launch();
  const written: string[] = [];
  const shot = async (page: Page, name: string) => {
    const path = join(OUT, name);
    await page.screenshot({ path, fullPage: true });
    written.push(path);
  };
  try {
    const { page, context, errors } = await openApp(browser, `${server.url}/index.html`, { width: 1280, height: 900 });
    await ready(page);
    await page.selectOption('#task', 'sudoku6');
    await page.fill('#puzzle-text', sudoku6());
    await solve(page);
    await page.focus('#segment');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.click('#seg-next');
    await shot(page, 'solve.png');

    await page.selectOption('#task', 'maze9');
    await solve(page);
    await shot(page, 'maze.png');

    await page.click('#tab-train');
    await page.fill('#train-steps', '1000');
    await page.click('#train-start');
    await page.waitForFunction(
      () => Number(document.getElementById('view-train')?.dataset.step ?? 0) >= 800,
      undefined,
      {
        timeout: 300_000,
      },
    );
    await page.click('#train-pause');
    await page.waitForSelector('#view-train[data-state="paused"]');
    await shot(page, 'train.png');
    await context.close();

    const phone = await openApp(browser, `${server.url}/index.html`, { width: 390, height: 844 });
    await ready(phone.page);
    await phone.page.selectOption('#task', 'sudoku6');
    await phone.page.fill('#puzzle-text', sudoku6());
    await solve(phone.page);
    await shot(phone.page, 'solve-phone.png');
    await phone.context.close();
    const all = [...errors, ...phone.errors];
    if (all.length > 0) throw new Error(`the page reported errors:\n${all.join('\n')}`);
  } finally {
    await browser.close();
    await server.close();
  }
  for (const path of written) console.log(`wrote ${path}`);
}

await main();
