// The whole sales journey with the offline responder, on both databases: a visitor answers the qualification
// questions one per reply, asks for a call, presses an offered time, gives an email, and is booked. It ends with a
// hot lead carrying its score and meeting, the booking in the stand-in Cal.com, and — after the outbox runs — the
// Kommo lead in the plan's hot stage with the hot task, the meeting note and the Meeting task, each exactly once.
import { type Lead, QUALIFICATION_PRESETS, type QualificationPlanInput } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { leadMarker, runKommoJobs } from '@closer/functions/_shared/kommo/leadSync.ts';
import { KOMMO_MEETING_TASK_TYPE, meetingMarker } from '@closer/functions/_shared/kommo/meetingSync.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Api } from '../helpers/api.ts';
import { drivers } from '../helpers/databases.ts';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from '../helpers/fakeCalcom.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { connectKommo, type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import { type ReadEvent, readSse, text } from '../helpers/sse.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

const INCOMING = 32392156;
const HOT_STAGE = 32392159;
const PIPELINE = 3177727;
const RESPONSIBLE = 504141;
const BUDGET_FIELD = 1119325;
const ORIGIN = 'https://sunpeak.example';
const ZONE = 'Europe/Madrid';
const ENV = { ...KOMMO_ENV, KOMMO_CONFIRM_WINDOW_MS: '0', ALLOW_PRIVATE_BOOKING: 'true' };

/** Budget weighs 3, authority 2, timeline 2: all three answered well is 100 (hot from 70). */
const PLAN: QualificationPlanInput = {
  enabled: true,
  criteria: [
    { ...QUALIFICATION_PRESETS.budget, minimum: 5000, weight: 3, kommoFieldId: BUDGET_FIELD },
    { ...QUALIFICATION_PRESETS.authority, weight: 2 },
    { ...QUALIFICATION_PRESETS.timeline, weight: 2 },
  ],
  thresholds: { hot: 70, warm: 40 },
  kommo: {
    hotPipelineId: PIPELINE,
    hotStatusId: HOT_STAGE,
    hotTaskText: 'Call the hot lead today',
    hotTaskDueHours: 4,
  },
};
const QUESTIONS = PLAN.criteria!.map((c) => c.question);

type Suggestion = { label: string; message?: string; action?: { type: string; start?: string } };

/** Two days ahead at 10:00 UTC (11:00 in Madrid in winter), so every offered time is in the future. */
const inTwoDaysAt = (hour: number) => {
  const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  return `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
};

describe.each(drivers)('the whole sales journey with the offline responder on %s', (driver) => {
  let harness: KommoHarness;
  let kommo: FakeKommo;
  let db: Database;
  let api: Api;
  let org: TenantFixture;
  const calcom = new FakeCalcom();

  beforeAll(async () => {
    await calcom.start();
    harness = await startKommoHarness(driver, ENV);
    ({ db, api } = harness);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
    await calcom.stop();
  });
  beforeEach(async () => {
    ({ kommo, org } = await harness.freshOrg({ allowedOrigins: ['*'] }));
    await connectKommo(api, org.secretKey);
    const admin = api.as(org.secretKey);
    await admin('POST', '/kommo/sync');
    await admin('POST', '/kommo', {
      pipelineId: PIPELINE,
      statusId: INCOMING,
      responsibleUserId: RESPONSIBLE,
    });
    expect((await admin('PUT', `/agents/${org.agentId}/qualification`, PLAN)).status).toBe(200);
    const connected = await admin('PUT', '/booking/connection', {
      provider: 'calcom',
      apiKey: CALCOM_KEY,
      eventTypeId: EVENT_TYPE.id,
      apiUrl: calcom.url,
      bookerUrl: 'https://cal.example',
    });
    expect(connected.status).toBe(200);
  }, 60_000);

  const worker = () =>
    runKommoJobs({ db, env: ENV, fetch: (input, init) => fetch(input, init), delayScale: 0 });

  /** A widget visitor in Madrid; `say` sends one message (with a pressed button's action) over the stream. */
  function visitor() {
    let conversationId: string | undefined;
    let token: string | undefined;
    return {
      async say(message: string, action?: Suggestion['action']) {
        const response = await api.fetch('/chat', {
          method: 'POST',
          headers: {
            authorization: `Bearer ${org.publishableKey}`,
            origin: ORIGIN,
            accept: 'text/event-stream',
            'content-type': 'application/json',
            ...(token ? { 'x-visitor-token': token } : {}),
          },
          body: JSON.stringify({
            message,
            timeZone: ZONE,
            ...(action ? { action } : {}),
            ...(conversationId ? { conversationId } : {}),
          }),
        });
        expect(response.status).toBe(200);
        const { events } = await readSse(response);
        expect((events.at(-1) as ReadEvent).event).toBe('done');
        const start = events.find((e) => e.event === 'start')!.data as {
          conversationId: string;
          visitorToken?: string;
        };
        conversationId ??= start.conversationId;
        token ??= start.visitorToken;
        const suggestions = (events.find((e) => e.event === 'suggestions')?.data.suggestions ??
          []) as Suggestion[];
        const reply = text(events);
        return { reply, suggestions, asked: QUESTIONS.filter((q) => reply.includes(q)), events };
      },
      get conversationId() {
        return conversationId!;
      },
    };
  }

  it('qualifies, books the picked time, and lands in Kommo hot with the meeting, each thing once', async () => {
    const starts = calcom.offer(inTwoDaysAt(10), 5);
    const ann = visitor();

    // Qualification: the question answered, then one plan question per reply, each answer read.
    const first = await ann.say('Hi! Do you install solar panels on flat roofs?');
    expect(first.asked).toEqual([QUALIFICATION_PRESETS.budget.question]);
    const second = await ann.say('About 8,000 dollars');
    expect(second.asked).toEqual([QUALIFICATION_PRESETS.authority.question]);
    const third = await ann.say('Yes, I decide');
    expect(third.asked).toEqual([QUALIFICATION_PRESETS.timeline.question]);
    const fourth = await ann.say('This month');
    expect(fourth.asked).toEqual([]);

    // Asking for a call offers three times in the visitor's zone and Another day — and no plan question.
    const offered = await ann.say('Can we book a call?');
    expect(offered.reply).toContain(ZONE);
    expect(offered.asked).toEqual([]);
    expect(offered.suggestions.slice(0, 3).map((s) => s.action)).toEqual(
      starts.slice(0, 3).map((start) => ({ type: 'book_slot', start })),
    );
    expect(offered.suggestions[3]?.action?.type).toBe('find_slots');

    // The visitor presses the second time; without an email the agent asks for it and keeps the time.
    const pick = offered.suggestions[1]!;
    const asked = await ann.say(pick.message ?? pick.label, pick.action);
    expect(asked.reply).toMatch(/email/i);
    expect(asked.asked).toEqual([]);
    expect(calcom.bookings).toHaveLength(0);

    const booked = await ann.say('Ann Lee, ann@sunpeak-buyer.example');
    expect(booked.asked).toEqual([]);
    expect(calcom.bookings).toHaveLength(1);
    const made = calcom.bookings[0]!;
    expect(made).toMatchObject({
      start: starts[1],
      eventTypeId: EVENT_TYPE.id,
      attendee: { email: 'ann@sunpeak-buyer.example', timeZone: ZONE },
    });
    expect(booked.reply).toContain(`https://cal.example/reschedule/${made.uid}`);
    // 11:00 UTC is 12:00 in Madrid in December (UTC+1).
    expect(booked.reply).toContain('12:00');

    // The lead: scored hot with the three answers, and the meeting recorded.
    const { body: leads } = await api.as(org.secretKey)<{ data: Lead[] }>('GET', '/leads');
    const mine = leads.data.filter((l) => l.conversationId === ann.conversationId);
    expect(mine).toHaveLength(1);
    const lead = mine[0]!;
    expect(lead.email).toBe('ann@sunpeak-buyer.example');
    expect(lead.qualification).toMatchObject({
      score: 100,
      band: 'hot',
      answers: { budget: { value: 8000 }, authority: { value: true }, timeline: { value: 'This month' } },
    });
    expect(lead.meeting).toMatchObject({
      provider: 'calcom',
      bookingId: made.uid,
      start: starts[1],
      timeZone: ZONE,
      attendeeEmail: 'ann@sunpeak-buyer.example',
      rescheduleUrl: `https://cal.example/reschedule/${made.uid}`,
    });

    // The outbox: the lead (created hot), then the meeting's note and task. Runs as the worker's
    // timer would (a retry, should a loaded machine need one, comes due at once).
    for (let run = 0; run < 3; run++) {
      await db.query(`update jobs set run_after = now() where status = 'pending' and org_id = $1`, [
        org.orgId,
      ]);
      await worker();
    }
    // The lead's own jobs (the tenant fixture seeds an unrelated one): both done, none waiting.
    const jobs = await db.query<{ kind: string; status: string }>(
      `select kind, status from jobs where payload->>'leadId' = $1 order by kind`,
      [lead.id],
    );
    expect(jobs).toEqual([
      { kind: 'kommo.sync_lead', status: 'done' },
      { kind: 'kommo.sync_meeting', status: 'done' },
    ]);

    expect(kommo.leads).toHaveLength(1);
    const kommoLead = kommo.leads[0]!;
    expect(kommo.stageOf(kommoLead.id)).toBe(HOT_STAGE);
    expect(kommoLead.body).toMatchObject({ pipeline_id: PIPELINE });
    expect(kommo.tagsOf(kommoLead.id)).toContain('Closer: hot');
    expect(kommoLead.body.custom_fields_values).toContainEqual({
      field_id: BUDGET_FIELD,
      values: [{ value: 8000 }],
    });

    const hotTasks = kommo.tasks.filter((t) => t.text === `Call the hot lead today (${leadMarker(lead.id)})`);
    expect(hotTasks).toEqual([
      expect.objectContaining({
        entity_id: kommoLead.id,
        entity_type: 'leads',
        responsible_user_id: RESPONSIBLE,
      }),
    ]);
    const meetingTasks = kommo.tasks.filter(
      (t) => 'task_type_id' in t && t.task_type_id === KOMMO_MEETING_TASK_TYPE,
    );
    expect(meetingTasks).toEqual([
      expect.objectContaining({
        entity_id: kommoLead.id,
        complete_till: Math.floor(Date.parse(starts[1]!) / 1000),
      }),
    ]);
    expect(kommo.tasks).toHaveLength(2);
    const meetingNotes = kommo.notes.filter((n) => n.params.text.includes(meetingMarker(made.uid)));
    expect(meetingNotes).toHaveLength(1);
    expect(meetingNotes[0]!.entity_id).toBe(kommoLead.id);
    expect(meetingNotes[0]!.params.text).toContain(ZONE);

    // Nothing is sent twice by a later run.
    await worker();
    expect(kommo.leads).toHaveLength(1);
    expect(kommo.tasks).toHaveLength(2);
    expect(kommo.notes.filter((n) => n.params.text.includes(meetingMarker(made.uid)))).toHaveLength(1);
  }, 120_000);

  it('an open text question does not swallow the booking messages as its answer', async () => {
    // A free-text criterion left open: any words could read as its answer, so the booking's must not.
    const need = { ...QUALIFICATION_PRESETS.need, weight: 1 };
    const admin = api.as(org.secretKey);
    const saved = await admin('PUT', `/agents/${org.agentId}/qualification`, {
      ...PLAN,
      criteria: [...PLAN.criteria!, need],
    });
    expect(saved.status).toBe(200);
    const starts = calcom.offer(inTwoDaysAt(10), 3);
    const bob = visitor();
    await bob.say('Hi! Do you install solar panels on flat roofs?');
    await bob.say('About 8,000 dollars');
    await bob.say('Yes, I decide');
    const fourth = await bob.say('This month');
    expect(fourth.reply).toContain(need.question);

    const offered = await bob.say('Can we book a call?');
    expect(offered.reply).not.toContain(need.question);
    const pick = offered.suggestions[0]!;
    expect(pick.action).toEqual({ type: 'book_slot', start: starts[0] });
    const asked = await bob.say(pick.message ?? pick.label, pick.action);
    expect(asked.reply).not.toContain(need.question);
    const booked = await bob.say('bob@sunpeak-buyer.example');
    expect(booked.reply).not.toContain(need.question);
    expect(calcom.bookings.at(-1)).toMatchObject({
      start: starts[0],
      attendee: { email: 'bob@sunpeak-buyer.example' },
    });

    const [row] = await db.query<{ answers: Record<string, unknown> }>(
      'select answers from qualifications where conversation_id = $1',
      [bob.conversationId],
    );
    expect(Object.keys(row!.answers).sort()).toEqual(['authority', 'budget', 'timeline']);
  }, 120_000);

  it('a question the booking reply left out is asked after the booking, not lost', async () => {
    const roof = { key: 'roof_owner', question: 'Do you own the roof?', type: 'yes_no' as const, weight: 1 };
    const admin = api.as(org.secretKey);
    const saved = await admin('PUT', `/agents/${org.agentId}/qualification`, {
      ...PLAN,
      criteria: [...PLAN.criteria!, { ...QUALIFICATION_PRESETS.need, weight: 1 }, roof],
    });
    expect(saved.status).toBe(200);
    calcom.offer(inTwoDaysAt(10), 3);
    const cy = visitor();
    await cy.say('Hi! Do you install solar panels on flat roofs?');
    await cy.say('About 8,000 dollars');
    await cy.say('Yes, I decide');
    expect((await cy.say('This month')).reply).toContain(QUALIFICATION_PRESETS.need.question);
    // The times are offered instead of the next question: the roof question is still to come.
    const offered = await cy.say('Can we book a call?');
    expect(offered.reply).not.toContain(roof.question);
    const pick = offered.suggestions[0]!;
    await cy.say(pick.message ?? pick.label, pick.action);
    const booked = await cy.say('cy@sunpeak-buyer.example');
    expect(booked.reply).toContain('Booked');
    expect(booked.reply).not.toContain(roof.question);
    const after = await cy.say('Do you also clean panels?');
    expect(after.reply).toContain(roof.question);
    expect((await cy.say('Yes')).reply).toContain('Thank you, noted.');
    const [row] = await db.query<{ answers: Record<string, { value: unknown }> }>(
      'select answers from qualifications where conversation_id = $1',
      [cy.conversationId],
    );
    expect(row!.answers.roof_owner).toMatchObject({ value: true });
  }, 120_000);
});
