import { defaultServerConditions } from 'vite';

/**
 * Tests run on the packages' TypeScript sources, never on a stale build: each workspace package maps its
 * entry points to `src/` under the `@hrm/source` export condition (published consumers never set it and
 * get `dist/`). The GL and browser suites share this.
 */
export const SOURCE_CONDITIONS = ['@hrm/source', ...defaultServerConditions];

export const resolveSources = {
  resolve: { conditions: SOURCE_CONDITIONS },
  ssr: { resolve: { conditions: SOURCE_CONDITIONS } },
};
