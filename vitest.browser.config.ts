import { defineConfig } from 'vitest/config';

/**
 * The browser suite: builds examples/browser with vite and drives Debian's chromium (headless,
 * WebGL2 on SwiftShader) with playwright-core. `npm run test:browser`.
 */
export default defineConfig({
  test: {
    include: ['examples/browser/test/**/*.test.ts'],
    exclude: ['**/*.gl.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
