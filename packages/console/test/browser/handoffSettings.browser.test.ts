// The agent editor's Handoff tab in Chromium against the local stack (docs/console.md): an owner turns handoff on,
// sets business hours (a zone, two ranges on a day, a weekend day, a holiday), the pickup timeout and what happens
// unanswered, from the keyboard where it matters; a refused range is shown beside it; the hours are stored (read
// back through the API); the tab is axe-clean in both themes.
import { createClient } from '@closer/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PagesStack, startPagesStack } from './pagesStack.ts';
import { axeViolations, screenshotDir } from './stack.ts';

let stack: PagesStack;
let agentId = '';

beforeAll(async () => {
  stack = await startPagesStack();
  agentId = stack.demo.agents.find((a) => a.language === 'en')!.id;
}, 120_000);
afterAll(async () => stack?.close());

it('stores business hours, the pickup timeout, what happens unanswered and the hand-over rules', async () => {
  const { page, problems } = await stack.open(`/agents/${agentId}`);
  await page.getByRole('tab', { name: 'Handoff' }).click();
  await page.getByLabel('The agent may hand a conversation to a person').check();
  await page.getByLabel('Only during business hours').check();
  await page.getByLabel('Time zone').selectOption('Europe/Berlin');

  // Monday: 09:00–13:00 and 14:00–18:00 (the second range added from the keyboard).
  const monday = page.getByRole('group', { name: 'Monday, hours 1' });
  await monday.getByLabel('To').fill('13:00');
  await page.getByRole('button', { name: 'Add hours on Monday' }).focus();
  await page.keyboard.press('Enter');
  const second = page.getByRole('group', { name: 'Monday, hours 2' });
  await second.getByLabel('From').fill('14:00');
  await second.getByLabel('To').fill('18:00');
  // Friday closed, Saturday 10:00 to midnight.
  await page.getByRole('button', { name: 'Remove: Friday, hours 1' }).click();
  await page.getByRole('button', { name: 'Add hours on Saturday' }).click();
  const saturday = page.getByRole('group', { name: 'Saturday, hours 1' });
  await saturday.getByLabel('From').fill('10:00');
  await saturday.getByLabel('To').fill('00:00');
  await page.getByRole('button', { name: 'Add a holiday' }).click();
  await page.getByLabel('Holiday 1', { exact: true }).fill('2026-12-24');
  await page.getByLabel('Wait for a person at most').fill('3');
  await page.getByLabel('The agent stays silent; the conversation waits for a person').check();
  await page.getByLabel('When a visitor leaves their contact details').check();
  await page.getByLabel('After this many replies in a row without knowledge').fill('3');

  // Tuesday reversed: refused beside its range, nothing saved, nothing typed lost.
  const tuesday = page.getByRole('group', { name: 'Tuesday, hours 1' });
  await tuesday.getByLabel('From').fill('19:00');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await tuesday.getByText(/must be a range/).waitFor();
  expect(await page.getByRole('tab', { name: /Handoff/ }).textContent()).toContain('1 to fix');
  expect(await tuesday.getByLabel('From').getAttribute('aria-invalid')).toBe('true');
  expect(await axeViolations(page)).toEqual([]);
  await tuesday.getByLabel('From').fill('09:00');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved').first().waitFor();

  const closer = createClient({ url: `${stack.base}/functions/v1`, secretKey: stack.demo.secretKey! });
  const stored = await closer.agents.retrieve(agentId);
  expect(stored.handoff).toEqual({
    enabled: true,
    hours: {
      timeZone: 'Europe/Berlin',
      weekly: {
        mon: ['09:00-13:00', '14:00-18:00'],
        tue: ['09:00-18:00'],
        wed: ['09:00-18:00'],
        thu: ['09:00-18:00'],
        sat: ['10:00-24:00'],
      },
      holidays: ['2026-12-24'],
    },
    pickupTimeoutSeconds: 180,
    whenUnanswered: 'silent',
    afterLeadCaptured: true,
    afterUnansweredReplies: 3,
  });

  // Read back after a reload, in the dark theme: as stored, axe-clean.
  await page.context().close();
  const dark = await stack.open(`/agents/${agentId}`, { theme: 'dark' });
  await dark.page.getByRole('tab', { name: 'Handoff' }).click();
  expect(await dark.page.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');
  expect(
    await dark.page.getByRole('group', { name: 'Saturday, hours 1' }).getByLabel('To').inputValue(),
  ).toBe('00:00');
  expect(await dark.page.getByLabel('Wait for a person at most').inputValue()).toBe('3');
  expect(await dark.page.getByLabel('When a visitor leaves their contact details').isChecked()).toBe(true);
  expect(await dark.page.getByLabel('After this many replies in a row without knowledge').inputValue()).toBe(
    '3',
  );
  expect(await axeViolations(dark.page)).toEqual([]);
  expect([...problems, ...dark.problems]).toEqual([]);
  await dark.page.context().close();
});

it.each([768, 1280])('draws the Handoff tab at %i px for the docs', async (width) => {
  const { page } = await stack.open(`/agents/${agentId}`, { width });
  await page.getByRole('tab', { name: 'Handoff' }).click();
  await page.getByLabel('Time zone').waitFor();
  await page.screenshot({ path: `${screenshotDir}agent-handoff-${width}.png`, fullPage: true });
  await page.context().close();
});
