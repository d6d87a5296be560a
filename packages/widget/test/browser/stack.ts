// The real local stack (PGlite, every function, the offline responder at a model's pace) behind a Hono app that
// also serves the test pages, and Chromium through playwright-core: what every widget browser test starts from.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { type DemoKeys, ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { serve } from '@hono/node-server';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

export interface Stack {
  /** `http://127.0.0.1:<port>`: the pages and the API. */
  base: string;
  port: number;
  db: Database;
  demo: DemoKeys;
  /** The English demo agent's publishable key and id. */
  key: string;
  agentId: string;
  browser: Browser;
  /** The script tag as a site owner pastes it; `attrs` adds or replaces attributes. */
  tag(attrs?: Record<string, string>): string;
  close(): Promise<void>;
}

export async function startStack(
  options: {
    routes?: (app: ReturnType<typeof createLocalApp>, stack: () => Stack) => void;
    chromiumArgs?: string[];
    /** More function environment, e.g. LLM_BASE_URL for a stand-in model. */
    env?: Record<string, string>;
  } = {},
): Promise<Stack> {
  if (!existsSync(`${dist}closer.js`))
    throw new Error('Build the widget first: pnpm --filter @closer/widget build');
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  const db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  const demo = await ensureDemoKeys(db, {}, null);
  const agent = demo.agents.find((a) => a.language === 'en')!;
  const app = createLocalApp(createRuntime(db, { CLOSER_OFFLINE_WORD_MS: '40', ...options.env }), demo);
  let stack!: Stack;
  app.get('/favicon.ico', (c) => c.body(null, 204));
  options.routes?.(app, () => stack);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', ...(options.chromiumArgs ?? [])],
  });
  stack = {
    base,
    port,
    db,
    demo,
    key: agent.publishableKey,
    agentId: agent.id,
    browser,
    tag(attrs = {}) {
      const all = {
        src: '/widget/closer.js',
        'data-key': agent.publishableKey,
        'data-api': `${base}/functions/v1`,
        async: '',
        ...attrs,
      };
      const list = Object.entries(all)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => (value === '' ? name : `${name}="${value}"`));
      return `<script ${list.join(' ')}></script>`;
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
      await db.close();
    },
  };
  return stack;
}

/** A site owner's page: `head` and `body` are spliced in; `htmlAttrs` go on <html>. */
export const sitePage = (
  body: string,
  head = '',
  htmlAttrs = 'lang="en"',
) => `<!doctype html><html ${htmlAttrs}><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${head}<title>Shop</title></head>
<body><h1>Solar for your home</h1><p>Content of the site owner.</p>${body}</body></html>`;

export interface OpenedPage {
  tab: Page;
  /** Page errors and console errors, as they came. */
  problems: string[];
  /** Every console message of type error (the widget's messages to the site owner). */
  consoleErrors: string[];
}

export async function openPage(
  browser: Browser,
  url: string,
  options: { viewport?: { width: number; height: number }; waitForBubble?: boolean } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  return openInContext(context, url, options);
}

export async function openInContext(
  context: Awaited<ReturnType<Browser['newContext']>>,
  url: string,
  options: { waitForBubble?: boolean; initScript?: () => void } = {},
): Promise<OpenedPage> {
  const tab = await context.newPage();
  if (options.initScript) await tab.addInitScript(options.initScript);
  const problems: string[] = [];
  const consoleErrors: string[] = [];
  tab.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  tab.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
    if (message.type() === 'error' || /Content Security Policy|Refused to/.test(message.text())) {
      problems.push(message.text());
    }
  });
  await tab.goto(url);
  if (options.waitForBubble !== false) await tab.locator('closer-chat .bubble').waitFor();
  return { tab, problems, consoleErrors };
}

/**
 * Sends a message from the composer and waits for a reply to it to complete; returns the reply's text.
 * "A reply to it" is a complete assistant message rendered after this call began (messages on screen before are
 * marked), following the sent message: the reply to an earlier message, already on screen, never counts — nor does
 * the log of a conversation the widget is about to replace (erased on the server, adopted from another tab).
 */
export async function sendAndWait(
  tab: Page,
  text: string,
  options: { timeout?: number } = {},
): Promise<string> {
  await tab.evaluate(() => {
    const log = document.querySelector('closer-chat')?.shadowRoot?.querySelectorAll('.msg') ?? [];
    for (const message of log) message.setAttribute('data-test-before-send', '');
  });
  await tab.locator('closer-chat #closer-input').fill(text);
  await tab.locator('closer-chat #closer-input').press('Enter');
  const reply = await tab.waitForFunction(
    (sent) => {
      const log = [...(document.querySelector('closer-chat')?.shadowRoot?.querySelectorAll('.msg') ?? [])];
      if (log.some((message) => message.getAttribute('data-status') === 'streaming')) return null;
      const asked = log.findLastIndex((m) => m.classList.contains('user') && m.textContent?.includes(sent));
      if (asked < 0) return null;
      const answer = log
        .slice(asked + 1)
        .find(
          (m) =>
            m.classList.contains('assistant') &&
            m.getAttribute('data-status') === 'complete' &&
            !m.hasAttribute('data-greeting') &&
            !m.hasAttribute('data-test-before-send'),
        );
      return answer?.textContent ?? null;
    },
    text,
    options,
  );
  return (await reply.jsonValue()) ?? '';
}

/** Opens the chat panel in a tab already showing the widget's bubble, and waits for the composer. */
export async function openChat(tab: Page): Promise<void> {
  await tab.locator('closer-chat .bubble').click();
  await tab.locator('closer-chat #closer-input').waitFor();
}

/** The visitor's messages in the log, in order. */
export const userMessages = (tab: Page) => tab.locator('closer-chat .msg.user .text').allTextContents();
