// Settings → Kommo CRM → "When a visitor asks for a person", in real Chromium against the real local stack: who gets
// the Kommo task without a lead and when it is due, chosen with the keyboard, refused when out of range, saved through
// the API and read back from it after a reload; in English and Russian, axe-clean (docs/kommo.md).
import { DEMO_ORG_ID } from '@closer/local/src/demoKeys.ts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { axeViolations, type ConsoleStack, openConsole, startConsoleStack } from './stack.ts';

let stack: ConsoleStack;
let page: Page;
let problems: string[];

const USERS = [
  { id: 504141, name: 'Olga Petrova', email: null },
  { id: 504142, name: 'Ivan Sidorov', email: 'ivan@acme.example' },
];

beforeAll(async () => {
  stack = await startConsoleStack();
  // A connected account whose users were read from Kommo (Kommo itself is never called).
  await stack.db.query(
    `insert into kommo_connections (org_id, subdomain, account_id, status, last_sync_at, users)
     values ($1, 'acme', 1, 'connected', now(), $2::jsonb)`,
    [DEMO_ORG_ID, JSON.stringify(USERS)],
  );
  ({ page, problems } = await openConsole(stack.browser, stack.consoleLink()));
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'Kommo CRM' }).click();
});
afterAll(async () => stack?.close());

const stored = async () => {
  const [row] = await stack.db.query<{ settings: Record<string, unknown> }>(
    'select settings from kommo_connections where org_id = $1',
    [DEMO_ORG_ID],
  );
  return row?.settings ?? {};
};

it('chooses who gets the task and when it is due, with the keyboard; refuses a due time out of range', async () => {
  const card = page.getByTestId('kommo-handoff-task');
  await card.getByRole('heading', { name: 'When a visitor asks for a person' }).waitFor();
  const user = card.getByLabel('Without a lead in Kommo, the task goes to');
  const due = card.getByLabel('Due after (minutes)');
  // The defaults: the responsible user above, due in 15 minutes.
  expect(await user.inputValue()).toBe('');
  expect(await due.inputValue()).toBe('15');

  await due.fill('0');
  await card.getByRole('button', { name: 'Save' }).click();
  await card.getByText('Enter a whole number of minutes from 1 to 1440.').waitFor();
  expect(await due.getAttribute('aria-invalid')).toBe('true');
  expect(await stored()).not.toHaveProperty('handoffTaskDueMinutes');

  // Keyboard only: the arrow keys choose a user, Tab moves on, Enter saves.
  await user.focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  expect(await user.inputValue()).toBe('504142');
  await page.keyboard.press('Tab');
  expect(await due.evaluate((input) => input === document.activeElement)).toBe(true);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('10');
  await page.keyboard.press('Enter');
  await page.getByText('Saved').first().waitFor();
  await expect.poll(stored).toMatchObject({ handoffTaskUserId: 504142, handoffTaskDueMinutes: 10 });
  expect(await due.getAttribute('aria-invalid')).toBeNull();
  expect(await axeViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});

it('reads the saved choice back from the API after a reload, and speaks Russian', async () => {
  await page.reload();
  await page.getByRole('tab', { name: 'Kommo CRM' }).click();
  const card = page.getByTestId('kommo-handoff-task');
  const user = card.getByLabel('Without a lead in Kommo, the task goes to');
  await user.waitFor();
  expect(await user.inputValue()).toBe('504142');
  expect(await card.getByLabel('Due after (minutes)').inputValue()).toBe('10');

  // Back to the default user: null in the API.
  await user.selectOption('');
  await card.getByRole('button', { name: 'Save' }).click();
  await expect.poll(stored).toMatchObject({ handoffTaskUserId: null, handoffTaskDueMinutes: 10 });

  await page.getByLabel('Language').selectOption('ru');
  await card.getByRole('heading', { name: 'Когда посетитель просит человека' }).waitFor();
  expect(await card.getByLabel('Срок (минут)').inputValue()).toBe('10');
  expect(await card.getByLabel('Без сделки в Kommo задача достаётся').inputValue()).toBe('');
  expect(await axeViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});
