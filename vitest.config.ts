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

/**
 * Every project's test defaults. `expect.poll` waits 1 s by default: a loaded 2-core CI machine (PostgreSQL clusters,
 * Chromium, Deno starting beside each other) can take longer than that for an effect that does come, so a poll waits
 * up to 20 s unless it says otherwise. A poll that passes returns as soon as it does: waiting longer only costs time
 * when the test fails anyway. For the same reason no project keeps vitest's 5 s a test or 10 s a hook.
 */
const sharedTest = { expect: { poll: { timeout: 20_000 } }, testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    onUnhandledError: (error) => !isPostgresJsTypeLookupLost(error),
    reporters: ['default', './tools/closingLineReporter.ts'],
    projects: [
      {
        ...shared,
        test: {
          ...sharedTest,
          name: 'contract',
          include: ['packages/contract/test/**/*.test.ts'],
        },
      },
      {
        ...shared,
        test: {
          ...sharedTest,
          name: 'sdk',
          include: ['packages/sdk/test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        ...shared,
        test: {
          ...sharedTest,
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
        test: {
          ...sharedTest,
          name: 'widget',
          include: ['packages/widget/test/*.test.{ts,tsx}'],
          environment: 'happy-dom',
          setupFiles: ['packages/widget/test/setup.ts'],
        },
      },
      {
        ...shared,
        test: {
          ...sharedTest,
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
          ...sharedTest,
          name: 'console',
          include: ['packages/console/test/*.test.{ts,tsx}'],
          environment: 'happy-dom',
        },
      },
      {
        ...shared,
        oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
        test: {
          ...sharedTest,
          name: 'console-browser',
          include: ['packages/console/test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        ...shared,
        test: {
          ...sharedTest,
          name: 'local',
          include: ['packages/local/test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        ...shared,
        test: {
          ...sharedTest,
          name: 'release',
          include: ['tools/release/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
