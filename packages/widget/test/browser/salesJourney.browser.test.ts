// The whole sales journey in the widget, in Chromium, against the real local stack (offline responder), a stand-in
// Cal.com on 127.0.0.1 and the stand-in Kommo (msw, in this process, where the stack's functions run): the visitor
// answers the qualification questions one by one, asks for a call, presses a time, types an email and is booked;
// the lead is hot with its meeting, and the outbox puts it in Kommo's hot stage with the hot task, the meeting
// note and the Meeting task, each once.
import type { Lead } from '@closer/contract';
import { QUALIFICATION_PRESETS } from '@closer/contract';
import { leadMarker, runKommoJobs } from '@closer/functions/_shared/kommo/leadSync.ts';
import { KOMMO_MEETING_TASK_TYPE, meetingMarker } from '@closer/functions/_shared/kommo/meetingSync.ts';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from '../../../../supabase/tests/helpers/fakeCalcom.ts';
import { FakeKommo, KOMMO_ENV } from '../../../../supabase/tests/helpers/fakeKommo.ts';
import { openInContext, type Stack, sendAndWait as sendAndWaitFor, sitePage, startStack } from './stack.ts';

const sendAndWait = (tab: Page, text: string) => sendAndWaitFor(tab, text, { timeout: 60_000 });

const HOT_STAGE = 32392159;
const PIPELINE = 3177727;
const ENV = { ...KOMMO_ENV, KOMMO_CONFIRM_WINDOW_MS: '0', ALLOW_PRIVATE_BOOKING: 'true' };
const ZONE = 'Europe/Madrid';

let stack: Stack;
const calcom = new FakeCalcom();
const kommo = new FakeKommo();
// The stack's own address and Cal.com's are on this machine and reached for real; Kommo is the stand-in.
const msw = setupServer(
  ...kommo.handlers,
  http.all(/^http:\/\/127\.0\.0\.1[:/]/, () => passthrough()),
);

/** An admin call to the stack over HTTP with the organisation's secret key. */
async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.base}/functions/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.demo.secretKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const replies = (tab: Page) =>
  tab.locator('closer-chat .msg.assistant[data-status="complete"]:not([data-greeting])');

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  await calcom.start();
  stack = await startStack({
    env: ENV,
    routes: (app, s) => app.get('/test/journey', (c) => c.html(sitePage(s().tag()))),
  });
  // Kommo through its real OAuth flow (start, then Kommo's redirect back), then the stage leads start in.
  const started = (await (await admin('POST', '/kommo/oauth/start', {})).json()) as { url: string };
  const state = new URL(started.url).searchParams.get('state')!;
  const callback = await fetch(
    `${stack.base}/functions/v1/kommo/oauth/callback?${new URLSearchParams({ code: 'good-code', state, referer: 'acme.kommo.com' })}`,
  );
  expect(callback.status).toBeLessThan(400);
  expect((await admin('POST', '/kommo/sync')).status).toBeLessThan(300);
  expect(
    (await admin('POST', '/kommo', { pipelineId: PIPELINE, statusId: 32392156, responsibleUserId: 504141 }))
      .status,
  ).toBeLessThan(300);
  const plan = await admin('PUT', `/agents/${stack.agentId}/qualification`, {
    enabled: true,
    criteria: [
      { ...QUALIFICATION_PRESETS.budget, minimum: 5000, weight: 3 },
      { ...QUALIFICATION_PRESETS.authority, weight: 2 },
      { ...QUALIFICATION_PRESETS.timeline, weight: 2 },
    ],
    thresholds: { hot: 70, warm: 40 },
    kommo: { hotPipelineId: PIPELINE, hotStatusId: HOT_STAGE, hotTaskText: 'Call the hot lead today' },
  });
  expect(plan.status).toBe(200);
  const connected = await admin('PUT', '/booking/connection', {
    provider: 'calcom',
    apiKey: CALCOM_KEY,
    eventTypeId: EVENT_TYPE.id,
    apiUrl: calcom.url,
    bookerUrl: 'https://cal.example',
  });
  expect(connected.status).toBe(200);
}, 180_000);
afterAll(async () => {
  await stack?.close();
  await calcom.stop();
  msw.close();
});

it('qualifies, books the pressed time, and the lead reaches Kommo hot with its meeting', async () => {
  const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const starts = calcom.offer(`${day}T10:00:00.000Z`, 4);
  const context = await stack.browser.newContext({ timezoneId: ZONE });
  const { tab, problems } = await openInContext(context, `${stack.base}/test/journey`);
  await tab.locator('closer-chat .bubble').click();
  await tab.locator('closer-chat #closer-input').waitFor();

  expect(await sendAndWait(tab, 'Do you install solar panels on flat roofs?')).toContain(
    QUALIFICATION_PRESETS.budget.question,
  );
  expect(await sendAndWait(tab, 'About 8,000 dollars')).toContain(QUALIFICATION_PRESETS.authority.question);
  expect(await sendAndWait(tab, 'Yes, I decide')).toContain(QUALIFICATION_PRESETS.timeline.question);
  expect(await sendAndWait(tab, 'This month')).toContain('Thank you, noted.');

  const offer = await sendAndWait(tab, 'Can we book a call?');
  expect(offer).toContain(ZONE);
  const buttons = tab.getByRole('group', { name: 'Suggested replies' }).getByRole('button');
  await expect.poll(() => buttons.count(), { timeout: 30_000 }).toBe(4);
  // 11:00 UTC is 12:00 in Madrid in December.
  expect(await buttons.nth(1).textContent()).toContain('12:00');
  const beforePick = await replies(tab).count();
  await buttons.nth(1).click();
  await expect.poll(() => replies(tab).count(), { timeout: 60_000 }).toBe(beforePick + 1);
  expect(await replies(tab).last().textContent()).toMatch(/email/i);

  const confirmation = await sendAndWait(tab, 'ann@sunpeak-buyer.example');
  expect(confirmation).toContain('Booked');
  expect(calcom.bookings).toHaveLength(1);
  const booking = calcom.bookings[0]!;
  expect(booking).toMatchObject({
    start: starts[1],
    attendee: { email: 'ann@sunpeak-buyer.example', timeZone: ZONE },
  });
  expect(problems).toEqual([]);
  await context.close();

  const leads = (await (await admin('GET', '/leads')).json()) as { data: Lead[] };
  const lead = leads.data.find((l) => l.email === 'ann@sunpeak-buyer.example')!;
  expect(lead.qualification).toMatchObject({ score: 100, band: 'hot' });
  expect(lead.meeting).toMatchObject({ bookingId: booking.uid, start: starts[1], timeZone: ZONE });

  // The outbox, as the worker's timer would run it.
  const worker = () =>
    runKommoJobs({ db: stack.db, env: ENV, fetch: (i, init) => fetch(i, init), delayScale: 0 });
  for (let run = 0; run < 3; run++) {
    await stack.db.query(`update jobs set run_after = now() where status = 'pending'`);
    await worker();
  }
  expect(kommo.leads).toHaveLength(1);
  const kommoLead = kommo.leads[0]!;
  expect(kommo.stageOf(kommoLead.id)).toBe(HOT_STAGE);
  expect(kommo.tagsOf(kommoLead.id)).toContain('Closer: hot');
  expect(
    kommo.tasks.filter((t) => t.text === `Call the hot lead today (${leadMarker(lead.id)})`),
  ).toHaveLength(1);
  expect(
    kommo.tasks.filter((t) => 'task_type_id' in t && t.task_type_id === KOMMO_MEETING_TASK_TYPE),
  ).toEqual([
    expect.objectContaining({
      entity_id: kommoLead.id,
      complete_till: Math.floor(Date.parse(starts[1]!) / 1000),
    }),
  ]);
  expect(kommo.tasks).toHaveLength(2);
  expect(kommo.notes.filter((n) => n.params.text.includes(meetingMarker(booking.uid)))).toHaveLength(1);
}, 240_000);
