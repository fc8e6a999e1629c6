/**
 * Node side of the app's browser tests and scripts: build app/ with vite, serve app/dist on 127.0.0.1
 * with the cross-origin isolation headers (as `npm run app` and `vite preview` send them), and drive
 * Debian's chromium with playwright-core, headless, with ANGLE on SwiftShader for software WebGL2 (the
 * flags of examples/browser/test/harness.ts). Every page opened here records its console errors, the
 * workers' included, and uncaught exceptions.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { ISOLATION_HEADERS } from '../vite.config.js';

export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(APP_DIR, 'dist');
export const CHROMIUM = process.env.HRM_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Software WebGL2 through ANGLE on SwiftShader: without these, headless chromium has no WebGL. */
const WEBGL_ARGS = ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

/** Builds the app into app/dist (what `npm run app:build` does). */
export async function buildApp(): Promise<void> {
  await build({ configFile: join(APP_DIR, 'vite.config.ts'), logLevel: 'warn' });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/**
 * A static server for `root` on a random port of 127.0.0.1, sending the cross-origin isolation headers unless
 * `isolated` is false (as a static host that sets no headers).
 */
export async function serve(root = DIST, isolated = true): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    const type = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
    res.writeHead(200, isolated ? { ...ISOLATION_HEADERS, ...type } : type);
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Debian's chromium, headless, with software WebGL2 unless `webgl` is false (a machine without a GPU). */
export function launch(options: { readonly webgl?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: ['--headless'],
    args: [
      ...CHROMIUM_ARGS,
      ...(options.webgl === false
        ? ['--disable-3d-apis', '--disable-gpu', '--disable-software-rasterizer', '--use-gl=disabled']
        : WEBGL_ARGS),
    ],
  });
}

/** A page and the errors it reports: console errors (its workers' too) and uncaught exceptions. */
export interface WatchedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly errors: string[];
}

/** Opens `url` in a fresh context of the given viewport, recording errors from the start. */
export async function openApp(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 900 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && errors.push(`worker: ${m.text()}`)));
  await page.goto(url);
  return { page, context, errors };
}

/** The JavaScript the first load fetches (index.html's scripts, their static imports, and the engine worker), gzipped. */
export function firstLoadJs(root = DIST): { files: { name: string; bytes: number; gzip: number }[]; gzip: number } {
  const assets = readdirSync(join(root, 'assets'));
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const entry = [...html.matchAll(/(?:src|href)="\.\/assets\/([^"]+\.js)"/g)].map((m) => m[1]);
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !assets.includes(name)) return;
    seen.add(name);
    const code = readFileSync(join(root, 'assets', name), 'utf8');
    // Static imports and the workers the page starts at once; dynamic import() chunks load on demand.
    for (const m of code.matchAll(/(?:from|import)\s*["']\.\/([^"']+\.js)["']/g)) visit(m[1]);
    for (const m of code.matchAll(/new URL\(["'`](?:\.\/)?(solve\.worker-[^"'`]+\.js)["'`]/g)) visit(m[1]);
  };
  for (const e of entry) visit(e);
  const files = [...seen].map((name) => {
    const bytes = readFileSync(join(root, 'assets', name));
    return { name, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  return { files, gzip: files.reduce((s, f) => s + f.gzip, 0) };
}
