// One vitest run for every package: the workspace source is resolved through the `@closer/source` condition.
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

const shared = {
  resolve: { conditions: ['@closer/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@closer/source', ...defaultServerConditions] } },
};

/**
 * postgres.js 3.4.9 starts its array-type lookup on each new connection without keeping the promise
 * (`return fetchArrayTypes()` in connection.js's ReadyForQuery): when the connection dies during that lookup (the
 * tests that terminate backends), the rejection is unhandled. It is the library's, and the product survives it (the
 * process guards of packages/server and supabase/functions/_shared/serve.ts log it); only that exact error is not
 * reported as a failure of the run. Any other unhandled error still fails it.
 */
function isPostgresJsTypeLookupLost(error: unknown): boolean {
  const { code, query } = (error ?? {}) as { code?: unknown; query?: unknown };
  return code === 'CONNECTION_CLOSED' && typeof query === 'string' && query.includes('b.typarray');
}

export default defineConfig({
  test: {
    onUnhandledError: (error) => !isPostgresJsTypeLookupLost(error),
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
