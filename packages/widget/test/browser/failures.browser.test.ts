// Failures a site owner can understand (issue 12, part 4): a configuration no retry will fix shows no bubble and
// one console message naming the reason and the fix; a passing failure stays retryable; the documented stub
// queues every method; subdomain wildcards in allowedOrigins match what they say and nothing else.
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  type OpenedPage,
  openPage,
  type Stack,
  sendAndWait,
  sitePage,
  startStack,
} from './stack.ts';

/** The stub from docs/widget.md and examples/script-tag: every method queues until closer.js arrives. */
export const STUB = `
  window.Closer = window.Closer || Object.assign((...args) => window.Closer.q.push(args), { q: [] });
  for (const method of ['open', 'close', 'toggle', 'send', 'identify', 'on', 'off', 'destroy']) {
    window.Closer[method] ??= (...args) => window.Closer.q.push([method, ...args]);
  }`;

let stack: Stack;
let wildBrowser: Browser;
beforeAll(async () => {
  stack = await startStack({
    routes: (app, s) => {
      app.get('/test/plain', (c) => c.html(sitePage(s().tag())));
      app.get('/test/key/:key', (c) => c.html(sitePage(s().tag({ 'data-key': c.req.param('key') }))));
      app.get('/test/no-functions-path', (c) => c.html(sitePage(s().tag({ 'data-api': s().base }))));
      app.get('/test/stub', (c) =>
        c.html(
          sitePage(
            `<script>${STUB}
              window.seen = [];
              Closer.on('message', function (m) { window.seen.push(m.role); });
              Closer.identify({ name: 'Ann Lee' });
              Closer.send('How much could I save?');
            </script>${s().tag()}`,
          ),
        ),
      );
      app.get('/test/old-stub', (c) =>
        c.html(
          sitePage(
            `<script>window.Closer = window.Closer || function () { (window.Closer.q = window.Closer.q || []).push(arguments); };
              Closer('send', 'Do you offer financing?');</script>${s().tag()}`,
          ),
        ),
      );
    },
  });
  wildBrowser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--host-resolver-rules=MAP *.example.com 127.0.0.1, MAP example.com.evil.test 127.0.0.1',
    ],
  });
});
afterAll(async () => {
  await wildBrowser?.close();
  await stack?.close();
});

const setAgent = (column: 'status' | 'allowed_origins', value: unknown) =>
  stack.db.query(`update public.agents set ${column} = $1 where id = $2`, [value, stack.agentId]);

/** Loads a page that should end up with no chat: waits for the owner's console message. */
async function expectHidden(opened: OpenedPage, message: RegExp) {
  const { tab, consoleErrors } = opened;
  await expect.poll(() => consoleErrors.length).toBeGreaterThan(0);
  await tab.waitForTimeout(500);
  expect(await tab.locator('closer-chat').count()).toBe(0);
  expect(consoleErrors.filter((text) => text.startsWith('Closer:'))).toHaveLength(1);
  expect(consoleErrors.find((text) => text.startsWith('Closer:'))).toMatch(message);
  return consoleErrors.find((text) => text.startsWith('Closer:'))!;
}

const open = (url: string, browser: Browser = stack.browser) =>
  openPage(browser, url, { waitForBubble: false });
/** The same server under another name: a page on another origin than the API. */
const elsewhere = (path: string) => `http://localhost:${stack.port}${path}`;

describe('a configuration no retry will fix', () => {
  it('shows no bubble when the page’s origin is not allowed, and tells the owner which origin to add', async () => {
    await setAgent('allowed_origins', ['https://shop.example']);
    try {
      const opened = await open(elsewhere('/test/plain'));
      const said = await expectHidden(
        opened,
        /its origin http:\/\/localhost:\d+ is not in the agent's allowed origins/,
      );
      expect(said).toMatch(/Fix: add "http:\/\/localhost:\d+"/);
      await opened.tab.context().close();
    } finally {
      await setAgent('allowed_origins', ['*']);
    }
  });

  it('shows no bubble while the agent is paused, and says to resume it', async () => {
    await setAgent('status', 'paused');
    try {
      const opened = await open(elsewhere('/test/plain'));
      await expectHidden(opened, /the agent is paused .*Fix: set the agent's status back to active/);
      await opened.tab.context().close();
    } finally {
      await setAgent('status', 'active');
    }
  });

  it('shows no bubble for an unknown publishable key, and says where the right one goes', async () => {
    const opened = await open(elsewhere('/test/key/pk_unknown_key_1234567890'));
    await expectHidden(
      opened,
      /the publishable key "pk_unknown_k…" is not valid.*Fix: copy the agent's publishable key/,
    );
    await opened.tab.context().close();
  });

  it.each([
    ['on the same origin', (path: string) => `${stack.base}${path}`],
    ['from another origin (a CORS failure)', elsewhere],
  ])('names a data-api without /functions/v1 as the problem (%s)', async (_, at) => {
    const opened = await open(at('/test/no-functions-path'));
    await expectHidden(opened, /data-api="http:\/\/127\.0\.0\.1:\d+" is not the Closer API.*functions\/v1/);
    await opened.tab.context().close();
  });
});

describe('a failure that passes', () => {
  it('keeps the bubble when the configuration cannot be fetched once, and the chat works after', async () => {
    const context = await stack.browser.newContext();
    let refused = 0;
    await context.route('**/functions/v1/chat/config', (route) => {
      if (refused++ === 0) return route.abort('connectionreset');
      return route.continue();
    });
    const { tab } = await (async () => {
      const tab = await context.newPage();
      await tab.goto(`${stack.base}/test/plain`);
      return { tab };
    })();
    await tab.locator('closer-chat .bubble').waitFor();
    await tab.locator('closer-chat .bubble').click();
    await tab.locator('closer-chat #closer-input').waitFor();
    expect(await sendAndWait(tab, 'Do you offer financing?')).toMatch(/offline/i);
    // The configuration was fetched again and applied.
    await expect.poll(() => tab.locator('closer-chat h2').textContent()).toMatch(/Chat with/);
    expect(refused).toBeGreaterThanOrEqual(2);
    await context.close();
  });
});

describe('the stub', () => {
  it('queues Closer.send, Closer.on and Closer.identify made before closer.js loads', async () => {
    const { tab, problems } = await open(`${stack.base}/test/stub`);
    await tab.locator('closer-chat .msg.user', { hasText: 'How much could I save?' }).waitFor();
    await tab.locator('closer-chat .msg.assistant[data-status="complete"]').waitFor();
    await expect
      .poll(() => tab.evaluate(() => (window as unknown as { seen: string[] }).seen))
      .toEqual(['user', 'assistant']);
    expect(problems).toEqual([]);
    await tab.context().close();
  });

  it('still replays the older function-only stub', async () => {
    const { tab, problems } = await open(`${stack.base}/test/old-stub`);
    await tab.locator('closer-chat .msg.user', { hasText: 'Do you offer financing?' }).waitFor();
    expect(problems).toEqual([]);
    await tab.context().close();
  });
});

describe('subdomain wildcards in allowedOrigins', () => {
  const at = (host: string) => `http://${host}:${stack.port}/test/plain`;

  it('admit a subdomain and refuse a look-alike host', async () => {
    await setAgent('allowed_origins', [`http://*.example.com:${stack.port}`]);
    try {
      const allowed = await openPage(wildBrowser, at('shop.example.com'));
      await allowed.tab.locator('closer-chat .bubble').click();
      expect(await sendAndWait(allowed.tab, 'Do you offer financing?')).toMatch(/offline/i);
      await allowed.tab.context().close();
      const refused: OpenedPage = await open(at('example.com.evil.test'), wildBrowser);
      await expectHidden(
        refused,
        /origin http:\/\/example\.com\.evil\.test:\d+ is not in the agent's allowed origins/,
      );
      await refused.tab.context().close();
    } finally {
      await setAgent('allowed_origins', ['*']);
    }
  });
});

export type { Page };
