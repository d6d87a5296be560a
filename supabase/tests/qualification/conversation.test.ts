// A whole conversation that qualifies the visitor, on both databases: with the offline responder (the server asks
// one question per reply and reads the answers) and with a stand-in model that calls record_qualification. Both end
// with a scored lead in the stand-in Kommo: answers in the mapped fields, the band as a tag, and — once hot — the
// plan's stage and one task for the responsible user, exactly once, updated when answers come after the first sync.
import {
  type ChatReply,
  type Lead,
  type LeadQualificationHistory,
  QUALIFICATION_PRESETS,
  type QualificationPlanInput,
} from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { leadMarker, runKommoJobs } from '@closer/functions/_shared/kommo/leadSync.ts';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import {
  chunk,
  fakeUpstream,
  OPENROUTER_BASE_URL,
  recordedStream,
  streamResponse,
  usageChunk,
} from '../helpers/fakeLlm.ts';
import { connectKommo } from '../helpers/kommoHarness.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const INCOMING = 32392156;
const HOT_STAGE = 32392159;
const PIPELINE = 3177727;
const BUDGET_FIELD = 1119325;
const ROOF_FIELD = 1119321;

/** Budget weighs 3, authority 2, timeline 2, roof 1: budget + authority is 63 (warm), + timeline 88 (hot). */
const PLAN: QualificationPlanInput = {
  enabled: true,
  criteria: [
    { ...QUALIFICATION_PRESETS.budget, minimum: 5000, weight: 3, kommoFieldId: BUDGET_FIELD },
    { ...QUALIFICATION_PRESETS.authority, weight: 2 },
    { ...QUALIFICATION_PRESETS.timeline, weight: 2 },
    {
      key: 'roof_owner',
      question: 'Do you own the roof?',
      type: 'yes_no',
      weight: 1,
      kommoFieldId: ROOF_FIELD,
    },
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
const ENV = { ...KOMMO_ENV, KOMMO_CONFIRM_WINDOW_MS: '0' };

/** A model's tool call, split over deltas as OpenAI-style servers stream it. */
function toolCall(name: string, args: Record<string, unknown>): string[] {
  const json = JSON.stringify(args);
  return [
    chunk({
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, id: `call_${name}`, type: 'function', function: { name, arguments: '' } }],
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: json.slice(0, 9) } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: json.slice(9) } }] }),
    chunk({}, 'tool_calls'),
    usageChunk(300, 20),
    'data: [DONE]\n\n',
  ];
}

describe.each(drivers)('a qualifying conversation on %s', (driver) => {
  const server = setupServer();
  const upstream = fakeUpstream(OPENROUTER_BASE_URL);
  let db: Database;
  let offline: Api;
  let modelled: Api;
  let kommo: FakeKommo;
  let org: TenantFixture;

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'error' });
    db = await migratedDatabase(driver);
    offline = createApi(db, ENV);
    modelled = createApi(db, { ...ENV, OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL });
  });
  beforeEach(async () => {
    kommo = new FakeKommo();
    server.resetHandlers(...kommo.handlers, ...upstream.handlers);
    org = await createTenant(db, `Sun${crypto.randomUUID().slice(0, 6)}`, { allowedOrigins: ['*'] });
    await db.query('delete from kommo_connections where org_id = $1', [org.orgId]);
    await db.query(`delete from jobs where kind = 'kommo.sync_lead'`);
    await connectKommo(offline, org.secretKey);
    const admin = offline.as(org.secretKey);
    await admin('POST', '/kommo/sync');
    await admin('POST', '/kommo', { pipelineId: PIPELINE, statusId: INCOMING, responsibleUserId: 504141 });
    const saved = await admin('PUT', `/agents/${org.agentId}/qualification`, PLAN);
    expect(saved.status).toBe(200);
  });
  afterAll(async () => {
    server.close();
    await db?.close();
  });

  const worker = () => runKommoJobs({ db, env: ENV, fetch: (i, init) => fetch(i, init), delayScale: 0 });

  /** A visitor of the org's widget; `say` sends one message and answers the reply's text. */
  function visitor(api: Api) {
    const as = api.as(org.publishableKey, { origin: 'https://sunpeak.example' });
    let conversationId: string | undefined;
    let token: Record<string, string> = {};
    return {
      async say(message: string): Promise<string> {
        const reply = await as<ChatReply>(
          'POST',
          '/chat',
          { message, ...(conversationId ? { conversationId } : {}) },
          token,
        );
        expect(reply.status).toBe(200);
        conversationId ??= reply.body.conversationId;
        if (reply.body.visitorToken) token = { 'x-visitor-token': reply.body.visitorToken };
        return reply.body.message.content;
      },
      async leaveContact(): Promise<Lead> {
        const lead = await as<Lead>(
          'POST',
          '/chat/lead',
          { conversationId, fields: { name: 'Ann Lee', phone: '+34 600 123 456' } },
          token,
        );
        expect(lead.status).toBe(201);
        return lead.body;
      },
      get conversationId() {
        return conversationId!;
      },
    };
  }

  const askedIn = (reply: string) => QUESTIONS.filter((q) => reply.includes(q));
  const readLead = async (id: string) => (await offline.as(org.secretKey)<Lead>('GET', `/leads/${id}`)).body;

  it('the offline responder asks one question per reply, reads the answers, and the lead turns hot in Kommo', async () => {
    const ann = visitor(offline);
    // The visitor's question is answered first, then exactly one question of the plan (not the stage's).
    const first = await ann.say('Hi! Do you install solar panels on flat roofs?');
    expect(askedIn(first)).toEqual([QUALIFICATION_PRESETS.budget.question]);
    expect(first).not.toContain('What would you like to know?');

    const second = await ann.say('About 8,000 dollars');
    expect(second).toContain('Thank you, noted.');
    expect(askedIn(second)).toEqual([QUALIFICATION_PRESETS.authority.question]);
    expect(await ann.say('Yes, I decide')).toContain(QUALIFICATION_PRESETS.timeline.question);

    // Contact details with budget and authority known: warm, sent to Kommo in the ordinary stage.
    const lead = await ann.leaveContact();
    // The visitor is never shown the score; the organisation sees it.
    expect(lead.qualification).toBeNull();
    expect((await readLead(lead.id)).qualification).toMatchObject({ score: 63, band: 'warm' });
    expect(await worker()).toMatchObject({ synced: 1, failed: 0 });
    const created = kommo.leads[0]!;
    expect(created.body).toMatchObject({ pipeline_id: PIPELINE, status_id: INCOMING });
    expect(kommo.tagsOf(created.id)).toContain('Closer: warm');
    expect(created.body.custom_fields_values).toContainEqual({
      field_id: BUDGET_FIELD,
      values: [{ value: 8000 }],
    });
    expect(kommo.tasks).toEqual([]);

    // The timeline arrives after the first sync: the lead turns hot, moves to the hot stage, gets one task.
    const fourth = await ann.say('This month');
    expect(askedIn(fourth)).toEqual(['Do you own the roof?']);
    const hot = await readLead(lead.id);
    expect(hot.qualification).toMatchObject({
      score: 88,
      band: 'hot',
      answers: {
        budget: { value: 8000 },
        authority: { value: true },
        timeline: { value: 'This month' },
      },
    });
    expect(hot.qualification!.reason).toContain('timeline: This month → +25');
    expect(await worker()).toMatchObject({ synced: 1, failed: 0 });
    expect(kommo.stageOf(created.id)).toBe(HOT_STAGE);
    expect(kommo.tagsOf(created.id)).toContain('Closer: hot');
    expect(kommo.tagsOf(created.id)).not.toContain('Closer: warm');
    expect(kommo.tasks).toHaveLength(1);
    expect(kommo.tasks[0]).toMatchObject({
      entity_id: created.id,
      entity_type: 'leads',
      responsible_user_id: 504141,
      text: `Call the hot lead today (${leadMarker(lead.id)})`,
    });
    expect(kommo.leads).toHaveLength(1);

    // A last answer updates the fields and the score; the stage move and the task are not repeated.
    const movesBefore = kommo.patches.filter((p) => 'status_id' in p.body).length;
    await ann.say('Yes');
    expect(await worker()).toMatchObject({ synced: 1 });
    expect(kommo.patches.at(-1)?.body.custom_fields_values).toContainEqual({
      field_id: ROOF_FIELD,
      values: [{ value: 'yes' }],
    });
    expect(kommo.patches.filter((p) => 'status_id' in p.body)).toHaveLength(movesBefore);
    expect(kommo.tasks).toHaveLength(1);
    expect((await readLead(lead.id)).qualification).toMatchObject({ score: 100, band: 'hot' });

    // The history: every change, newest first, with the source of the answers.
    const { body } = await offline.as(org.secretKey)<LeadQualificationHistory>(
      'GET',
      `/leads/${lead.id}/qualification`,
    );
    expect(body.history.map((h) => h.score)).toEqual([100, 88, 63, 38]);
    expect(new Set(body.history.map((h) => h.source))).toEqual(new Set(['reply']));
    expect(body.current).toMatchObject({ score: 100, band: 'hot' });
  });

  it('the offline responder never asks what the visitor already said', async () => {
    const bob = visitor(offline);
    const first = await bob.say('I am the owner and our budget is $12,000. Do you do flat roofs?');
    expect(askedIn(first)).toEqual([QUALIFICATION_PRESETS.timeline.question]);
    const [row] = await db.query<{ answers: Record<string, { value: unknown }> }>(
      'select answers from qualifications where conversation_id = $1',
      [bob.conversationId],
    );
    expect(row?.answers).toMatchObject({ budget: { value: 12000 }, authority: { value: true } });
    // An answer that does not read as one of the options is not guessed, and the question is not asked twice.
    const second = await bob.say('Hmm, what do you mean?');
    expect(askedIn(second)).toEqual(['Do you own the roof?']);
  });

  it('a model with tools records answers through record_qualification and the lead reaches Kommo hot', async () => {
    upstream.requests.length = 0;
    upstream.respond(
      () =>
        streamResponse(
          toolCall('record_qualification', {
            answers: [
              { key: 'budget', value: 9000 },
              { key: 'authority', value: true },
              { key: 'made_up', value: 'x' },
            ],
          }),
        ),
      () => streamResponse(recordedStream(['Great, ', 'thanks! ', 'When would you like to start?'])),
      () =>
        streamResponse(
          toolCall('record_qualification', { answers: [{ key: 'timeline', value: 'this month' }] }),
        ),
      () => streamResponse(recordedStream(['Perfect. ', 'Could I have your name and phone?'])),
    );
    const cleo = visitor(modelled);
    const first = await cleo.say('We have about 9k and I sign off on purchases. How fast can you install?');
    expect(first).toBe('Great, thanks! When would you like to start?');
    const [opening, afterTool] = upstream.requests.map((r) => r.body);
    const tools = (opening!.tools as { function: { name: string } }[]).map((t) => t.function.name);
    expect(tools).toContain('record_qualification');
    const system = (opening!.messages as { role: string; content: string }[])[0]!.content;
    expect(system).toContain('- budget: What budget do you have in mind for this? — number');
    expect(system).toContain('never more than one question');
    const toolAnswer = (afterTool!.messages as { role: string; content: string }[]).at(-1)!;
    expect(toolAnswer).toMatchObject({ role: 'tool' });
    expect(toolAnswer.content).toContain('Recorded: budget, authority.');
    expect(toolAnswer.content).toContain('made_up (no such item)');

    await cleo.say('This month, ideally');
    // The next prompt knows what was answered: the answered items are no longer open.
    const third = upstream.requests[2]!.body.messages as { content: string }[];
    expect(third[0]!.content).toContain('Already known: budget = 9000; authority = true');
    expect(third[0]!.content).not.toContain('- budget:');

    const lead = await cleo.leaveContact();
    expect((await readLead(lead.id)).qualification).toMatchObject({
      score: 88,
      band: 'hot',
      answers: { timeline: { value: 'This month' } },
    });
    expect(await worker()).toMatchObject({ synced: 1, failed: 0 });
    const created = kommo.leads[0]!;
    // Hot when first sent: created in the hot stage, with the band tag and the task.
    expect(created.body).toMatchObject({ pipeline_id: PIPELINE, status_id: HOT_STAGE });
    expect(kommo.tagsOf(created.id)).toContain('Closer: hot');
    expect(kommo.tasks).toHaveLength(1);
    await db.query(`update jobs set status = 'pending', run_after = now() where kind = 'kommo.sync_lead'`);
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    expect(kommo.leads).toHaveLength(1);
    const { body } = await modelled.as(org.secretKey)<LeadQualificationHistory>(
      'GET',
      `/leads/${lead.id}/qualification`,
    );
    expect(body.history.map((h) => [h.score, h.source])).toEqual([
      [88, 'tool'],
      [63, 'tool'],
    ]);
  });

  it('a task whose answer was lost is found in Kommo and not created again', async () => {
    kommo.taskFailures.push('lost-answer');
    const dan = visitor(offline);
    await dan.say('I am the owner, budget $20,000, and we want it this month');
    await dan.leaveContact();
    const first = await worker();
    expect(first.retrying).toBe(1);
    expect(kommo.tasks).toHaveLength(1);
    await db.query(`update jobs set run_after = now() where kind = 'kommo.sync_lead' and status = 'pending'`);
    expect(await worker()).toMatchObject({ synced: 1 });
    expect(kommo.tasks).toHaveLength(1);
    expect(kommo.apiCalls).toContain('GET /api/v4/tasks');
  });
});
