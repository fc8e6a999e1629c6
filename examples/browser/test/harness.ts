/**
 * Node side of the browser tests: build the pages with vite, serve them on 127.0.0.1, and drive
 * Debian's chromium with playwright-core (no browser download). Flags:
 * headless, with ANGLE on SwiftShader for software WebGL2 (without them headless Chromium has no WebGL2).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';

export const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(EXAMPLE_DIR, 'dist');
export const CHROMIUM = process.env.HRM_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/** Extra flags that give headless Chromium a (SwiftShader) WebGPU adapter. */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan'];

/** Builds the example and suite pages into dist/, and the WebGPU page into dist/webgpu/. */
export async function buildPages(): Promise<void> {
  await build({ configFile: join(EXAMPLE_DIR, 'vite.config.ts'), logLevel: 'warn' });
  await build({ configFile: join(EXAMPLE_DIR, 'vite.webgpu.config.ts'), logLevel: 'warn' });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** A static server for `root` on a random port of 127.0.0.1. */
export async function serve(root = DIST): Promise<{ url: string; close: () => Promise<void> }> {
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
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function launch(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: ['--headless'],
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}
