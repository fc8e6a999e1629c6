import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Builds the example page (index.html) and the op-suite page (suite.html) into examples/browser/dist.
 * The @hrm packages resolve to their TypeScript sources (the `@hrm/source` condition), which vite compiles; gpu.js resolves to its browser
 * bundle. For the suite page, 'vitest' is aliased to a small shim and HRM_TEST_BACKENDS is fixed to
 * the gpu.js backend.
 */
export default defineConfig({
  root: here('.'),
  base: './',
  resolve: {
    conditions: ['@hrm/source', ...defaultClientConditions],
    alias: { vitest: here('./src/suite/vitest-shim.ts') },
  },
  define: { 'process.env.HRM_TEST_BACKENDS': JSON.stringify('gpujs') },
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { main: here('./index.html'), suite: here('./suite.html') } },
  },
  logLevel: 'warn',
});
