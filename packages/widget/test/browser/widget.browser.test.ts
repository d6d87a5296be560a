// The script-tag widget in real Chromium against the real local stack (PGlite, every function, the offline
// responder at a model's pace): streaming, reload, lead capture, hostile CSS, a strict CSP, a phone screen, axe.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { serve } from '@hono/node-server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shots = fileURLToPath(new URL('../../test-results/', import.meta.url));
const script = fileURLToPath(new URL('../../dist/closer.js', import.meta.url));

let browser: Browser;
let base: string;
let key: string;
let close: () => Promise<void>;
let leadNames: () => Promise<string[]>;

const page = (body: string, head = '') => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${head}<title>Shop</title></head>
<body><h1>Solar for your home</h1><p>Content of the site owner.</p>${body}</body></html>`;

beforeAll(async () => {
  if (!existsSync(script)) throw new Error('Build the widget first: pnpm --filter @closer/widget build');
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  const db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  const demo = await ensureDemoKeys(db, {}, null);
  key = demo.agents.find((a) => a.language === 'en')!.publishableKey;
  const app = createLocalApp(createRuntime(db, { CLOSER_OFFLINE_WORD_MS: '40' }), demo);
  const tag = () =>
    `<script src="/widget/closer.js" data-key="${key}" data-api="${base}/functions/v1" async></script>`;
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/test/plain', (c) => c.html(page(tag())));
  // The same page without the widget.
  app.get('/test/bare', (c) => c.html(page('')));
  // The kind of global CSS themes ship, and worse.
  app.get('/test/hostile.css', (c) =>
    c.body(
      `* { font-family: "Comic Sans MS", fantasy !important; color: red !important; line-height: 3 !important;
           letter-spacing: 4px !important; box-sizing: content-box !important; text-transform: uppercase !important; }
       div, section, button, textarea, form, p { margin: 25px !important; padding: 30px !important;
           border: 5px dashed lime !important; background: yellow !important; width: 300px; }
       button { min-height: 120px !important; border-radius: 0 !important; }
       closer-chat { font-size: 40px !important; }`,
      200,
      { 'content-type': 'text/css' },
    ),
  );
  app.get('/test/hostile', (c) => c.html(page(tag(), '<link rel="stylesheet" href="/test/hostile.css">')));
  app.get('/test/csp', (c) =>
    c.html(page(tag()), 200, {
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'",
    }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  leadNames = async () =>
    (await db.query<{ name: string }>('select name from leads order by created_at')).map((r) => r.name);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  await mkdir(shots, { recursive: true });
  close = async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await db.close();
  };
});
afterAll(async () => close?.());

async function openPage(
  path: string,
  viewport = { width: 1280, height: 800 },
  widget = true,
  colorScheme: 'light' | 'dark' = 'light',
) {
  const context = await browser.newContext({ viewport, colorScheme });
  const tab = await context.newPage();
  const problems: string[] = [];
  tab.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  tab.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy|Refused to/.test(message.text())) {
      problems.push(message.text());
    }
  });
  await tab.goto(`${base}${path}`);
  if (widget) await tab.locator('closer-chat .bubble').waitFor();
  return { tab, problems };
}

const lastReply = (tab: Page) => tab.locator('closer-chat .msg.assistant').last();

/**
 * Sends a message and records the reply's text at every change until it is complete. The page records it (a
 * MutationObserver sees every rendered state, however loaded the machine; polling from here skipped some), and
 * only the reply to this message counts: replies on screen before are marked and left out.
 */
async function sendAndWatch(tab: Page, text: string): Promise<string[]> {
  await tab.locator('closer-chat #closer-input').fill(text);
  await tab.evaluate(() => {
    const root = document.querySelector('closer-chat')!.shadowRoot!;
    for (const message of root.querySelectorAll('.msg')) message.setAttribute('data-test-before-send', '');
    const watched = { states: [] as string[], complete: false };
    Object.assign(window, { closerTestWatched: watched });
    const record = () => {
      const reply = [...root.querySelectorAll('.msg.assistant[data-status]:not([data-test-before-send])')].at(
        -1,
      );
      if (!reply || watched.complete) return;
      const shown = reply.textContent ?? '';
      if (watched.states.at(-1) !== shown) watched.states.push(shown);
      if (reply.getAttribute('data-status') === 'complete') watched.complete = true;
    };
    new MutationObserver(record).observe(root, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
  });
  await tab.locator('closer-chat #closer-input').press('Enter');
  await tab.locator('closer-chat .msg.user', { hasText: text }).waitFor();
  const watched = await tab.waitForFunction(() => {
    const { states, complete } = (
      window as unknown as { closerTestWatched: { states: string[]; complete: boolean } }
    ).closerTestWatched;
    return complete ? states : null;
  });
  return (await watched.jsonValue())!;
}

describe('the script-tag widget in Chromium', () => {
  it('streams a reply progressively, and a reload restores the conversation', async () => {
    const { tab, problems } = await openPage('/test/plain');
    await tab.locator('closer-chat .bubble').click();
    await expect
      .poll(() => tab.evaluate(() => document.querySelector('closer-chat')?.shadowRoot?.activeElement?.id))
      .toBe('closer-input');
    const states = await sendAndWatch(tab, 'Do you offer financing?');
    // Several intermediate states, each growing from the one before.
    expect(states.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < states.length; i++) {
      expect(states[i]!.length).toBeGreaterThan(states[i - 1]!.length);
    }
    const final = states.at(-1)!;
    expect(final).toMatch(/offline/i);
    await tab.screenshot({ path: `${shots}desktop.png` });

    await tab.reload();
    await tab.locator('closer-chat .bubble').click();
    await tab.locator('closer-chat .msg.user', { hasText: 'Do you offer financing?' }).waitFor();
    expect((await lastReply(tab).textContent())?.replace(/\s+/g, ' ').trim()).toBe(
      final.replace(/\s+/g, ' ').trim(),
    );
    expect(problems).toEqual([]);
    await tab.context().close();
  });

  it('creates a lead from the lead form', async () => {
    const { tab } = await openPage('/test/plain');
    await tab.locator('closer-chat .bubble').click();
    await sendAndWatch(tab, 'I would like a quote');
    await tab.locator('closer-chat .footer-chip').click();
    await tab.locator('closer-chat #closer-lead-name').fill('Browser Lead');
    await tab.locator('closer-chat #closer-lead-phone').fill('+1 520 555 0199');
    await tab.locator('closer-chat form.lead button[type=submit]').click();
    await tab.locator('closer-chat .thanks').waitFor();
    expect(await leadNames()).toContain('Browser Lead');
    await tab.context().close();
  });

  it('looks the same on a page with hostile global CSS', async () => {
    const measure = async (path: string) => {
      const { tab } = await openPage(path);
      await tab.locator('closer-chat .bubble').click();
      await tab.locator('closer-chat [role=dialog]').waitFor();
      const result = await tab.evaluate(() => {
        const root = document.querySelector('closer-chat')!.shadowRoot!;
        const pick = (selector: string) => {
          const el = root.querySelector(selector)!;
          const style = getComputedStyle(el);
          const box = el.getBoundingClientRect();
          return {
            box: [Math.round(box.x), Math.round(box.y), Math.round(box.width), Math.round(box.height)],
            font: style.fontFamily,
            size: style.fontSize,
            color: style.color,
            background: style.backgroundColor,
            border: style.borderTopStyle,
            transform: style.textTransform,
          };
        };
        return { bubble: pick('.bubble'), panel: pick('.panel'), input: pick('textarea'), title: pick('h2') };
      });
      await tab.context().close();
      return result;
    };
    const plain = await measure('/test/plain');
    const hostile = await measure('/test/hostile');
    expect(hostile).toEqual(plain);
  });

  it('works under a strict Content-Security-Policy', async () => {
    const { tab, problems } = await openPage('/test/csp');
    await tab.locator('closer-chat .bubble').click();
    const states = await sendAndWatch(tab, 'How long does installation take?');
    expect(states.at(-1)!.length).toBeGreaterThan(20);
    // Styled through a constructable stylesheet: the accent colour reached the bubble.
    const background = await tab
      .locator('closer-chat .bubble')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe('rgb(245, 158, 11)');
    expect(problems).toEqual([]);
    await tab.context().close();
  });

  it('goes full screen on a 390×844 phone', async () => {
    const { tab } = await openPage('/test/plain', { width: 390, height: 844 });
    await tab.locator('closer-chat .bubble').click();
    const box = await tab.locator('closer-chat .panel').boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: 390, height: 844 });
    await tab.screenshot({ path: `${shots}mobile.png` });
    await tab.context().close();
  });

  it('is fully usable from the keyboard', async () => {
    const { tab } = await openPage('/test/plain');
    const focused = () =>
      tab.evaluate(() => {
        const host = document.activeElement;
        const inner = host?.shadowRoot?.activeElement;
        return inner
          ? `${inner.tagName.toLowerCase()}${inner.id ? `#${inner.id}` : `.${inner.className}`}`
          : host?.tagName;
      });
    await tab.keyboard.press('Tab');
    await expect.poll(focused).toBe('button.bubble');
    await tab.keyboard.press('Enter');
    await expect.poll(focused).toBe('textarea#closer-input');
    await tab.keyboard.type('Do you offer financing?');
    await tab.keyboard.press('Enter');
    await tab.locator('closer-chat .msg.assistant[data-status="complete"]').waitFor();
    await tab.keyboard.press('Escape');
    await tab.locator('closer-chat [role=dialog]').waitFor({ state: 'detached' });
    await expect.poll(focused).toBe('button.bubble');
    await tab.context().close();
  });

  it('says so when the network is gone, keeps the message, and sends it once back online', async () => {
    const { tab } = await openPage('/test/plain');
    await tab.locator('closer-chat .bubble').click();
    await tab.context().setOffline(true);
    await tab.locator('closer-chat #closer-input').fill('Are you open on Saturdays?');
    await tab.locator('closer-chat #closer-input').press('Enter');
    await tab.locator('closer-chat .alert', { hasText: 'You are offline' }).waitFor();
    expect(await tab.locator('closer-chat .msg.user').getAttribute('data-status')).toBe('failed');
    await tab.context().setOffline(false);
    await tab.locator('closer-chat .alert button').click();
    await tab.locator('closer-chat .msg.assistant[data-status="complete"]').last().waitFor();
    expect(await tab.locator('closer-chat .msg.user').count()).toBe(1);
    expect(await tab.locator('closer-chat .msg.user').getAttribute('data-status')).toBe('complete');
    await tab.context().close();
  });

  it('keeps the panel above the keyboard: it follows the visual viewport', async () => {
    const { tab } = await openPage('/test/plain', { width: 390, height: 844 });
    await tab.locator('closer-chat .bubble').click();
    // A virtual keyboard shrinks the visual viewport; a smaller window does the same to it here.
    await tab.setViewportSize({ width: 390, height: 500 });
    await expect.poll(async () => (await tab.locator('closer-chat .panel').boundingBox())?.height).toBe(500);
    const input = await tab.locator('closer-chat #closer-input').boundingBox();
    expect(input!.y + input!.height).toBeLessThanOrEqual(500);
    await tab.context().close();
  });

  it('leaves the page’s own styles alone', async () => {
    const pageStyles = async (path: string, widget: boolean) => {
      const { tab } = await openPage(path, undefined, widget);
      if (widget) await tab.locator('closer-chat .bubble').click();
      const styles = await tab.evaluate(() =>
        ['h1', 'p', 'body'].map((selector) => {
          const style = getComputedStyle(document.querySelector(selector)!);
          return [style.fontFamily, style.fontSize, style.color, style.margin, style.backgroundColor].join(
            ' ',
          );
        }),
      );
      await tab.context().close();
      return styles;
    };
    expect(await pageStyles('/test/plain', true)).toEqual(await pageStyles('/test/bare', false));
  });

  it.each(['light', 'dark'] as const)(
    'has no axe-core violations, closed and open, in %s mode',
    async (scheme) => {
      const axe = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
      const { tab } = await openPage('/test/plain', undefined, true, scheme);
      await tab.addScriptTag({ content: axe });
      const violations = () =>
        tab.evaluate(async () => {
          const result = await (
            window as unknown as {
              axe: { run(ctx: unknown): Promise<{ violations: { id: string; nodes: unknown[] }[] }> };
            }
          ).axe.run({ include: [['closer-chat']] });
          return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
        });
      expect(await violations()).toEqual([]);
      await tab.locator('closer-chat .bubble').click();
      await sendAndWatch(tab, 'How much could I save?');
      expect(await violations()).toEqual([]);
      // The demo agent's theme is `auto`: the panel follows the visitor's system.
      const background = await tab
        .locator('closer-chat .panel')
        .evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(background).toBe(scheme === 'dark' ? 'rgb(17, 24, 39)' : 'rgb(255, 255, 255)');
      await tab.screenshot({ path: `${shots}desktop-${scheme}.png` });
      await tab.context().close();
    },
  );
});
