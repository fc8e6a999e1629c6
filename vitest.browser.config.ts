import { defineConfig } from 'vitest/config';
import { resolveSources } from './vitest.sources.js';

/**
 * The browser suite: builds examples/browser with vite and drives Debian's chromium (headless,
 * WebGL2 on SwiftShader) with playwright-core. `npm run test:browser`.
 */
export default defineConfig({
  ...resolveSources,
  test: {
    include: ['examples/browser/test/**/*.test.ts'],
    exclude: ['**/*.gl.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
