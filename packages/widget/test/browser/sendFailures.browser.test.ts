// What goes wrong after the chat has started, as a site owner and a visitor meet it: the conversation erased on
// the server (the owner, a privacy request, retention), the agent paused while a visitor chats, an API that
// answers with an error status, and a configuration request that never answers.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type Stack, sendAndWait, sitePage, startStack, userMessages } from './stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    routes: (app, s) => {
      app.get('/test/plain', (c) => c.html(sitePage(s().tag())));
      // The shop's page in a sandboxed frame without allow-same-origin: its origin is opaque ("null").
      app.get('/test/sandboxed', (c) =>
        c.html(
          sitePage(
            `<iframe title="shop" sandbox="allow-scripts" src="/test/plain" style="width:600px;height:500px"></iframe>`,
          ),
        ),
      );
    },
  });
});
afterAll(async () => stack?.close());

async function openChat() {
  const opened = await openPage(stack.browser, `${stack.base}/test/plain`);
  await opened.tab.locator('closer-chat .bubble').click();
  await opened.tab.locator('closer-chat #closer-input').waitFor();
  return opened;
}
const alertText = (tab: Page) => tab.locator('closer-chat .alert').textContent();

describe('after the chat has started', () => {
  it('continues in a new conversation when the one on screen was erased on the server', async () => {
    const { tab, problems } = await openChat();
    await sendAndWait(tab, 'First question');
    await stack.db.query('delete from public.conversations');
    const reply = await sendAndWait(tab, 'A question after the erase');
    expect(reply.length).toBeGreaterThan(10);
    expect(await tab.locator('closer-chat .alert').count()).toBe(0);
    expect(await userMessages(tab)).toEqual(['A question after the erase']);
    const rows = await stack.db.query<{ content: string }>(
      `select content from public.messages where role = 'user'`,
    );
    expect(rows.map((r) => r.content)).toEqual(['A question after the erase']);
    // And a reload shows the new one.
    await tab.reload();
    await tab.locator('closer-chat .bubble').click();
    await tab.locator('closer-chat .msg.user', { hasText: 'A question after the erase' }).waitFor();
    expect(problems.filter((p) => !/404|Not Found/i.test(p))).toEqual([]);
    await tab.context().close();
  });

  it('tells the visitor the assistant is unavailable, and the owner that the agent is paused', async () => {
    const { tab, consoleErrors } = await openChat();
    await sendAndWait(tab, 'Before the pause');
    await stack.db.query(`update public.agents set status = 'paused' where id = $1`, [stack.agentId]);
    try {
      await tab.locator('closer-chat #closer-input').fill('During the pause');
      await tab.locator('closer-chat #closer-input').press('Enter');
      await tab.locator('closer-chat .alert').waitFor();
      expect(await alertText(tab)).toMatch(/unavailable right now/);
      expect(consoleErrors.join('\n')).toMatch(
        /Closer: .*paused.*Fix: set the agent's status back to active/,
      );
      // Resumed: Try again sends the message that waited.
      await stack.db.query(`update public.agents set status = 'active' where id = $1`, [stack.agentId]);
      await tab.locator('closer-chat .alert button').click();
      await tab
        .locator('closer-chat .msg.user[data-status="complete"]', { hasText: 'During the pause' })
        .waitFor();
    } finally {
      await stack.db.query(`update public.agents set status = 'active' where id = $1`, [stack.agentId]);
    }
    await tab.context().close();
  });

  it.each([
    [500, /went wrong/],
    [502, /unavailable right now/],
    [503, /unavailable right now/],
  ])('keeps the message and offers Try again when the API answers %i', async (status, shown) => {
    const { tab } = await openChat();
    let failing = true;
    await tab.route('**/functions/v1/chat', (route) =>
      failing && route.request().method() === 'POST'
        ? route.fulfill({
            status,
            contentType: 'application/json',
            headers: { 'access-control-allow-origin': '*' },
            body: JSON.stringify({ error: { code: 'internal', message: 'boom', requestId: 'r1' } }),
          })
        : route.continue(),
    );
    await tab.locator('closer-chat #closer-input').fill('Will this arrive?');
    await tab.locator('closer-chat #closer-input').press('Enter');
    await tab.locator('closer-chat .alert').waitFor();
    expect(await alertText(tab)).toMatch(shown);
    expect(await tab.locator('closer-chat .msg.user[data-status="failed"]').count()).toBe(1);
    failing = false;
    await tab.locator('closer-chat .alert button').click();
    await tab
      .locator('closer-chat .msg.user[data-status="complete"]', { hasText: 'Will this arrive?' })
      .waitFor();
    await tab.context().close();
  });
});

describe('a configuration request that never answers', () => {
  it('still shows the bubble, tells the owner, and loads the configuration when the visitor opens the chat', async () => {
    const context = await stack.browser.newContext();
    const tab = await context.newPage();
    const warnings: string[] = [];
    tab.on('console', (m) => warnings.push(m.text()));
    let hang = true;
    await tab.route('**/functions/v1/chat/config*', (route) => (hang ? undefined : route.continue()));
    await tab.goto(`${stack.base}/test/plain`);
    await tab.locator('closer-chat .bubble').waitFor();
    expect(warnings.join('\n')).toMatch(/Closer: .*configuration.*(timed out|did not answer)/);
    hang = false;
    await tab.locator('closer-chat .bubble').click();
    const reply = await sendAndWait(tab, 'Hello after a slow start');
    expect(reply.length).toBeGreaterThan(10);
    await context.close();
  }, 40_000);
});

describe('a page in a sandboxed frame without allow-same-origin', () => {
  it('shows no bubble and tells the owner to allow the same origin, not to add "null" to allowedOrigins', async () => {
    const [before] = await stack.db.query<{ allowed_origins: string[] }>(
      'select allowed_origins from public.agents where id = $1',
      [stack.agentId],
    );
    await stack.db.query(`update public.agents set allowed_origins = $1 where id = $2`, [
      [stack.base],
      stack.agentId,
    ]);
    const { tab, consoleErrors } = await openPage(stack.browser, `${stack.base}/test/sandboxed`, {
      waitForBubble: false,
    });
    await expect.poll(() => consoleErrors.find((t) => t.startsWith('Closer:'))).toBeTruthy();
    const message = consoleErrors.find((t) => t.startsWith('Closer:'))!;
    expect(message).toMatch(/sandboxed frame/);
    expect(message).toMatch(/allow-same-origin/);
    expect(message).not.toMatch(/add "null"/);
    const frame = tab.frames().find((f) => f.url().endsWith('/test/plain'))!;
    expect(await frame.locator('closer-chat').count()).toBe(0);
    await tab.context().close();
    await stack.db.query(`update public.agents set allowed_origins = $1 where id = $2`, [
      before!.allowed_origins,
      stack.agentId,
    ]);
  });
});
