// The conversations pages follow the live channels in Chromium against the local stack (docs/console.md): a new
// visitor waiting for a person appears in the list without a reload, its waiting time ticking, the tab's title
// counting it and a chime playing (turned on); on the transcript the visitor's new message and the operator typing appear without a reload or
// polling, and leaving the page closes its channel (docs/handoff.md).
import { liveConversations } from '@closer/functions/_shared/handoff/live.ts';
import { type CloserClient, createClient } from '@closer/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PagesStack, startPagesStack } from './pagesStack.ts';
import { axeViolations, screenshotDir } from './stack.ts';

let stack: PagesStack;
let closer: CloserClient;
let agentId = '';

beforeAll(async () => {
  stack = await startPagesStack();
  agentId = stack.demo.agents.find((a) => a.language === 'en')!.id;
  await stack.db.query(`update agents set handoff = '{"enabled": true}' where id = $1`, [agentId]);
  closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
}, 120_000);
afterAll(async () => stack?.close());

it('shows a new waiting visitor, their message and the operator typing live, and closes the channel on leaving', async () => {
  const { page, problems } = await stack.open('/conversations');
  // Tones the page starts (the chime), counted.
  await page.evaluate(() => {
    const started = AudioScheduledSourceNode.prototype.start;
    Object.assign(window, { tones: 0 });
    AudioScheduledSourceNode.prototype.start = function (...args) {
      (window as unknown as { tones: number }).tones++;
      return started.apply(this, args);
    };
  });
  const tones = () => page.evaluate(() => (window as unknown as { tones: number }).tones);
  const queue = page.getByRole('region', { name: /Waiting for a person/ });
  await queue.getByText(/Nobody is waiting/).waitFor();
  await queue.getByLabel('Play a sound when a visitor starts waiting').check();
  // Everything after this is live: no request of the page reads the conversation again unless an event says so.
  const reads: string[] = [];
  page.on('request', (request) => {
    if (/\/functions\/v1\/conversations\/[0-9a-f-]{36}$/.test(request.url())) reads.push(request.url());
  });

  const asked = await closer.chat.send({
    agentId,
    message: 'Can I talk to a human?',
    visitor: { name: 'Marta Kowalska' },
  });
  const link = queue.getByRole('link', { name: 'Marta Kowalska' });
  await link.waitFor();
  const waited = queue.getByTestId('waiting-time');
  const first = await waited.textContent();
  await expect.poll(() => waited.textContent()).not.toBe(first);
  await expect.poll(() => page.title()).toMatch(/^\(1\) /);
  expect(await tones()).toBe(2);
  expect(await axeViolations(page)).toEqual([]);

  const readsBefore = reads.length;
  await link.click();
  await page.getByRole('heading', { name: 'Answer as a person' }).waitFor();
  await page.getByText(/Live: messages, typing and changes appear as they happen/).waitFor();
  await expect.poll(() => liveConversations(stack.db).size).toBe(1);

  // The visitor writes again (waiting for a person: the agent is silent), and an operator elsewhere types.
  const visitor = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
  await visitor.chat.send({ agentId, conversationId: asked.conversationId, message: 'Is anyone there?' });
  await page.getByRole('log').getByText('Is anyone there?').waitFor();
  await closer.conversations.typing(asked.conversationId, { typing: true, displayName: 'Olga' });
  await page.getByTestId('typing').getByText('Olga is typing…').waitFor();
  // The page's own read, and one for the one new stored event (the visitor's message): the channel's replay of
  // what the page shows costs nothing, and nothing is polled.
  expect(reads.length - readsBefore).toBe(2);
  expect(await axeViolations(page)).toEqual([]);

  // Leaving the transcript closes its channel; the list opens the organisation's instead.
  await page.getByRole('link', { name: 'All conversations' }).click();
  await queue.getByRole('link', { name: 'Marta Kowalska' }).waitFor();
  await expect.poll(() => liveConversations(stack.db).size).toBe(1);
  await closer.conversations.claim(asked.conversationId, { displayName: 'Olga' });
  await queue.getByText(/Nobody is waiting/).waitFor();
  await expect.poll(() => page.title()).not.toMatch(/^\(\d+\) /);
  await page.getByRole('link', { name: 'Agents' }).first().click();
  await expect.poll(() => liveConversations(stack.db).size).toBe(0);
  expect(problems).toEqual([]);
  await page.context().close();
});

it.each([768, 1280])('draws the waiting list at %i px for the docs', async (width) => {
  if (width === 768)
    await closer.chat.send({
      agentId,
      message: 'I want to speak to a person',
      visitor: { name: 'Lena Vogel' },
    });
  const { page } = await stack.open('/conversations', { width });
  await page
    .getByRole('region', { name: /Waiting for a person/ })
    .getByRole('link', { name: 'Lena Vogel' })
    .waitFor();
  await page.screenshot({ path: `${screenshotDir}conversations-waiting-${width}.png` });
  await page.context().close();
});
