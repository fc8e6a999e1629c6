import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Builds the WebGPU page (webgpu.html) into examples/browser/dist/webgpu. The op files' harness
 * import ('@hrm/testing/opcheck') goes to the asynchronous variant in src/webgpu/opcheck.ts, since
 * WebGPU reads back only asynchronously; 'vitest' goes to the small shim, as for the suite page.
 */
export default defineConfig({
  root: here('.'),
  base: './',
  resolve: {
    conditions: ['@hrm/source', ...defaultClientConditions],
    alias: [
      { find: 'vitest', replacement: here('./src/suite/vitest-shim.ts') },
      { find: /^@hrm\/testing\/opcheck$/, replacement: here('./src/webgpu/opcheck.ts') },
    ],
  },
  build: {
    outDir: here('./dist/webgpu'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { webgpu: here('./webgpu.html') } },
  },
  logLevel: 'warn',
});
