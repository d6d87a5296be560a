// Booking a meeting in the widget, in Chromium, against the real local stack (offline responder) and a stand-in
// Cal.com on 127.0.0.1: the visitor asks for a call in words, sees three times in the browser's own time zone as
// buttons (a named group, announced), picks one with the keyboard, is asked for an email and sees the confirmation
// with the reschedule link.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from '../../../../supabase/tests/helpers/fakeCalcom.ts';
import { openInContext, type Stack, sendAndWait, sitePage, startStack } from './stack.ts';

const ENCRYPTION_KEY = btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => i * 3 + 5)));

let stack: Stack;
const calcom = new FakeCalcom();

beforeAll(async () => {
  await calcom.start();
  stack = await startStack({
    env: { CLOSER_ENCRYPTION_KEY: ENCRYPTION_KEY, ALLOW_PRIVATE_BOOKING: 'true' },
    routes: (app, s) => app.get('/test/booking', (c) => c.html(sitePage(s().tag()))),
  });
  const connected = await fetch(`${stack.base}/functions/v1/booking/connection`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${stack.demo.secretKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      provider: 'calcom',
      apiKey: CALCOM_KEY,
      eventTypeId: EVENT_TYPE.id,
      apiUrl: calcom.url,
      bookerUrl: 'https://cal.example',
    }),
  });
  expect(connected.status).toBe(200);
});
afterAll(async () => {
  await stack?.close();
  await calcom.stop();
});

it('offers times as buttons in the visitor zone, books the one picked and confirms it', async () => {
  const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const starts = calcom.offer(`${day}T14:00:00.000Z`, 4);
  const context = await stack.browser.newContext({ timezoneId: 'America/New_York' });
  const { tab, problems } = await openInContext(context, `${stack.base}/test/booking`);
  await tab.locator('closer-chat .bubble').click();
  await tab.locator('closer-chat #closer-input').waitFor();

  const offer = await sendAndWait(tab, 'Can I book a demo call with your team?');
  expect(offer).toContain('America/New_York');
  const group = tab.getByRole('group', { name: 'Suggested replies' });
  const buttons = group.getByRole('button');
  await expect.poll(() => buttons.count()).toBe(4);
  // 14:00 UTC is 09:00 in New York in December.
  expect(await buttons.first().textContent()).toContain('09:00');
  expect(await buttons.nth(3).textContent()).toBe('Another day');
  await expect
    .poll(() => tab.locator('closer-chat [aria-live="polite"]').last().textContent())
    .toContain('Suggested replies:');

  // Keyboard: focus the second time and press Enter.
  await buttons.nth(1).focus();
  await tab.keyboard.press('Enter');
  const asked = tab.locator('closer-chat .msg.assistant[data-status="complete"]', { hasText: 'email' });
  await asked.waitFor();
  expect(calcom.bookings).toHaveLength(0);

  const confirmation = await sendAndWait(tab, 'ann@buyer.example');
  expect(confirmation).toContain('Booked');
  expect(calcom.bookings).toHaveLength(1);
  const booking = calcom.bookings[0]!;
  expect(booking.start).toBe(starts[1]);
  expect(booking.attendee).toMatchObject({ email: 'ann@buyer.example', timeZone: 'America/New_York' });
  expect(confirmation).toContain(`https://cal.example/reschedule/${booking.uid}`);
  expect(confirmation).toContain('10:00');
  expect(problems).toEqual([]);
  await context.close();
});
