// Nobody picks up: a request for a person left unclaimed past the agent's `handoff.pickupTimeoutSeconds` is answered
// once by the worker (`POST /worker/handoffs`) — a stored reply in the agent's language with the lead form, live on
// the conversation's channel — and the agent resumes or stays silent per `whenUnanswered`. Both database drivers
// (docs/handoff.md#nobody-picks-up).
import type { AgentHandoff, ChatReply, ConversationWithMessages } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { liveEvents } from '../helpers/liveEvents.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';
const WORKER_SECRET = 'pickup-worker-secret';
const NOBODY_EN =
  /^Sorry, nobody from the team has been able to answer yet\. Leave your contact in the form below/;
const LEAVE_NUMBER = {
  label: 'Leave my number',
  message: 'Please call me back',
  action: { type: 'leave_contact' },
};

describe.each(drivers)('a request for a person nobody picks up, on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let b: TenantFixture;
  let server: Caller;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    api = createApi(db, { CLOSER_WORKER_SECRET: WORKER_SECRET });
    server = api.as(a.secretKey);
  });
  afterAll(async () => db?.close());

  async function useSettings(t: TenantFixture, handoff: Partial<AgentHandoff>) {
    const patched = await api.as(t.secretKey)('PATCH', `/agents/${t.agentId}`, {
      handoff: { enabled: true, ...handoff },
    });
    expect(patched.status).toBe(200);
  }

  /** A conversation whose visitor asked for a person; its id and the visitor's caller. */
  async function waitingConversation(t: TenantFixture = a, ask = 'Can I talk to a human?') {
    const origin = t === a ? ORIGIN : 'https://globex.example';
    const visitor = api.as(t.publishableKey, { origin });
    const first = await visitor<ChatReply>('POST', '/chat', { message: ask });
    expect(first.status).toBe(200);
    const as = api.as(t.publishableKey, { origin, 'x-visitor-token': first.body.visitorToken! });
    const id = first.body.conversationId;
    const [row] = await db.query<{ status: string }>('select status from conversations where id = $1', [id]);
    expect(row?.status).toBe('handoff_requested');
    return { id, as, token: first.body.visitorToken! };
  }

  /** Moves the request back in time, as if it had waited `seconds`. */
  const waited = (id: string, seconds: number) =>
    db.query(
      `update conversations set handoff_requested_at = now() - make_interval(secs => $2) where id = $1`,
      [id, seconds],
    );

  async function runWorker() {
    const response = await api.fetch('/worker/handoffs', {
      method: 'POST',
      headers: { authorization: `Bearer ${WORKER_SECRET}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { told: number; resumed: number };
  }

  const read = async (id: string) =>
    (await server<ConversationWithMessages>('GET', `/conversations/${id}`)).body;
  const unansweredReplies = (conversation: ConversationWithMessages) =>
    conversation.messages.filter((m) => m.finishReason === 'handoff_unanswered');

  it('refuses a run without the worker secret', async () => {
    const response = await api.fetch('/worker/handoffs', {
      method: 'POST',
      headers: { authorization: 'Bearer wrong' },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('tells the visitor once, live with the lead form, and hands the conversation back to the agent', async () => {
    await useSettings(a, { pickupTimeoutSeconds: 60, whenUnanswered: 'resume' });
    const { id, as, token } = await waitingConversation();
    await waited(id, 59);
    expect(await runWorker()).toEqual({ told: 0, resumed: 0 });
    expect(unansweredReplies(await read(id))).toEqual([]);

    // The visitor's widget follows the live channel from the last event it has.
    const [last] = await db.query<{ id: string }>(
      'select max(id)::text as id from conversation_events where conversation_id = $1',
      [id],
    );
    const response = await api.fetch(`/chat/conversations/${id}/events`, {
      headers: {
        authorization: `Bearer ${a.publishableKey}`,
        origin: ORIGIN,
        'x-visitor-token': token,
        'last-event-id': last!.id,
      },
    });
    expect(response.status).toBe(200);
    const live = liveEvents(response);
    await live.open;

    await waited(id, 61);
    expect(await runWorker()).toEqual({ told: 1, resumed: 1 });
    const [message, state] = await live.until(2);
    expect(message).toMatchObject({
      event: 'message',
      data: { role: 'assistant', content: expect.stringMatching(NOBODY_EN), suggestions: [LEAVE_NUMBER] },
    });
    expect(message!.data.content).toMatch(/Meanwhile I can go on answering your questions here\.$/);
    expect(state).toMatchObject({ event: 'state', data: { status: 'active', assignee: null } });

    const after = await read(id);
    expect(after.status).toBe('active');
    expect(after.handoff).toBeNull();
    expect(unansweredReplies(after)).toEqual([
      expect.objectContaining({ role: 'assistant', content: message!.data.content, status: 'complete' }),
    ]);
    expect(after.messages.at(-1)?.id).toBe(message!.data.messageId);
    expect(after.messageCount).toBe(after.messages.length);
    // The visitor's own history shows it too.
    const history = await as<ConversationWithMessages>('GET', `/chat/conversations/${id}`);
    expect(unansweredReplies(history.body)).toHaveLength(1);

    // Once: the next runs say nothing more.
    expect(await runWorker()).toEqual({ told: 0, resumed: 0 });
    // The agent answers again.
    const next = await as<ChatReply>('POST', '/chat', { message: 'What does it cost?', conversationId: id });
    expect(next.status).toBe(200);
    expect(next.body.message.role).toBe('assistant');
    expect(next.body.message.content).toMatch(/costs money/);
    expect(unansweredReplies(await read(id))).toHaveLength(1);
  });

  it('stays silent when configured: the request keeps waiting for a person, who may still claim it', async () => {
    await useSettings(a, { pickupTimeoutSeconds: 30, whenUnanswered: 'silent' });
    const { id, as } = await waitingConversation();
    await waited(id, 31);
    expect(await runWorker()).toEqual({ told: 1, resumed: 0 });
    const told = await read(id);
    expect(told.status).toBe('handoff_requested');
    expect(told.handoff?.reason).toBe('the visitor asked for a person');
    const [reply] = unansweredReplies(told);
    expect(reply?.content).toMatch(NOBODY_EN);
    expect(reply?.content).toMatch(/A person from the team may still answer you here later\.$/);
    await waited(id, 3600);
    expect(await runWorker()).toEqual({ told: 0, resumed: 0 });

    // The agent stays silent; a person answers later.
    const held = await as<ChatReply>('POST', '/chat', { message: 'Hello?', conversationId: id });
    expect(held.body.status).toBe('handoff_requested');
    expect(held.body.message.role).toBe('user');
    expect((await server('POST', `/conversations/${id}/claim`, { displayName: 'Olga' })).status).toBe(200);
    expect((await read(id)).status).toBe('human');

    // Handed back and asked for again: a new request, told again when nobody picks that one up.
    expect((await server('POST', `/conversations/${id}/release`, {})).status).toBe(200);
    const again = await as<ChatReply>('POST', '/chat', {
      message: 'Can I talk to a human?',
      conversationId: id,
    });
    expect(again.body.message.content).toMatch(/colleague/);
    await waited(id, 31);
    expect(await runWorker()).toEqual({ told: 1, resumed: 0 });
    expect(unansweredReplies(await read(id))).toHaveLength(2);
  });

  it('leaves alone requests within the time, claimed ones, agents without a timeout, and those told the team is offline', async () => {
    await useSettings(a, { pickupTimeoutSeconds: 120, whenUnanswered: 'resume' });
    const within = await waitingConversation();
    await waited(within.id, 100);
    const claimed = await waitingConversation();
    expect((await server('POST', `/conversations/${claimed.id}/claim`, {})).status).toBe(200);
    await waited(claimed.id, 600);

    await useSettings(b, { pickupTimeoutSeconds: null });
    const untimed = await waitingConversation(b);
    await waited(untimed.id, 86_400 * 30);

    expect(await runWorker()).toEqual({ told: 0, resumed: 0 });
    for (const [id, status] of [
      [within.id, 'handoff_requested'],
      [claimed.id, 'human'],
    ] as const) {
      const conversation = await read(id);
      expect(conversation.status).toBe(status);
      expect(unansweredReplies(conversation)).toEqual([]);
    }
    const [other] = await db.query<{ status: string; n: number }>(
      `select c.status, (select count(*)::int from messages m where m.conversation_id = c.id
         and m.finish_reason = 'handoff_unanswered') as n from conversations c where c.id = $1`,
      [untimed.id],
    );
    expect(other).toEqual({ status: 'handoff_requested', n: 0 });

    // Asked outside the business hours with a silent agent: told the team is offline then, not again.
    const today = new Date();
    await useSettings(a, {
      pickupTimeoutSeconds: 30,
      whenUnanswered: 'silent',
      hours: { timeZone: 'UTC', weekly: {}, holidays: [today.toISOString().slice(0, 10)] },
    });
    const offline = await waitingConversation();
    expect((await read(offline.id)).messages.at(-1)?.content).toMatch(/^Our team is offline now/);
    await waited(offline.id, 600);
    const report = await runWorker();
    expect(unansweredReplies(await read(offline.id))).toEqual([]);
    // Only the request asked inside the hours (now past the shorter timeout) was told.
    expect(report).toEqual({ told: 1, resumed: 0 });
    expect(unansweredReplies(await read(within.id))).toHaveLength(1);
  });

  it('tells the visitor in the agent’s language', async () => {
    await useSettings(a, { pickupTimeoutSeconds: 30, whenUnanswered: 'resume' });
    await db.query(`update agents set language = 'ru' where id = $1`, [a.agentId]);
    const { id } = await waitingConversation(a, 'Позовите оператора');
    await waited(id, 45);
    expect(await runWorker()).toEqual({ told: 1, resumed: 1 });
    const [event] = await db.query<{ data: { content: string; suggestions: unknown[] } }>(
      `select data from conversation_events where conversation_id = $1 and type = 'message'
       and data ->> 'role' = 'assistant' order by id desc limit 1`,
      [id],
    );
    expect(event?.data.content).toMatch(
      /^Извините, пока никто из команды не смог ответить\. Оставьте контакты/,
    );
    expect(event?.data.suggestions).toEqual([
      { label: 'Оставить номер', message: 'Перезвоните мне, пожалуйста', action: { type: 'leave_contact' } },
    ]);
    await db.query(`update agents set language = 'en' where id = $1`, [a.agentId]);
  });
});
