// A visitor asks for a person in the widget and an operator answers through the API: the answer, under the
// operator's name, and their typing reach the open panel live, and are still there after a reload, when the
// channel opens again (docs/handoff.md). Real Chromium, the real local stack, the offline responder.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPage, type Stack, sendAndWait, sitePage, startStack } from './stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    routes: (app, s) => app.get('/test/plain', (c) => c.html(sitePage(s().tag()))),
  });
  await stack.db.query(`update agents set handoff = '{"enabled": true}' where id = $1`, [stack.agentId]);
});
afterAll(async () => stack?.close());

/** An operator's call with the demo organisation's secret key, as backend code makes it. */
async function operator(path: string, body: unknown) {
  const response = await fetch(`${stack.base}/functions/v1/conversations${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.demo.secretKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
}

it('shows an operator answering a visitor who asked for a person, live and across a reload', async () => {
  const { tab, problems } = await openPage(stack.browser, `${stack.base}/test/plain`);
  await tab.locator('closer-chat .bubble').click();
  const asked = await sendAndWait(tab, 'Can I talk to a human?');
  expect(asked).toMatch(/colleague to join/);
  const [conversation] = await stack.db.query<{ id: string; status: string }>(
    'select id, status from conversations order by created_at desc limit 1',
  );
  expect(conversation?.status).toBe('handoff_requested');

  await operator(`/${conversation!.id}/typing`, { typing: true, displayName: 'Olga' });
  await tab.locator('closer-chat .typing').waitFor();
  await operator(`/${conversation!.id}/messages`, {
    content: 'Hi, Olga here. Which roof do you have?',
    displayName: 'Olga',
  });
  const answer = tab.locator('closer-chat .msg', { hasText: 'Which roof do you have?' });
  await answer.waitFor();
  expect(await answer.locator('.who').textContent()).toBe('Olga');
  await tab.locator('closer-chat .typing').waitFor({ state: 'detached' });

  // The visitor's next message waits for Olga: no reply from the agent.
  await tab.locator('closer-chat #closer-input').fill('A flat one');
  await tab.locator('closer-chat #closer-input').press('Enter');
  // Stored (the server's start event) before the reload, which would otherwise cut the request off.
  await tab.locator('closer-chat .msg.user[data-status="complete"]', { hasText: 'A flat one' }).waitFor();

  await tab.reload();
  await tab.locator('closer-chat .bubble').click();
  const again = tab.locator('closer-chat .msg', { hasText: 'Which roof do you have?' });
  await again.waitFor();
  expect(await again.locator('.who').textContent()).toBe('Olga');
  await operator(`/${conversation!.id}/messages`, { content: 'Flat roofs are fine.', displayName: 'Olga' });
  await tab.locator('closer-chat .msg', { hasText: 'Flat roofs are fine.' }).waitFor();
  // Each message once, though the channel replayed its events after the reload.
  expect(await tab.locator('closer-chat .msg', { hasText: 'Which roof do you have?' }).count()).toBe(1);
  expect(await tab.locator('closer-chat .msg.assistant:not([data-greeting])').allTextContents()).toEqual([
    expect.stringMatching(/colleague to join/),
    expect.stringContaining('Which roof do you have?'),
    expect.stringContaining('Flat roofs are fine.'),
  ]);

  // Closed, the panel still follows a conversation a person holds: the bubble counts what arrives.
  await tab.locator('closer-chat .bubble').click();
  await operator(`/${conversation!.id}/messages`, { content: 'Are you still there?', displayName: 'Olga' });
  await tab.locator('closer-chat .bubble .badge', { hasText: '1' }).waitFor();
  expect(problems).toEqual([]);
});
