// Several tabs of one site in one browser: they converge on one conversation, follow each other's messages,
// and never write an older conversation over a newer one (issue 12, part 1).
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
  stack.db.query<{ id: string; contents: string[] }>(
    `select c.id, array_agg(m.content order by m.seq) as contents from public.conversations c
     join public.messages m on m.conversation_id = c.id and m.role = 'user' group by c.id`,
  );

describe('two tabs of one site', () => {
  it('converge on one conversation: A sends, B sends, A reloads and shows both; each tab shows the other’s messages', async () => {
    const context = await stack.browser.newContext();
    const a = (await openInContext(context, `${stack.base}/test/plain`)).tab;
    const b = (await openInContext(context, `${stack.base}/test/plain`)).tab;
    await openChat(a);
    await openChat(b);
    await sendAndWait(a, 'First question from tab A');
    // Tab B follows without a reload.
    await b.locator('closer-chat .msg.user', { hasText: 'First question from tab A' }).waitFor();
    await sendAndWait(b, 'Second question from tab B');
    await a.locator('closer-chat .msg.user', { hasText: 'Second question from tab B' }).waitFor();
    await a.reload();
    await openChat(a);
    await a.locator('closer-chat .msg.user', { hasText: 'Second question from tab B' }).waitFor();
    expect(await userMessages(a)).toEqual(['First question from tab A', 'Second question from tab B']);
    const rows = await conversations();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.contents).toEqual(['First question from tab A', 'Second question from tab B']);
    await context.close();
  });

  it('keep a new conversation one tab started when an older tab sends', async () => {
    await stack.db.query('delete from public.conversations');
    const context = await stack.browser.newContext();
    const a = (await openInContext(context, `${stack.base}/test/plain`)).tab;
    await openChat(a);
    await sendAndWait(a, 'Old conversation in tab A');
    const b = (await openInContext(context, `${stack.base}/test/plain`)).tab;
    await openChat(b);
    await b.locator('closer-chat .msg.user', { hasText: 'Old conversation in tab A' }).waitFor();
    await b.locator('closer-chat button[aria-label="New conversation"]').click();
    // The older tab follows the new start…
    await expect.poll(() => userMessages(a)).toEqual([]);
    await sendAndWait(b, 'Fresh start in tab B');
    await a.locator('closer-chat .msg.user', { hasText: 'Fresh start in tab B' }).waitFor();
    // …and sending from it continues the new conversation instead of writing the old one back.
    await sendAndWait(a, 'Tab A continues');
    await b.reload();
    await openChat(b);
    await b.locator('closer-chat .msg.user', { hasText: 'Tab A continues' }).waitFor();
    expect(await userMessages(b)).toEqual(['Fresh start in tab B', 'Tab A continues']);
    const rows = (await conversations()).map((r) => r.contents).sort((x, y) => x.length - y.length);
    expect(rows).toEqual([['Old conversation in tab A'], ['Fresh start in tab B', 'Tab A continues']]);
    await context.close();
  });

  it('adopt the newest stored conversation before sending, even when the tab missed the change', async () => {
    await stack.db.query('delete from public.conversations');
    const context = await stack.browser.newContext();
    // Tab A never hears from the other tabs (as if their events were lost while it slept).
    const deaf = () => {
      const add = window.addEventListener.bind(window);
      window.addEventListener = ((
        type: string,
        listener: EventListener,
        options?: boolean | AddEventListenerOptions,
      ) => {
        if (type !== 'storage') add(type, listener, options);
      }) as typeof window.addEventListener;
    };
    const a = (await openInContext(context, `${stack.base}/test/plain`, { initScript: deaf })).tab;
    await openChat(a);
    await sendAndWait(a, 'Conversation one');
    const b = (await openInContext(context, `${stack.base}/test/plain`)).tab;
    await openChat(b);
    await b.locator('closer-chat .msg.user', { hasText: 'Conversation one' }).waitFor();
    await b.locator('closer-chat button[aria-label="New conversation"]').click();
    await sendAndWait(b, 'Conversation two');
    expect(await userMessages(a)).toEqual(['Conversation one']);
    await sendAndWait(a, 'Sent from the stale tab');
    await b.locator('closer-chat .msg.user', { hasText: 'Sent from the stale tab' }).waitFor();
    expect(await userMessages(b)).toEqual(['Conversation two', 'Sent from the stale tab']);
    expect(await userMessages(a)).toEqual(['Conversation two', 'Sent from the stale tab']);
    await context.close();
  });
});
