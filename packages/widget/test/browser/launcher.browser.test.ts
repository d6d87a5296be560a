// The launcher/panel split (issue 12, part 5): closer.js alone draws the bubble; closer-panel.js comes from
// beside it only after the page has loaded or on intent, and when it cannot come the visitor is told and can
// try again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type Stack, sendAndWait, sitePage, startStack } from './stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    routes: (app, s) => {
      app.get('/test/plain', (c) => c.html(sitePage(s().tag())));
      // The widget served from a "CDN" path of its own: the panel must come from beside closer.js.
      app.get('/cdn/v1/:file{closer(-panel)?\\.js}', (c) => c.redirect(`/widget/${c.req.param('file')}`));
      app.get('/test/cdn', (c) => c.html(sitePage(s().tag({ src: '/cdn/v1/closer.js' }))));
    },
  });
});
afterAll(async () => stack?.close());

describe('closer.js, the launcher', () => {
  it('draws the bubble without the panel, and fetches the panel only after the page has loaded', async () => {
    const context = await stack.browser.newContext();
    const tab = await context.newPage();
    let fetched = 0;
    await context.route('**/closer-panel.js', async (route) => {
      fetched++;
      await route.continue();
    });
    await tab.goto(`${stack.base}/test/plain`);
    await tab.locator('closer-chat .bubble').waitFor();
    await expect.poll(() => fetched).toBe(1);
    // Both times on the page's own clock (ms since navigation started): the fetch began after the load event ended.
    // (Node's clock when the route saw the request is not comparable: the two clocks drift, and a busy machine
    // delays the route's handler.)
    const times = await tab.waitForFunction(() => {
      const panel = performance
        .getEntriesByType('resource')
        .find((entry) => entry.name.endsWith('/closer-panel.js'));
      const page = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      return panel && page?.loadEventEnd
        ? { panelFetchStart: panel.startTime, loadEnd: page.loadEventEnd }
        : null;
    });
    const { panelFetchStart, loadEnd } = (await times.jsonValue())!;
    expect(panelFetchStart).toBeGreaterThanOrEqual(loadEnd);
    await context.close();
  });

  it('loads the panel on the first hover, before the click', async () => {
    const context = await stack.browser.newContext();
    // The idle preload is held back so that only intent can load the panel.
    await context.addInitScript(() => {
      (window as unknown as { requestIdleCallback: unknown }).requestIdleCallback = () => 0;
    });
    const requested: string[] = [];
    context.on('request', (request) => {
      if (request.url().endsWith('/closer-panel.js')) requested.push(request.url());
    });
    const tab = await context.newPage();
    await tab.goto(`${stack.base}/test/cdn`);
    await tab.locator('closer-chat .bubble').waitFor();
    await tab.waitForTimeout(300);
    expect(requested).toEqual([]);
    await tab.locator('closer-chat .bubble').hover();
    // From beside closer.js (here a redirect on to where the files really are).
    await expect.poll(() => requested[0]).toBe(`${stack.base}/cdn/v1/closer-panel.js`);
    await tab.locator('closer-chat .bubble').click();
    await tab.locator('closer-chat #closer-input').waitFor();
    await context.close();
  });

  it('says so when the panel cannot be downloaded, and Try again loads it once it can', async () => {
    const context = await stack.browser.newContext();
    let blocked = true;
    await context.route('**/closer-panel.js', (route) =>
      blocked ? route.abort('connectionrefused') : route.continue(),
    );
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await tab.goto(`${stack.base}/test/plain`);
    await tab.locator('closer-chat .bubble').click();
    const fallback = tab.locator('closer-chat .fallback[role=alert]');
    await fallback.waitFor();
    expect(await fallback.textContent()).toMatch(/The chat could not load/);
    expect(errors.some((e) => /closer-panel\.js could not be downloaded/.test(e))).toBe(true);
    blocked = false;
    await fallback.locator('button').click();
    await tab.locator('closer-chat #closer-input').waitFor();
    expect(await tab.locator('closer-chat .fallback').count()).toBe(0);
    expect(await sendAndWait(tab, 'Do you offer financing?')).toMatch(/offline/i);
    await context.close();
  });

  it('shows the unread badge for a reply that finishes while the panel is closed', async () => {
    const { tab } = await openPage(stack.browser, `${stack.base}/test/plain`);
    await tab.locator('closer-chat .bubble').click();
    await tab.locator('closer-chat #closer-input').fill('How long does installation take?');
    await tab.locator('closer-chat #closer-input').press('Enter');
    await tab.locator('closer-chat .msg.assistant[data-status="streaming"]').waitFor();
    await tab.keyboard.press('Escape');
    await tab.locator('closer-chat .badge').waitFor();
    expect(await tab.locator('closer-chat .badge').textContent()).toBe('1');
    expect(await tab.locator('closer-chat .bubble').getAttribute('aria-label')).toBe('Open chat (1 unread)');
    await tab.context().close();
  });
});
