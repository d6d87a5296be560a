// The console's side of a handoff in Chromium against the local stack: a visitor who asked for a person is in
// the list as waiting, with since when; the operator takes it over, replies, and hands it back (docs/handoff.md).
import { createClient } from '@closer/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PagesStack, startPagesStack } from './pagesStack.ts';

let stack: PagesStack;
let conversationId = '';

beforeAll(async () => {
  stack = await startPagesStack();
  const agent = stack.demo.agents.find((a) => a.language === 'en')!;
  await stack.db.query(`update agents set handoff = '{"enabled": true}' where id = $1`, [agent.id]);
  const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
  const first = await closer.chat.send({
    agentId: agent.id,
    message: 'Can I talk to a human?',
    visitor: { name: 'Rosa Díaz' },
  });
  conversationId = first.conversationId;
}, 120_000);
afterAll(async () => stack?.close());

it('lists a visitor waiting for a person, and lets an operator take over, reply and hand back', async () => {
  const { page, problems } = await stack.open('/conversations');
  await page.getByLabel('Status').selectOption('handoff_requested');
  await page.getByRole('button', { name: 'Apply' }).click();
  const row = page.getByRole('row', { name: /Rosa Díaz/ });
  await row.getByText('Waiting for a person').waitFor();
  await row.getByRole('link').click();

  await page.getByRole('heading', { name: 'Answer as a person' }).waitFor();
  await page.getByText(/Waiting for a person since/).waitFor();
  await page.getByRole('button', { name: 'Take over' }).click();
  await page.getByText(/is answering; the agent is silent/).waitFor();
  await page.getByLabel('Your reply to the visitor').fill('Hi Rosa, Olga from the team here.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('log').getByText('Hi Rosa, Olga from the team here.').waitFor();

  const [stored] = await stack.db.query<{ role: string; author_kind: string; author_id: string }>(
    `select role, author_kind, author_id::text from messages where conversation_id = $1 and role = 'operator'`,
    [conversationId],
  );
  const [owner] = await stack.db.query<{ user_id: string }>(
    `select user_id::text from organization_members where role = 'owner' limit 1`,
  );
  expect(stored).toEqual({ role: 'operator', author_kind: 'member', author_id: owner!.user_id });

  await page.getByRole('button', { name: 'Hand back to the agent' }).click();
  await page.getByRole('button', { name: 'Take over' }).waitFor();
  const [now] = await stack.db.query<{ status: string }>('select status from conversations where id = $1', [
    conversationId,
  ]);
  expect(now?.status).toBe('active');
  expect(problems).toEqual([]);
  await page.context().close();
});
