// Settings → Meeting booking in real Chromium against the local stack and a stand-in Cal.com: a key Cal.com
// refuses is shown on its field, a good one connects (the key never shown again, the event types listed), and
// disconnecting asks first.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from '../../../../supabase/tests/helpers/fakeCalcom.ts';
import { type ConsoleStack, openConsole, startConsoleStack } from './stack.ts';

let stack: ConsoleStack;
let page: Page;
let problems: string[];
const calcom = new FakeCalcom();

beforeAll(async () => {
  await calcom.start();
  stack = await startConsoleStack();
  ({ page, problems } = await openConsole(stack.browser, stack.consoleLink()));
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
});
afterAll(async () => {
  await stack?.close();
  await calcom.stop();
});

it('connects Cal.com with a key it accepts, lists the event types, and disconnects', async () => {
  await page.getByRole('tab', { name: 'Meeting booking' }).click();
  await page.getByText('Not connected.').waitFor();
  await page.getByLabel('Cal.com API key').fill('cal_live_refused_by_calcom');
  await page.getByLabel('Event type id').fill(String(EVENT_TYPE.id));
  await page.getByLabel('API address (self-hosted Cal.com only)').fill(calcom.url);
  await page.getByRole('button', { name: 'Connect Cal.com' }).click();
  await expect.poll(() => page.getByLabel('Cal.com API key').getAttribute('aria-invalid')).toBe('true');

  await page.getByLabel('Cal.com API key').fill(CALCOM_KEY);
  await page.getByRole('button', { name: 'Connect Cal.com' }).click();
  await page
    .getByText(`Connected: event type ${EVENT_TYPE.title} (30 min), key …${CALCOM_KEY.slice(-4)}`)
    .waitFor();
  await page.getByText('60 Min Workshop').waitFor();
  expect(await page.locator('body').textContent()).not.toContain(CALCOM_KEY);
  expect(await page.getByLabel('Cal.com API key').inputValue()).toBe('');
  const [row] = await stack.db.query<{ event_type_id: string }>(
    'select event_type_id from booking_connections',
  );
  expect(Number(row?.event_type_id)).toBe(EVENT_TYPE.id);

  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
  await page.getByText('Not connected.').waitFor();
  expect(await stack.db.query('select 1 from booking_connections')).toEqual([]);
  expect(problems.filter((p) => !p.includes('422') && !p.includes('404'))).toEqual([]);
});
