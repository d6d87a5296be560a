// Qualification in Chromium against the local stack: a plan saved through the SDK, a visitor qualified by the
// offline responder through the SDK's chat, the lead's page showing score, band, answers and history, and the
// plan editor on the agent page changing a threshold (axe-clean).
import { createClient } from '@closer/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PagesStack, startPagesStack } from './pagesStack.ts';
import { axeViolations } from './stack.ts';

let stack: PagesStack;
let conversationId = '';
let agentId = '';

beforeAll(async () => {
  stack = await startPagesStack();
  const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
  agentId = stack.demo.agents.find((a) => a.language === 'en')!.id;
  await closer.agents.qualification.update(agentId, {
    enabled: true,
    criteria: [
      {
        key: 'budget',
        preset: 'budget',
        question: 'What budget do you have in mind?',
        type: 'number',
        minimum: 10000,
        weight: 2,
      },
      {
        key: 'authority',
        preset: 'authority',
        question: 'Do you decide on the purchase?',
        type: 'yes_no',
        weight: 1,
      },
    ],
  });
  const first = await closer.chat.send({ agentId, message: 'Do you install panels in Tucson?' });
  conversationId = first.conversationId;
  expect(first.text).toContain('What budget do you have in mind?');
  const relay = { agentId, conversationId };
  const second = await closer.chat.send({ ...relay, message: 'Around 12k dollars' });
  expect(second.text).toContain('Do you decide on the purchase?');
  await closer.chat.send({ ...relay, message: 'Yes' });
  const lead = await closer.chat.submitLead({
    ...relay,
    fields: { name: 'Hana Ito', phone: '+1 520 555 0199' },
  });
  expect(lead.qualification).toMatchObject({ score: 100, band: 'hot' });
  const history = await closer.leads.qualification(lead.id);
  expect(history.history.map((h) => h.score)).toEqual([100, 67]);
}, 120_000);
afterAll(async () => stack?.close());

describe('Qualification', () => {
  it("shows the lead's score, band, answers, reason and history on its conversation", async () => {
    const { page, problems } = await stack.open(`/conversations/${conversationId}`);
    const lead = page.getByRole('region', { name: 'Lead' });
    await expect.poll(() => lead.textContent()).toContain('Hot · 100/100');
    expect(await lead.textContent()).toContain('budget: 12000 (minimum 10000) → +67');
    // The history is a request of its own, answered after the lead (it may still read "Loading…").
    await expect.poll(() => lead.textContent()).toContain('answer to the agent’s question');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('edits the plan on the agent page: a threshold saved is what the API then answers', async () => {
    const { page, problems } = await stack.open(`/agents/${agentId}`);
    await page.getByRole('tab', { name: 'Qualification' }).click();
    const form = page.getByRole('form', { name: 'Qualification' });
    await expect
      .poll(() => form.getByLabel('Question').first().inputValue())
      .toBe('What budget do you have in mind?');
    await form.getByLabel('Hot from score').fill('90');
    await form.getByRole('button', { name: 'Add timeline' }).click();
    await form.getByRole('button', { name: 'Save' }).click();
    const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
    await expect
      .poll(async () => (await closer.agents.qualification.retrieve(agentId)).thresholds.hot)
      .toBe(90);
    const plan = await closer.agents.qualification.retrieve(agentId);
    expect(plan.criteria.map((c) => c.key)).toEqual(['budget', 'authority', 'timeline']);
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows the server’s refusal beside the field: warm must be below hot', async () => {
    const { page, problems } = await stack.open(`/agents/${agentId}`);
    await page.getByRole('tab', { name: 'Qualification' }).click();
    const form = page.getByRole('form', { name: 'Qualification' });
    await form.getByLabel('Warm from score').fill('95');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => form.textContent()).toContain('must be below hot');
    expect(problems.filter((p) => !p.includes('422'))).toEqual([]);
    await page.context().close();
  });
});
