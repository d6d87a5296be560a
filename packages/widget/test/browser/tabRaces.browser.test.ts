// More tabs and less storage: three tabs, a tab opened late, "New conversation" in one tab while another streams
// or while another tab missed the news, and browsers whose localStorage is missing or refuses writes (Safari's
// private mode, a sandboxed frame): the chat then works for the page without persistence.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openChat,
  openInContext,
  type Stack,
  sendAndWait,
  sitePage,
  startStack,
  userMessages,
} from './stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    routes: (app, s) => app.get('/test/plain', (c) => c.html(sitePage(s().tag()))),
  });
});
afterAll(async () => stack?.close());

const conversations = () =>
  stack.db.query<{ contents: string[] }>(
    `select array_agg(m.content order by m.seq) as contents from public.conversations c
     join public.messages m on m.conversation_id = c.id and m.role = 'user' group by c.id`,
  );
const newConversation = (tab: Page) =>
  tab.locator('closer-chat button[aria-label="New conversation"]').click();

/** A tab that never hears the other tabs' storage events (as if they were lost while it slept). */
const deaf = () => {
  const add = window.addEventListener.bind(window);
  window.addEventListener = ((type: string, listener: EventListener, options?: AddEventListenerOptions) => {
    if (type !== 'storage') add(type, listener, options);
  }) as typeof window.addEventListener;
};

describe('tabs of one site', () => {
  it('three tabs, the third opened after the others, share one conversation', async () => {
    await stack.db.query('delete from public.conversations');
    const context = await stack.browser.newContext();
    const a = (await openInContext(context, `${stack.base}/test/plain`)).tab;
    const b = (await openInContext(context, `${stack.base}/test/plain`)).tab;
    await openChat(a);
    await openChat(b);
    await sendAndWait(a, 'From tab A');
    await b.locator('closer-chat .msg.user', { hasText: 'From tab A' }).waitFor();
    await sendAndWait(b, 'From tab B');
    const c = (await openInContext(context, `${stack.base}/test/plain`)).tab;
    await openChat(c);
    await c.locator('closer-chat .msg.user', { hasText: 'From tab B' }).waitFor();
    await sendAndWait(c, 'From tab C');
    for (const tab of [a, b]) await tab.locator('closer-chat .msg.user', { hasText: 'From tab C' }).waitFor();
    for (const tab of [a, b, c])
      expect(await userMessages(tab)).toEqual(['From tab A', 'From tab B', 'From tab C']);
    expect(await conversations()).toEqual([{ contents: ['From tab A', 'From tab B', 'From tab C'] }]);
    await context.close();
  });

  it('keep the new conversation one tab started while another was streaming its reply', async () => {
    await stack.db.query('delete from public.conversations');
    const context = await stack.browser.newContext();
    const a = (await openInContext(context, `${stack.base}/test/plain`)).tab;
    const b = (await openInContext(context, `${stack.base}/test/plain`)).tab;
    await openChat(a);
    await openChat(b);
    await sendAndWait(a, 'Old question');
    await b.locator('closer-chat .msg.user', { hasText: 'Old question' }).waitFor();
    // A asks again; while its reply streams, B starts over.
    await a.locator('closer-chat #closer-input').fill('Asked while B starts over');
    await a.locator('closer-chat #closer-input').press('Enter');
    await a.locator('closer-chat .msg.assistant[data-status="streaming"]').waitFor();
    await newConversation(b);
    await a.waitForFunction(
      () =>
        !document.querySelector('closer-chat')?.shadowRoot?.querySelector('.msg[data-status="streaming"]'),
    );
    // The reply that ended in A does not bring the old conversation back, in either tab.
    await expect.poll(() => userMessages(a)).toEqual([]);
    expect(await userMessages(b)).toEqual([]);
    await b.reload();
    await openChat(b);
    await sendAndWait(b, 'A fresh start');
    await a.locator('closer-chat .msg.user', { hasText: 'A fresh start' }).waitFor();
    expect(await userMessages(a)).toEqual(['A fresh start']);
    expect((await conversations()).map((r) => r.contents)).toContainEqual(['A fresh start']);
    await context.close();
  });

  it('start over in a tab that missed the other tab’s "New conversation", instead of writing the old one back', async () => {
    await stack.db.query('delete from public.conversations');
    const context = await stack.browser.newContext();
    const a = (await openInContext(context, `${stack.base}/test/plain`, { initScript: deaf })).tab;
    await openChat(a);
    await sendAndWait(a, 'Old conversation');
    const b = (await openInContext(context, `${stack.base}/test/plain`)).tab;
    await openChat(b);
    await b.locator('closer-chat .msg.user', { hasText: 'Old conversation' }).waitFor();
    await newConversation(b);
    expect(await userMessages(a)).toEqual(['Old conversation']);
    await sendAndWait(a, 'Sent from the stale tab');
    expect(await userMessages(a)).toEqual(['Sent from the stale tab']);
    await b.locator('closer-chat .msg.user', { hasText: 'Sent from the stale tab' }).waitFor();
    expect(await userMessages(b)).toEqual(['Sent from the stale tab']);
    const rows = (await conversations()).map((r) => r.contents).sort();
    expect(rows).toEqual([['Old conversation'], ['Sent from the stale tab']]);
    await context.close();
  });
});

describe('a browser without usable localStorage', () => {
  const missing = () => {
    Object.defineProperty(window, 'localStorage', {
      get() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
  };
  const refusing = () => {
    Storage.prototype.setItem = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  };
  it.each([
    ['localStorage throws on access (sandboxed frame, blocked cookies)', missing],
    ['setItem throws (Safari private mode)', refusing],
  ])('still chats for the page: %s', async (_name, initScript) => {
    const context = await stack.browser.newContext();
    const opened = await openInContext(context, `${stack.base}/test/plain`, { initScript });
    const tab = opened.tab;
    await openChat(tab);
    const reply = await sendAndWait(tab, 'Can I chat without storage?');
    expect(reply.length).toBeGreaterThan(10);
    await sendAndWait(tab, 'And a second question');
    expect(await userMessages(tab)).toEqual(['Can I chat without storage?', 'And a second question']);
    await newConversation(tab);
    await expect.poll(() => userMessages(tab)).toEqual([]);
    await sendAndWait(tab, 'Starting over');
    expect(await userMessages(tab)).toEqual(['Starting over']);
    expect(opened.problems).toEqual([]);
    await context.close();
  });
});
