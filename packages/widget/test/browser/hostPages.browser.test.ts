// Hostile and unusual host pages (issue 12, part 3): whatever the page does to <html>, <body> and their
// ancestors, however and however often it loads the script, the bubble stays fixed in the corner, visible,
// on top and usable.
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type Stack, sitePage, startStack } from './stack.ts';

interface HostPage {
  head?: string;
  body?: string;
  html?: string;
  /** Where the script tag goes and how it is written. */
  tag?: (stack: Stack) => { head?: string; body?: string };
  /** Runs in the page once the bubble is there. */
  after?: string;
}

const tall = '<div style="height:3000px">Long content</div>';
const style = (css: string) => `<style>${css}</style>`;
const inBody = (s: Stack): { head?: string; body?: string } => ({ body: s.tag() });

const pages: Record<string, HostPage> = {
  'transform on body': { head: style('body{transform:scale(0.9);transform-origin:0 0}'), body: tall },
  'transform on html': { head: style('html{transform:translateX(0)}'), body: tall },
  'filter on html and body': { head: style('html{filter:grayscale(1)}body{filter:blur(0)}'), body: tall },
  'backdrop-filter and will-change': {
    head: style('body{backdrop-filter:blur(1px);will-change:transform}'),
    body: tall,
  },
  'zoom on body': { head: style('body{zoom:1.5}'), body: tall },
  'zoom on html': { head: style('html{zoom:0.8}'), body: tall },
  'overflow hidden on html and body': { head: style('html,body{overflow:hidden;height:100%}'), body: tall },
  'body positioned off screen': {
    head: style(
      'body{position:absolute;top:-200px;left:-300px;width:50px;height:50px;overflow:hidden;margin:0}',
    ),
  },
  'html fixed and scrolled': { head: style('html{position:fixed;inset:0;overflow:auto}'), body: tall },
  'full-page overlay with the highest z-index': {
    body: `${tall}<div style="position:fixed;inset:0;z-index:2147483647;background:rgba(255,255,255,.02)"></div>`,
  },
  'contain: strict on body': { head: style('body{contain:strict;height:100vh}'), body: tall },
  'contain: paint on html': { head: style('html{contain:paint}'), body: tall },
  'right-to-left document': { html: 'dir="rtl" lang="ar"', body: tall },
  'a page that replaces document.body': {
    body: tall,
    after: `document.documentElement.replaceChild(document.createElement('body'), document.body);
            document.body.innerHTML = '<main><h1>Replaced</h1></main>';`,
  },
  'a page that rewrites body.innerHTML': {
    body: tall,
    after: `document.body.innerHTML = '<main>Rendered by a framework</main>';`,
  },
  'perspective and will-change on html': {
    head: style('html{perspective:500px;will-change:transform}body{transform:translateZ(0)}'),
    body: tall,
  },
  'html and body as odd flex and grid containers': {
    head: style(
      'html{display:flex;align-items:flex-end;justify-content:center}body{display:grid;place-items:end;direction:rtl}',
    ),
    body: tall,
  },
  'font-size 0 and a 62.5 percent root': {
    head: style(
      'html{font-size:62.5%;line-height:0;letter-spacing:4px;text-transform:uppercase}body{font-size:0}',
    ),
    body: tall,
  },
  'global resets with !important': {
    head: style(
      '*,*::before,*::after{all:unset!important;box-sizing:content-box!important;line-height:0!important}div,button,iframe,[class*=closer]{display:none!important;visibility:hidden!important;opacity:0!important}closer-chat{display:none!important}[popover]{display:none!important}head,script,style{display:none!important}',
    ),
    body: tall,
  },
  'a page that replaces document.documentElement, twice': {
    body: tall,
    after: `for (let i = 0; i < 2; i++) {
              const html = document.createElement('html');
              html.append(document.createElement('head'), document.createElement('body'));
              document.replaceChild(html, document.documentElement);
              document.body.innerHTML = '<main>Page ' + i + '</main>';
            }
            document.documentElement.replaceChildren(document.createElement('head'), document.createElement('body'));`,
  },
  'enumerable additions to Object and Array prototypes, a wrapped fetch': {
    head: `<script>Object.prototype.extra = function () {}; Array.prototype.last = function () { return this[this.length - 1] };
      Array.prototype.find = function (f) { for (let i = 0; i < this.length; i++) if (f(this[i], i, this)) return this[i] };
      const original = window.fetch; window.fetch = function (input, init) { return original(input, init) };</script>`,
  },
  'a page with its own global Closer and preact': {
    head: '<script>window.preact = { h: 1 }; window.Closer = { version: "some other library" }; window.h = null;</script>',
  },
  'the script included twice': { tag: (s) => ({ body: s.tag() + s.tag() }) },
  'the script in <head> with defer': {
    tag: (s) => ({ head: s.tag({ async: undefined as never, defer: '' }) }),
  },
  'the script in <head>, blocking': { tag: (s) => ({ head: s.tag({ async: undefined as never }) }) },
  'the script injected after load': {
    tag: (s) => ({
      body: `<script>addEventListener('load', () => setTimeout(() => {
        const t = document.createElement('template'); t.innerHTML = ${JSON.stringify(s.tag()).replace(/<\//g, '<\\/')};
        const tag = document.createElement('script');
        for (const a of t.content.firstChild.attributes) tag.setAttribute(a.name, a.value);
        document.body.appendChild(tag);
      }, 50));</script>`,
    }),
  },
  'an SPA that navigates with pushState': {
    body: tall,
    after: `history.pushState({}, '', '/pricing'); document.body.innerHTML = '<main><h1>Pricing</h1></main>';
            history.pushState({}, '', '/contact'); document.title = 'Contact';`,
  },
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    routes: (app, s) => {
      app.get('/test/host/:name', (c) => {
        const spec = pages[decodeURIComponent(c.req.param('name'))];
        if (!spec) return c.text('no such page', 404);
        const tag = (spec.tag ?? inBody)(s());
        return c.html(
          sitePage(`${spec.body ?? ''}${tag.body ?? ''}`, `${spec.head ?? ''}${tag.head ?? ''}`, spec.html),
        );
      });
      app.get('/test/framed', (c) =>
        c.html(
          sitePage(
            `<iframe title="shop" src="/test/host/${encodeURIComponent('transform on body')}" style="width:700px;height:560px;border:0"></iframe>`,
          ),
        ),
      );
    },
  });
});
afterAll(async () => stack?.close());

/** The bubble is in the bottom corner of the viewport, the topmost thing there, and stays put on scroll. */
async function expectBubbleUsable(frame: Page | Frame, viewport: { width: number; height: number }) {
  const probe = () =>
    frame.evaluate(() => {
      const hosts = document.querySelectorAll('closer-chat');
      const root = hosts[0]?.shadowRoot;
      const bubble = root?.querySelector('.bubble');
      if (!bubble) return null;
      const box = bubble.getBoundingClientRect();
      const x = box.left + box.width / 2;
      const y = box.top + box.height / 2;
      const top = document.elementFromPoint(x, y);
      return {
        hosts: hosts.length,
        bubbles: root!.querySelectorAll('.bubble').length,
        box: { left: box.left, top: box.top, right: box.right, bottom: box.bottom, width: box.width },
        onTop: top === hosts[0] && bubble.contains(root!.elementFromPoint(x, y)),
      };
    });
  const before = await probe();
  expect(before).not.toBeNull();
  expect(before!.hosts).toBe(1);
  expect(before!.bubbles).toBe(1);
  expect(before!.onTop).toBe(true);
  expect(before!.box.width).toBeGreaterThanOrEqual(40);
  expect(before!.box.left).toBeGreaterThanOrEqual(0);
  expect(before!.box.top).toBeGreaterThanOrEqual(0);
  expect(before!.box.right).toBeLessThanOrEqual(viewport.width);
  expect(before!.box.bottom).toBeLessThanOrEqual(viewport.height);
  // In a bottom corner.
  expect(viewport.height - before!.box.bottom).toBeLessThan(120);
  expect(Math.min(before!.box.left, viewport.width - before!.box.right)).toBeLessThan(120);
  await frame.evaluate(() => {
    window.scrollTo(0, 1500);
    document.scrollingElement?.scrollTo(0, 1500);
  });
  const after = await probe();
  expect(after!.box).toEqual(before!.box);
}

/** Opens the panel with a real click where the bubble is drawn, and types into the composer. */
async function expectPanelUsable(
  tab: Page,
  frame: Page | Frame,
  viewport: { width: number; height: number },
) {
  const box = await frame.locator('closer-chat .bubble').boundingBox();
  await tab.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
  await frame.locator('closer-chat #closer-input').waitFor();
  const panel = await frame.locator('closer-chat .panel').evaluate((el) => {
    const b = el.getBoundingClientRect();
    return { left: b.left, top: b.top, right: b.right, bottom: b.bottom };
  });
  expect(panel.left).toBeGreaterThanOrEqual(0);
  expect(panel.top).toBeGreaterThanOrEqual(0);
  expect(panel.right).toBeLessThanOrEqual(viewport.width);
  expect(panel.bottom).toBeLessThanOrEqual(viewport.height);
  await frame.locator('closer-chat #closer-input').pressSequentially('Hello');
  expect(await frame.locator('closer-chat #closer-input').inputValue()).toBe('Hello');
  const sendOnTop = await frame.locator('closer-chat .send').evaluate((el) => {
    const b = el.getBoundingClientRect();
    return (
      el.getRootNode() instanceof ShadowRoot &&
      (el.getRootNode() as ShadowRoot)
        .elementFromPoint(b.left + b.width / 2, b.top + b.height / 2)
        ?.closest('.send') === el
    );
  });
  expect(sendOnTop).toBe(true);
}

describe('the bubble on hostile and unusual pages', () => {
  const viewport = { width: 1280, height: 800 };

  it.each(Object.keys(pages))('stays fixed, visible, on top and usable: %s', async (name) => {
    const { tab, problems } = await openPage(
      stack.browser,
      `${stack.base}/test/host/${encodeURIComponent(name)}`,
      {
        viewport,
      },
    );
    const spec = pages[name]!;
    if (spec.after) {
      await tab.evaluate(spec.after);
      await tab.waitForTimeout(100);
      await tab.locator('closer-chat .bubble').waitFor();
    }
    // A fixed element's box is in CSS pixels of its own zoom: compare against the zoomed viewport.
    const zoom = await tab.evaluate(
      () => Number(getComputedStyle(document.querySelector('closer-chat')!).zoom) || 1,
    );
    const scaled = { width: viewport.width / zoom, height: viewport.height / zoom };
    await expectBubbleUsable(tab, scaled);
    await expectPanelUsable(tab, tab, scaled);
    expect(problems).toEqual([]);
    await tab.context().close();
  });

  it('works inside an iframe on a transformed page', async () => {
    const { tab, problems } = await openPage(stack.browser, `${stack.base}/test/framed`, {
      waitForBubble: false,
    });
    const frame = tab.frames().find((f) => f.url().includes('/test/host/'))!;
    await frame.locator('closer-chat .bubble').waitFor();
    await expectBubbleUsable(frame, { width: 700, height: 560 });
    expect(problems).toEqual([]);
    await tab.context().close();
  });
});
