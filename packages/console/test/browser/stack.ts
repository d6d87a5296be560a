// The real local stack (PGlite, every function, the offline responder, the console's build at /console/ and the
// widget at /widget/) in this process, a customer's page served under another origin (localhost instead of
// 127.0.0.1), and Chromium through playwright-core: what every console browser test starts from.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { DEMO_ORG_ID, ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import { DEMO_OWNER, ensureDemoOwner, OneTimeCodes } from '@closer/local/src/localSignIn.ts';
import { consoleDist, widgetDist } from '@closer/local/src/paths.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { serve } from '@hono/node-server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Where screenshots go: docs/console/ (committed, shown in docs/console.md) when `CLOSER_UPDATE_SCREENSHOTS=1`,
 * else packages/console/test-results/, so an ordinary test run leaves the repository as it was.
 */
export const screenshotDir = fileURLToPath(
  process.env.CLOSER_UPDATE_SCREENSHOTS === '1'
    ? new URL('../../../../docs/console/', import.meta.url)
    : new URL('../../test-results/', import.meta.url),
);

export interface ConsoleStack {
  /** `http://127.0.0.1:<port>`: the console, the API, the widget files. */
  base: string;
  /** `http://localhost:<port>`: the same server reached as another origin, for the customer's site. */
  siteOrigin: string;
  db: Database;
  /** The environment the stack's functions run with (for workers a test runs itself). */
  env: Record<string, string>;
  codes: OneTimeCodes;
  browser: Browser;
  /** The body of the customer's page at `${siteOrigin}/site/page` (set it before opening the page). */
  sitePage: { body: string };
  /** A one-time console link for `email` (the demo owner by default). */
  consoleLink(email?: string): string;
  close(): Promise<void>;
}

/** `env`: extra settings of the stack's functions (e.g. billing's Stripe keys). */
export async function startConsoleStack(
  options: { env?: Record<string, string> } = {},
): Promise<ConsoleStack> {
  if (!existsSync(`${consoleDist}index.html`))
    throw new Error('Build the console first: pnpm --filter @closer/console build');
  if (!existsSync(`${widgetDist}closer.js`))
    throw new Error('Build the widget first: pnpm --filter @closer/widget build');
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  const db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  const demo = await ensureDemoKeys(db, {}, null);
  await ensureDemoOwner(db, DEMO_ORG_ID);
  const codes = new OneTimeCodes();
  const sitePage = { body: '' };
  let port = 0;
  const env = {
    CLOSER_OFFLINE_WORD_MS: '5',
    CLOSER_JWT_SECRET: 'console-browser-tests-secret-0123456789abcdef',
    // Kommo configured (never called): the settings show a connection the tests set in the database.
    KOMMO_CLIENT_ID: 'console-tests-integration',
    KOMMO_CLIENT_SECRET: 'console-tests-integration-secret',
    KOMMO_REDIRECT_URI: 'https://closer.example/functions/v1/kommo/oauth/callback',
    CLOSER_ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => i + 11))),
    // Webhook endpoints on 127.0.0.1 (the tests' receivers).
    ALLOW_PRIVATE_WEBHOOKS: 'true',
    // The stand-in Cal.com on 127.0.0.1.
    ALLOW_PRIVATE_BOOKING: 'true',
    ...options.env,
  };
  const app = createLocalApp(createRuntime(db, { ...env, SUPABASE_URL: 'http://127.0.0.1' }), demo, codes);
  app.get('/site/page', (c) =>
    c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sunny Solar</title></head>
<body><h1>Solar panels for your roof</h1><p>Our prices start at $9,000.</p>${sitePage.body}</body></html>`),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  return {
    base,
    siteOrigin: `http://localhost:${port}`,
    db,
    env,
    codes,
    browser,
    sitePage,
    consoleLink: (email = DEMO_OWNER.email) => `${base}/console/?local=${codes.issue(email)}`,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
      await db.close();
    },
  };
}

export interface OpenedConsole {
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors as they came (a test expects none). */
  problems: string[];
}

/** A fresh browser profile at `url`, in `theme` and at `width`. */
export async function openConsole(
  browser: Browser,
  url: string,
  options: { width?: number; theme?: 'light' | 'dark' } = {},
): Promise<OpenedConsole> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    colorScheme: options.theme ?? 'light',
    locale: 'en-GB',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A refusal the page shows the user (409, 422) is logged by Chromium too; only other errors are problems.
    if (message.type() === 'error' && !/the server responded with a status of 4\d\d/.test(message.text()))
      problems.push(`${message.text()} (${message.location().url})`);
  });
  await page.goto(url);
  return { context, page, problems };
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is now: `rule id: target` lines, empty when clean. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: await axeSource });
  const result = await page.evaluate(() =>
    (
      window as unknown as {
        axe: {
          run(
            context: unknown,
            options: unknown,
          ): Promise<{ violations: { id: string; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe.run(document, { resultTypes: ['violations'] }),
  );
  return result.violations.flatMap((violation) =>
    violation.nodes.map((node) => `${violation.id}: ${JSON.stringify(node.target)}`),
  );
}

/** Switches the console's theme from its own control (as a user does). */
export async function chooseTheme(page: Page, theme: 'light' | 'dark') {
  await page.getByLabel('Theme').selectOption(theme);
}
