// The Playground in Chromium against the local stack: the agent's real widget inline, a message its knowledge
// answers, the reply, and "why this answer" with the passage and its score; the conversation is a real one;
// axe in light and dark; screenshots at 768 and 1280 px for docs/console.md.
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PagesStack, startPagesStack } from './pagesStack.ts';
import { axeViolations, screenshotDir } from './stack.ts';

const shots = screenshotDir;
let stack: PagesStack;

beforeAll(async () => {
  stack = await startPagesStack();
  await mkdir(shots, { recursive: true });
}, 120_000);
afterAll(async () => stack?.close());

const englishAgent = () => stack.demo.agents.find((a) => a.language === 'en')!;

async function visit(options: { theme?: 'light' | 'dark'; width?: number } = {}) {
  const { page, problems } = await stack.open('/playground', options);
  await page.getByLabel('Agent').selectOption(englishAgent().id);
  const done = async () => {
    expect(problems).toEqual([]);
    await page.context().close();
  };
  return { tab: page, done };
}

/** Types `text` into the inline widget, sends it with Enter and waits for one more finished reply; its text. */
async function ask(tab: Page, text: string): Promise<string> {
  const replies = tab.locator(
    '.playground-widget .msg.assistant[data-status="complete"]:not([data-greeting])',
  );
  const before = await replies.count();
  const input = tab.locator('.playground-widget #closer-input');
  await input.fill(text);
  await input.press('Enter');
  await tab.locator('.playground-widget .msg.user', { hasText: text }).waitFor();
  await expect.poll(() => replies.count(), { timeout: 30_000 }).toBe(before + 1);
  return (await replies.last().textContent()) ?? '';
}

describe('Playground', () => {
  it('chats with the demo agent inline and explains the reply with scored passages', async () => {
    const { tab, done } = await visit();
    const agent = englishAgent();
    const why = tab.getByRole('region', { name: 'Why this answer' });
    await expect.poll(() => why.textContent()).toContain('Send a message');

    const reply = await ask(tab, 'Do you offer financing with a solar loan?');
    expect(reply.trim().length).toBeGreaterThan(0);

    const explanation = why.getByRole('article', { name: 'For “Do you offer financing with a solar loan?”' });
    const passages = explanation.getByRole('listitem').filter({ hasText: 'Financing options' });
    await passages.first().waitFor();
    const first = await passages.first().textContent();
    expect(first).toContain('5.99% APR');
    const scoreText = /Score:?\s*(\d+\.\d{3})/.exec(first ?? '')?.[1];
    expect(Number(scoreText)).toBeGreaterThan(0);
    expect(await explanation.textContent()).toContain('Script stage');

    // A real conversation of the agent: the API lists it with the visitor's words.
    const { createClient } = await import('@closer/sdk');
    const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
    const found: string[] = [];
    for await (const c of closer.conversations.list({ agentId: agent.id, limit: 50 })) found.push(c.id);
    const transcripts = await Promise.all(found.map((id) => closer.conversations.retrieve(id)));
    expect(
      transcripts.some((c) =>
        c.messages.some((m) => m.content === 'Do you offer financing with a solar loan?'),
      ),
    ).toBe(true);
    await done();
  });

  it('says why there is no chat when the console’s origin is not allowed', async () => {
    const { createClient } = await import('@closer/sdk');
    const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
    const other = stack.demo.agents.find((a) => a.language === 'ru')!;
    await closer.agents.update(other.id, { allowedOrigins: ['https://shop.example.com'] });
    try {
      const { tab, done } = await visit();
      await tab.getByLabel('Agent').selectOption(other.id);
      const chat = tab.getByRole('region', { name: 'Chat' });
      await expect.poll(() => chat.textContent()).toContain(`cannot chat from ${stack.base}`);
      expect(await tab.locator('.playground-widget closer-chat').count()).toBe(0);
      await done();
    } finally {
      await closer.agents.update(other.id, { allowedOrigins: ['*'] });
    }
  });

  it.each(['light', 'dark'] as const)(
    'has no axe violations in %s, with an answer explained',
    async (theme) => {
      const { tab, done } = await visit({ theme });
      await ask(tab, 'How long does installation take?');
      await tab
        .getByRole('region', { name: 'Why this answer' })
        .getByText('Installation timeline')
        .first()
        .waitFor();
      await expect.poll(() => tab.locator('.state-loading').count()).toBe(0);
      expect(await axeViolations(tab)).toEqual([]);
      await done();
    },
  );

  it.each([768, 1280])('is drawn at %i px for the docs', async (width) => {
    const { tab, done } = await visit({ width });
    await ask(tab, 'How much could I save a year?');
    await tab.getByRole('region', { name: 'Why this answer' }).getByText('Savings').first().waitFor();
    await expect.poll(() => tab.locator('.state-loading').count()).toBe(0);
    await tab.screenshot({ path: `${shots}playground-${width}.png`, fullPage: true });
    await done();
  });
});
