// Nobody picks up a visitor's request for a person in time: the server's message (with "Leave my number") reaches
// the open panel live through the channel, and the quick reply opens the lead form (docs/handoff.md#nobody-picks-up).
// Real Chromium, the real local stack, the offline responder; the worker step run as pg_cron would run it.
import { runPickupTimeouts } from '@closer/functions/_shared/handoff/pickup.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPage, type Stack, sendAndWait, sitePage, startStack } from './stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    routes: (app, s) => app.get('/test/plain', (c) => c.html(sitePage(s().tag()))),
  });
  await stack.db.query(
    `update agents set handoff = '{"enabled": true, "pickupTimeoutSeconds": 60, "whenUnanswered": "resume"}'
     where id = $1`,
    [stack.agentId],
  );
});
afterAll(async () => stack?.close());

it('shows the visitor that nobody picked up, live, with the lead form one tap away', async () => {
  const { tab, problems } = await openPage(stack.browser, `${stack.base}/test/plain`);
  await tab.locator('closer-chat .bubble').click();
  expect(await sendAndWait(tab, 'Can I talk to a human?')).toMatch(/colleague to join/);
  const [conversation] = await stack.db.query<{ id: string }>(
    `update conversations set handoff_requested_at = now() - interval '2 minutes'
     where status = 'handoff_requested' returning id`,
  );
  expect(conversation).toBeDefined();

  expect(await runPickupTimeouts({ db: stack.db })).toEqual({ told: 1, resumed: 1 });
  const told = tab.locator('closer-chat .msg.assistant', { hasText: 'nobody from the team has been able' });
  await told.waitFor();
  const leave = tab.locator('closer-chat .suggestions button', { hasText: 'Leave my number' });
  await leave.click();
  await tab.locator('closer-chat form.lead').waitFor();

  // The agent answers again.
  expect(await sendAndWait(tab, 'What does it cost?')).not.toMatch(/colleague/);
  expect(problems).toEqual([]);
});
