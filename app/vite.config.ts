import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Cross-origin isolation (COOP + COEP): it gives the page SharedArrayBuffer, so the wasm backend runs its
 * kernels on shared memory over several threads. Without it (a static host that cannot set headers) the
 * app still works, on one thread. `public/_headers` asks hosts that read that file (Netlify, Cloudflare
 * Pages) for the same headers.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/**
 * Watch HRM think (`npm run app`, `npm run app:build` into app/dist). The @hrm packages resolve to their
 * TypeScript sources (the `@hrm/source` condition); the committed checkpoints are assets found at build
 * time (src/checkpoints.ts); the model runs in module workers, which may split code (gpu.js loads only
 * when that backend is chosen).
 */
export default defineConfig({
  root: here('.'),
  base: './',
  resolve: { conditions: ['@hrm/source', ...defaultClientConditions] },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
  },
});
