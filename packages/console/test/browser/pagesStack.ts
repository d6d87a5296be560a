// The local stack with the built console at /console/ (PGlite, every function, the offline responder), the demo
// owner signed in through a one-time console link, and Chromium through playwright-core.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { DEMO_ORG_ID, type DemoKeys, ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import { DEMO_OWNER, ensureDemoOwner, OneTimeCodes } from '@closer/local/src/localSignIn.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { serve } from '@hono/node-server';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

export interface ConsoleStack {
  base: string;
  db: Database;
  demo: DemoKeys;
  browser: Browser;
  /** A tab signed in as the demo owner, English, in `theme`, `width` px wide, at `path` under /console. */
  open(path: string, options?: { theme?: 'light' | 'dark'; width?: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startConsoleStack(): Promise<ConsoleStack> {
  if (!existsSync(`${dist}index.html`))
    throw new Error('Build the console first: pnpm --filter @closer/console build');
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  const db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  const demo = await ensureDemoKeys(db, {}, null);
  await ensureDemoOwner(db, DEMO_ORG_ID);
  const codes = new OneTimeCodes();
  const app = createLocalApp(
    createRuntime(db, {
      CLOSER_JWT_SECRET: 'console-pages-test-secret-0123456789abcdef',
      CLOSER_OFFLINE_WORD_MS: '30',
    }),
    demo,
    codes,
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  return {
    base,
    db,
    demo,
    browser,
    async open(path, { theme = 'light', width = 1280 } = {}) {
      const context = await browser.newContext({
        viewport: { width, height: 900 },
        colorScheme: theme,
        locale: 'en-GB',
        timezoneId: 'Europe/Madrid',
        acceptDownloads: true,
      });
      await context.addInitScript(() => localStorage.setItem('closer.console.locale', 'en'));
      const tab = await context.newPage();
      tab.on('pageerror', (error) => console.error(`page error: ${error.message}`));
      await tab.goto(`${base}/console/?local=${codes.issue(DEMO_OWNER.email)}`);
      await tab.getByRole('navigation').waitFor();
      await tab.goto(`${base}/console${path}`);
      await tab.getByRole('heading', { level: 1 }).waitFor();
      return tab;
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
      await db.close();
    },
  };
}

/** axe-core's violations on the page, as `rule (count)`. */
export async function axeViolations(tab: Page, axeSource: string): Promise<string[]> {
  await tab.addScriptTag({ content: axeSource });
  return tab.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: { run(ctx: unknown): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> };
      }
    ).axe.run(document);
    return result.violations.map((v) => `${v.id} (${v.nodes.length}: ${JSON.stringify(v.nodes[0]?.target)})`);
  });
}
