import { defineConfig } from 'vitest/config';
import { resolveSources } from './vitest.sources.js';

/**
 * The app's tests (`npm run test:app`): the solve runner and the checkpoint bytes in Node, then the
 * end-to-end suite, which builds app/ with vite, serves app/dist with the cross-origin isolation headers
 * and drives Debian's chromium (headless, WebGL2 on SwiftShader) with playwright-core.
 */
export default defineConfig({
  ...resolveSources,
  test: {
    include: ['app/test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
