import { defineConfig } from 'vitest/config';
import { resolveSources } from './vitest.sources.js';

/**
 * The GL suite: the whole op and gradient suite (`packages/core/src/ops/*.test.ts`) run on the gpu.js
 * backend in Node's headless GL, plus the backend's own GL tests (`*.gl.test.ts`: leaks, limits,
 * modes, training against the CPU). Needs an X display for headless-gl: `npm run test:gl` runs it
 * under `xvfb-run`. Each test file runs in its own process (headless-gl's memory only grows).
 */
export default defineConfig({
  ...resolveSources,
  test: {
    include: [
      'packages/core/src/ops/*.test.ts',
      'packages/gpujs/src/**/*.gl.test.ts',
      'examples/browser/test/*.gl.test.ts',
    ],
    env: { HRM_TEST_BACKENDS: 'gpujs' },
    setupFiles: ['packages/testing/src/register-gpujs.ts'],
    pool: 'forks',
    isolate: true,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
