// One vitest run for every package: the workspace source is resolved through the `@closer/source` condition.
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

const shared = {
  resolve: { conditions: ['@closer/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@closer/source', ...defaultServerConditions] } },
};

export default defineConfig({
  test: {
    reporters: ['default', './tools/closingLineReporter.ts'],
    projects: [
      { ...shared, test: { name: 'contract', include: ['packages/contract/test/**/*.test.ts'] } },
      {
        ...shared,
        test: {
          name: 'sdk',
          include: ['packages/sdk/test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'server',
          include: ['supabase/tests/**/*.test.ts'],
          globalSetup: ['supabase/tests/helpers/globalSetup.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        ...shared,
        oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
        test: { name: 'widget', include: ['packages/widget/test/*.test.{ts,tsx}'], environment: 'happy-dom' },
      },
      {
        ...shared,
        test: {
          name: 'widget-browser',
          include: ['packages/widget/test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        ...shared,
        oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
        test: {
          name: 'console',
          include: ['packages/console/test/*.test.{ts,tsx}'],
          environment: 'happy-dom',
        },
      },
      {
        ...shared,
        oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
        test: {
          name: 'console-browser',
          include: ['packages/console/test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'local',
          include: ['packages/local/test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'release',
          include: ['tools/release/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
