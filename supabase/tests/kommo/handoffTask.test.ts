// A visitor asking for a person becomes one Kommo task (docs/kommo.md#a-visitor-asks-for-a-person), on both
// database drivers, against the Kommo stand-in: for the Kommo lead's responsible user (or the configured one),
// due shortly after the request, naming the visitor and the reason and linking the conversation; exactly once
// through 502s, lost answers and re-runs; nothing without Kommo.
import type { ChatReply } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { runPickupTimeouts } from '@closer/functions/_shared/handoff/pickup.ts';
import { runKommoJobs } from '@closer/functions/_shared/kommo/leadSync.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi } from '../helpers/api.ts';
import { drivers } from '../helpers/databases.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import {
  fakeUpstream,
  OPENROUTER_BASE_URL,
  recordedStream,
  requestHumanCall,
  streamResponse,
} from '../helpers/fakeLlm.ts';
import { connectKommo, type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

const CONSOLE = 'https://closer.example/console';
// No confirmation window: a task sent without an answer that Kommo does not show is sent again at the next run.
const ENV = { ...KOMMO_ENV, KOMMO_CONFIRM_WINDOW_MS: '0', CLOSER_CONSOLE_URL: `${CONSOLE}/` };
const ORIGIN = 'https://shop.example';
/** A stand-in OpenRouter, for the model's request_human. */
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
/** The user the settings name for handoffs; the stand-in's other user (504141) owns leads by default. */
const HANDOFF_USER = 504177;

describe.each(drivers)('Kommo task for a handoff on %s', (driver) => {
  let harness: KommoHarness;
  let kommo: FakeKommo;
  let db: Database;
  let api: Api;
  let a: TenantFixture;

  beforeAll(async () => {
    harness = await startKommoHarness(driver, ENV);
    ({ db, api } = harness);
  });
  beforeEach(async () => {
    ({ kommo, org: a } = await harness.freshOrg({ allowedOrigins: ['*'], handlers: upstream.handlers }));
    // The worker runs every organisation's jobs: none of an earlier test's may reach this test's stand-in.
    await db.query(`delete from jobs where kind like 'kommo.%'`);
    kommo.users.push({ id: HANDOFF_USER, name: 'Ivan Sidorov', email: 'ivan@acme.example', lang: 'ru' });
    await db.query(`update agents set handoff = '{"enabled": true}' where id = $1`, [a.agentId]);
    await connectKommo(api, a.secretKey);
    await api.as(a.secretKey)('POST', '/kommo/sync');
    const set = await api.as(a.secretKey)('POST', '/kommo', {
      pipelineId: 3177727,
      statusId: 32392159,
      responsibleUserId: 504141,
      handoffTaskUserId: HANDOFF_USER,
    });
    expect(set.status).toBe(200);
  });
  afterAll(async () => harness?.close());

  const worker = () =>
    runKommoJobs({ db, env: ENV, fetch: (input, init) => fetch(input, init), delayScale: 0 });
  const taskJobs = () =>
    db.query<{ status: string; last_error: string | null; attempts: number }>(
      `select status, last_error, attempts from jobs where kind = 'kommo.handoff_task' and org_id = $1
       order by created_at`,
      [a.orgId],
    );
  /** Makes waiting jobs due now, as if their backoff had passed. */
  const due = () =>
    db.query(`update jobs set run_after = now() where org_id = $1 and status = 'pending'`, [a.orgId]);
  const taskPosts = () => kommo.apiCalls.filter((call) => call === 'POST /api/v4/tasks').length;
  const requestedAt = async (conversationId: string) => {
    const [row] = await db.query<{ at: number }>(
      'select floor(extract(epoch from handoff_requested_at))::int as at from conversations where id = $1',
      [conversationId],
    );
    return row!.at;
  };

  /** A visitor's conversation with one exchange; `ask` asks for a person in it (the offline responder). */
  async function visitorConversation() {
    const first = await api.as(a.publishableKey, { origin: ORIGIN })<ChatReply>('POST', '/chat', {
      message: 'What does it cost?',
    });
    expect(first.status).toBe(200);
    const id = first.body.conversationId;
    const as: Caller = api.as(a.publishableKey, {
      origin: ORIGIN,
      'x-visitor-token': first.body.visitorToken!,
    });
    const ask = async () => {
      const asked = await as<ChatReply>('POST', '/chat', {
        message: 'Can I talk to a human?',
        conversationId: id,
      });
      expect(asked.status).toBe(200);
      expect(asked.body.message.role).toBe('assistant');
      const [row] = await db.query<{ status: string }>('select status from conversations where id = $1', [
        id,
      ]);
      expect(row!.status).toBe('handoff_requested');
    };
    const leaveContact = async () => {
      const lead = await as('POST', '/chat/lead', {
        conversationId: id,
        fields: { name: 'Ann Lee', phone: '+34 600 123 456', email: 'ann@example.com' },
      });
      expect(lead.status).toBe(201);
    };
    return { id, as, ask, leaveContact };
  }

  it('creates one task for the configured user, due 15 minutes after the request, with the link', async () => {
    const conversation = await visitorConversation();
    await conversation.ask();
    expect(await taskJobs()).toEqual([{ status: 'pending', last_error: null, attempts: 0 }]);
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    const task = kommo.tasks[0]!;
    // No lead yet: the task belongs to no entity (Kommo takes both of entity_id and entity_type, or neither).
    expect(task).toMatchObject({
      task_type_id: 1,
      responsible_user_id: HANDOFF_USER,
      complete_till: (await requestedAt(conversation.id)) + 15 * 60,
    });
    expect(task.entity_id).toBeUndefined();
    expect(task.entity_type).toBeUndefined();
    expect(task.text).toContain('Visitor: a visitor who has not left a contact yet');
    expect(task.text).toContain('Reason: the visitor asked for a person');
    expect(task.text).toContain(`Conversation: ${CONSOLE}/conversations/${conversation.id}`);
    expect(await taskJobs()).toEqual([{ status: 'done', last_error: null, attempts: 1 }]);

    await due();
    await worker();
    expect(taskPosts()).toBe(1);
    expect(kommo.tasks).toHaveLength(1);
  });

  it("puts the task on the conversation's Kommo lead, for the lead's responsible user there", async () => {
    const conversation = await visitorConversation();
    await conversation.leaveContact();
    await worker();
    expect(kommo.leads).toHaveLength(1);
    // The sales team gave the lead to someone else in Kommo.
    Object.assign(kommo.leads[0]!, { responsible_user_id: 504199 });
    await conversation.ask();
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    expect(kommo.tasks[0]).toMatchObject({
      entity_id: kommo.leads[0]!.id,
      entity_type: 'leads',
      responsible_user_id: 504199,
      complete_till: (await requestedAt(conversation.id)) + 15 * 60,
    });
    expect(kommo.tasks[0]!.text).toContain('Visitor: Ann Lee (+34 600 123 456, ann@example.com)');
  });

  it('waits for a lead captured with the request to reach Kommo, and honours the due setting', async () => {
    await api.as(a.secretKey)('POST', '/kommo', { handoffTaskDueMinutes: 5 });
    const conversation = await visitorConversation();
    await conversation.leaveContact();
    await conversation.ask();
    // One run: the lead goes first, the task lands on it.
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    expect(kommo.tasks[0]).toMatchObject({
      entity_id: kommo.leads[0]!.id,
      responsible_user_id: 504141,
      complete_till: (await requestedAt(conversation.id)) + 5 * 60,
    });
  });

  it("names the model's reason when the model hands over (request_human)", async () => {
    const withModel = createApi(db, { ...ENV, OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL });
    upstream.respond(
      () => streamResponse(requestHumanCall('wants a custom quote for 40 panels')),
      () => streamResponse(recordedStream(['A colleague will answer you here.'])),
    );
    const asked = await withModel.as(a.publishableKey, { origin: ORIGIN })<ChatReply>('POST', '/chat', {
      message: 'I need your sales manager',
    });
    expect(asked.status).toBe(200);
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    expect(kommo.tasks[0]!.text).toContain('Reason: wants a custom quote for 40 panels');
    expect(kommo.tasks[0]!.text).toContain(`${CONSOLE}/conversations/${asked.body.conversationId}`);
  });

  it('makes a new task for a new request after the conversation went back to the agent, not for a repeat', async () => {
    const conversation = await visitorConversation();
    await conversation.ask();
    // Asked again while waiting: the same request (the message waits for the person).
    const again = await conversation.as<ChatReply>('POST', '/chat', {
      message: 'Can I talk to a human?',
      conversationId: conversation.id,
    });
    expect(again.body.status).toBe('handoff_requested');
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    expect((await api.as(a.secretKey)('POST', `/conversations/${conversation.id}/release`)).status).toBe(200);
    await conversation.ask();
    await worker();
    expect(kommo.tasks).toHaveLength(2);
    const markers = kommo.tasks.map((task) => task.text.match(/\[closer-handoff:[^\]]+\]/)?.[0]);
    expect(new Set(markers).size).toBe(2);
    expect((await taskJobs()).map((job) => job.status)).toEqual(['done', 'done']);
  });

  it('sends nothing for a request a person picked up before the task went out', async () => {
    const conversation = await visitorConversation();
    await conversation.ask();
    const claim = await api.as(a.secretKey)('POST', `/conversations/${conversation.id}/claim`, {});
    expect(claim.status).toBe(200);
    await worker();
    expect(kommo.tasks).toEqual([]);
    expect(await taskJobs()).toEqual([
      { status: 'done', last_error: 'answered before the task was sent', attempts: 1 },
    ]);
  });

  it('still sends the task when nobody picked up and the agent resumed before the worker ran', async () => {
    // The Kommo worker runs every minute on Supabase, the pickup worker every 15 s: a 30 s timeout comes first.
    await db.query(
      `update agents set handoff = '{"enabled": true, "pickupTimeoutSeconds": 30, "whenUnanswered": "resume"}'
       where id = $1`,
      [a.agentId],
    );
    const conversation = await visitorConversation();
    await conversation.ask();
    await db.query(
      `update conversations set handoff_requested_at = handoff_requested_at - interval '1 minute' where id = $1`,
      [conversation.id],
    );
    await db.query(
      `update jobs set payload = jsonb_set(payload, '{requestedAt}', to_jsonb(to_char(
         (select handoff_requested_at from conversations where id = $2) at time zone 'UTC',
         'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) where org_id = $1 and kind = 'kommo.handoff_task'`,
      [a.orgId, conversation.id],
    );
    expect(await runPickupTimeouts({ db })).toMatchObject({ told: 1, resumed: 1 });
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    expect(kommo.tasks[0]!.text).toContain(conversation.id);
    // Handing back cleared the conversation's reason; the job kept it.
    expect(kommo.tasks[0]!.text).toContain('Reason: the visitor asked for a person');
    expect(await taskJobs()).toEqual([{ status: 'done', last_error: null, attempts: 1 }]);
  });

  it('sends nothing for a request nobody picked up once the visitor was answered by a person since', async () => {
    await db.query(
      `update agents set handoff = '{"enabled": true, "pickupTimeoutSeconds": 30, "whenUnanswered": "resume"}'
       where id = $1`,
      [a.agentId],
    );
    const conversation = await visitorConversation();
    await conversation.ask();
    await db.query(
      `update conversations set handoff_requested_at = handoff_requested_at - interval '1 minute' where id = $1`,
      [conversation.id],
    );
    await db.query(
      `update jobs set payload = jsonb_set(payload, '{requestedAt}', to_jsonb(to_char(
         (select handoff_requested_at from conversations where id = $2) at time zone 'UTC',
         'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) where org_id = $1 and kind = 'kommo.handoff_task'`,
      [a.orgId, conversation.id],
    );
    expect(await runPickupTimeouts({ db })).toMatchObject({ told: 1, resumed: 1 });
    const answered = await api.as(a.secretKey)('POST', `/conversations/${conversation.id}/messages`, {
      content: 'Sorry for the wait, Olga here',
      displayName: 'Olga',
    });
    expect(answered.status).toBe(201);
    await worker();
    expect(kommo.tasks).toEqual([]);
    expect(await taskJobs()).toEqual([
      { status: 'done', last_error: 'answered before the task was sent', attempts: 1 },
    ]);
  });

  it('queues nothing when Kommo is not connected', async () => {
    expect((await api.as(a.secretKey)('DELETE', '/kommo')).status).toBe(204);
    const conversation = await visitorConversation();
    await conversation.ask();
    expect(await taskJobs()).toEqual([]);
    await worker();
    expect(kommo.tasks).toEqual([]);
  });

  it('retries after a 502 and ends with one task', async () => {
    kommo.taskFailures.push('502');
    const conversation = await visitorConversation();
    await conversation.ask();
    await worker();
    expect(kommo.tasks).toEqual([]);
    const [waiting] = await taskJobs();
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(waiting!.last_error).toMatch(/502/);
    await due();
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    expect(kommo.tasks[0]!.text).toContain(conversation.id);
    expect(await taskJobs()).toEqual([{ status: 'done', last_error: null, attempts: 2 }]);
  });

  it('does not send again a task whose answer was lost: it finds it in Kommo', async () => {
    kommo.taskFailures.push('lost-answer');
    const conversation = await visitorConversation();
    await conversation.ask();
    await worker();
    expect(kommo.tasks).toHaveLength(1);
    expect((await taskJobs())[0]!.status).toBe('pending');
    await due();
    await worker();
    expect(taskPosts()).toBe(1);
    expect(kommo.tasks).toHaveLength(1);
    expect((await taskJobs())[0]!.status).toBe('done');
  });

  it('stores a refusal (400) as failed with the reason, without retrying', async () => {
    kommo.taskFailures.push('400');
    const conversation = await visitorConversation();
    await conversation.ask();
    await worker();
    const [failed] = await taskJobs();
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed!.last_error).toMatch(/400/);
    expect(failed!.last_error).toMatch(/responsible_user_id/);
    await due();
    await worker();
    expect(taskPosts()).toBe(1);
    expect(kommo.tasks).toEqual([]);
  });

  it('refuses a handoff user who is not in the Kommo account', async () => {
    const set = await api.as(a.secretKey)<{ error: { details: { path: string[] }[] } }>('POST', '/kommo', {
      handoffTaskUserId: 999,
    });
    expect(set.status).toBe(422);
    expect(set.body.error.details.map((d) => d.path)).toEqual([['handoffTaskUserId']]);
  });
});
