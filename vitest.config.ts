import { configDefaults, defineConfig } from 'vitest/config';
import { resolveSources } from './vitest.sources.js';

export default defineConfig({
  ...resolveSources,
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts', 'bench/**/*.test.ts'],
    // The GPU suites need an X display or a browser, and software GL is slow: they have their own
    // configs and scripts (vitest.gl.config.ts: npm run test:gl; vitest.browser.config.ts: npm run test:browser).
    exclude: [...configDefaults.exclude, '**/*.gl.test.ts', 'examples/browser/**'],
    typecheck: {
      enabled: true,
      include: ['packages/*/src/**/*.test-d.ts'],
      tsconfig: './tsconfig.test.json',
    },
    testTimeout: 60_000,
  },
});
