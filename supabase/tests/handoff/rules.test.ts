// The agent's rules hand a conversation to a person by themselves (docs/handoff.md#rules): at the Nth reply in a
// row without relevant knowledge, and once the visitor's contact details are first saved (the lead form, the
// model's capture_lead). Offline responder and a stand-in OpenRouter, both database drivers.
import type { Agent, AgentHandoff, ChatReply, ConversationWithMessages } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { runPickupTimeouts } from '@closer/functions/_shared/handoff/pickup.ts';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import {
  fakeUpstream,
  OPENROUTER_BASE_URL,
  recordedStream,
  streamResponse,
  toolCallStream,
} from '../helpers/fakeLlm.ts';
import { readSse } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const msw = setupServer();
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
const ORIGIN = 'https://acme.example';
const RULE_REASON = 'rule: 2 replies in a row without relevant knowledge';
const LEAD_REASON = 'rule: the visitor left their contact details';
const runOf = 'select replies_without_knowledge as n from conversations where id = $1';

beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => msw.resetHandlers(...upstream.handlers));
afterAll(() => msw.close());

describe.each(drivers)('the agent’s handoff rules on %s', (driver) => {
  let db: Database;
  let api: Api;
  let modelApi: Api;
  let a: TenantFixture;
  let server: Caller;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    api = createApi(db);
    modelApi = createApi(db, { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL });
    server = api.as(a.secretKey);
  });
  afterAll(async () => db?.close());

  async function useSettings(handoff: Partial<AgentHandoff>) {
    const patched = await server('PATCH', `/agents/${a.agentId}`, { handoff });
    expect(patched.status).toBe(200);
  }

  /** A visitor's conversation through `through` (offline by default): `say` sends one message. */
  function visitor(through: Api = api) {
    let id: string | undefined;
    let as = through.as(a.publishableKey, { origin: ORIGIN });
    return {
      get id() {
        return id!;
      },
      as: () => as,
      async say(message: string) {
        const reply = await as<ChatReply>('POST', '/chat', {
          message,
          ...(id ? { conversationId: id } : {}),
        });
        expect(reply.status).toBe(200);
        if (!id) {
          id = reply.body.conversationId;
          as = through.as(a.publishableKey, { origin: ORIGIN, 'x-visitor-token': reply.body.visitorToken! });
        }
        const conversation = await server<ConversationWithMessages>('GET', `/conversations/${id}`);
        return { reply: reply.body, conversation: conversation.body };
      },
    };
  }

  it('stores the rules, and refuses bad values with 422 naming the field', async () => {
    const stored = await server<Agent>('PATCH', `/agents/${a.agentId}`, {
      handoff: { enabled: true, afterLeadCaptured: true, afterUnansweredReplies: 3 },
    });
    expect(stored.status).toBe(200);
    expect(stored.body.handoff).toMatchObject({ afterLeadCaptured: true, afterUnansweredReplies: 3 });
    for (const [bad, path] of [
      [{ afterUnansweredReplies: 0 }, ['handoff', 'afterUnansweredReplies']],
      [{ afterUnansweredReplies: 21 }, ['handoff', 'afterUnansweredReplies']],
      [{ afterUnansweredReplies: 1.5 }, ['handoff', 'afterUnansweredReplies']],
      [{ afterUnansweredReplies: '2' }, ['handoff', 'afterUnansweredReplies']],
      [{ afterLeadCaptured: 'yes' }, ['handoff', 'afterLeadCaptured']],
      [{ afterLeadCapture: true }, ['handoff', 'afterLeadCapture']],
    ] as const) {
      const refused = await server('PATCH', `/agents/${a.agentId}`, { handoff: { enabled: true, ...bad } });
      expect(refused.status).toBe(422);
      expect(issuePaths(refused)).toContainEqual(path);
    }
    const after = await server<Agent>('GET', `/agents/${a.agentId}`);
    expect(after.body.handoff).toMatchObject({ afterLeadCaptured: true, afterUnansweredReplies: 3 });
  });

  it('hands over at the Nth reply in a row without relevant knowledge, not before', async () => {
    await useSettings({ enabled: true, afterUnansweredReplies: 2 });
    const v = visitor();
    const first = await v.say('Do you repair boats?');
    expect(first.reply.message.content).toMatch(/couldn't find that/);
    expect(first.conversation.status).toBe('active');
    // Small talk neither counts nor breaks the run.
    expect((await v.say('Hi!')).conversation.status).toBe('active');
    const second = await v.say('Do you install heat pumps?');
    expect(second.conversation.status).toBe('handoff_requested');
    expect(second.conversation.handoff?.reason).toBe(RULE_REASON);
    expect(second.reply.message.content).toMatch(
      /^A person from the team has been asked to join and will answer you here shortly\./,
    );
    expect(second.reply.message.content).not.toMatch(/Of course/);
    // Now the agent is silent.
    const held = await v.say('Hello?');
    expect(held.reply.status).toBe('handoff_requested');
    expect(held.reply.message.role).toBe('user');
  });

  it('starts the run again after a reply with knowledge, and never fires when off or handoff is disabled', async () => {
    await useSettings({ enabled: true, afterUnansweredReplies: 2 });
    const v = visitor();
    await v.say('Do you repair boats?');
    expect((await v.say('How much does it cost?')).reply.message.content).toMatch(/costs money/);
    // The question after a priced answer still finds that passage through the conversation: the run ends too.
    await v.say('Repairing boats, is that possible?');
    expect((await db.query<{ n: number }>(runOf, [v.id]))[0]?.n).toBe(0);
    expect((await v.say('Do you install heat pumps?')).conversation.status).toBe('active');
    expect((await db.query<{ n: number }>(runOf, [v.id]))[0]?.n).toBe(1);
    const fired = await v.say('Boat repair?');
    expect(fired.conversation.status).toBe('handoff_requested');
    expect((await db.query<{ n: number }>(runOf, [v.id]))[0]?.n).toBe(0);

    for (const handoff of [
      { enabled: true, afterUnansweredReplies: null },
      { enabled: false, afterUnansweredReplies: 1 },
    ]) {
      await useSettings(handoff);
      const quiet = visitor();
      for (const message of ['Do you repair boats?', 'Do you install heat pumps?', 'Boat repair?'])
        expect((await quiet.say(message)).conversation.status).toBe('active');
    }
  });

  it('outside business hours says the team is offline with the lead form, and the agent goes on', async () => {
    const today = new Date().toISOString().slice(0, 10);
    await useSettings({
      enabled: true,
      afterUnansweredReplies: 1,
      hours: { timeZone: 'UTC', weekly: {}, holidays: [today] },
      whenUnanswered: 'resume',
    });
    const response = await api.fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${a.publishableKey}`,
        origin: ORIGIN,
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ message: 'Do you repair boats?' }),
    });
    const { events } = await readSse(response);
    const reply = events
      .filter((e) => e.event === 'delta')
      .map((e) => e.data.text)
      .join('');
    expect(reply).toMatch(/^Our team is offline now \(hours: closed \(UTC\)\)/);
    expect(events.find((e) => e.event === 'suggestions')?.data.suggestions).toEqual([
      { label: 'Leave my number', message: 'Please call me back', action: { type: 'leave_contact' } },
    ]);
    const start = events[0]!.data as { conversationId: string };
    const conversation = await server<ConversationWithMessages>(
      'GET',
      `/conversations/${start.conversationId}`,
    );
    expect(conversation.body.status).toBe('active');
  });

  it('hands over once the lead form first saves the visitor’s details', async () => {
    await useSettings({ enabled: true, afterLeadCaptured: true });
    const v = visitor();
    await v.say('How much does it cost?');
    const saved = await v.as()('POST', '/chat/lead', {
      conversationId: v.id,
      fields: { name: 'Ann', phone: '+49 30 1234567' },
    });
    expect(saved.status).toBe(201);
    const after = await server<ConversationWithMessages>('GET', `/conversations/${v.id}`);
    expect(after.body.status).toBe('handoff_requested');
    expect(after.body.handoff?.reason).toBe(LEAD_REASON);
    const [state] = await db.query<{ data: { status: string } }>(
      `select data from conversation_events where conversation_id = $1 and type = 'state' order by id desc limit 1`,
      [v.id],
    );
    expect(state?.data.status).toBe('handoff_requested');

    // Handed back, a correction of the same lead does not hand over again.
    await server('POST', `/conversations/${v.id}/release`, {});
    expect(
      (await v.as()('POST', '/chat/lead', { conversationId: v.id, fields: { name: 'Anna' } })).status,
    ).toBe(201);
    expect((await server<ConversationWithMessages>('GET', `/conversations/${v.id}`)).body.status).toBe(
      'active',
    );

    // Off: a lead is only a lead.
    await useSettings({ enabled: true, afterLeadCaptured: false });
    const other = visitor();
    await other.say('How much does it cost?');
    await other.as()('POST', '/chat/lead', { conversationId: other.id, fields: { name: 'Bob' } });
    expect((await server<ConversationWithMessages>('GET', `/conversations/${other.id}`)).body.status).toBe(
      'active',
    );
  });

  it('tells the model: after its capture_lead call, and when the replies without knowledge hand over', async () => {
    await useSettings({ enabled: true, afterLeadCaptured: true });
    upstream.requests.length = 0;
    upstream.respond(
      () => streamResponse(toolCallStream({ name: 'Ann', phone: '+49 30 1234567' })),
      () => streamResponse(recordedStream(['Thanks, Ann! A colleague will answer here.'])),
    );
    const v = visitor(modelApi);
    const captured = await v.say('I am Ann, +49 30 1234567');
    expect(captured.conversation.status).toBe('handoff_requested');
    expect(captured.conversation.handoff?.reason).toBe(LEAD_REASON);
    const toolResult = (upstream.requests[1]!.body.messages as { role: string; content: string }[]).at(-1);
    expect(toolResult?.content).toMatch(
      /^Saved: name, phone\..* A person from the team has been asked to join this chat/,
    );

    await useSettings({ enabled: true, afterUnansweredReplies: 1 });
    upstream.requests.length = 0;
    upstream.respond(() => streamResponse(recordedStream(['I could not find that; a colleague will help.'])));
    const w = visitor(modelApi);
    const asked = await w.say('Do you repair boats?');
    expect(asked.conversation.status).toBe('handoff_requested');
    expect(asked.conversation.handoff?.reason).toBe('rule: 1 reply without relevant knowledge');
    const system = (upstream.requests[0]!.body.messages as { role: string; content: string }[])[0];
    expect(system?.role).toBe('system');
    expect(system?.content).toMatch(/A person from the team has been asked to join this chat/);
  });
  it('asks for nobody again once the last request went unanswered; the visitor’s own request still does', async () => {
    for (const whenUnanswered of ['resume', 'silent'] as const) {
      await useSettings({
        enabled: true,
        afterLeadCaptured: true,
        afterUnansweredReplies: 1,
        pickupTimeoutSeconds: 30,
        whenUnanswered,
      });
      const v = visitor();
      expect((await v.say('Can I talk to a human?')).conversation.status).toBe('handoff_requested');
      await db.query(
        `update conversations set handoff_requested_at = now() - interval '1 minute' where id = $1`,
        [v.id],
      );
      await runPickupTimeouts({ db });
      const told = await server<ConversationWithMessages>('GET', `/conversations/${v.id}`);
      expect(told.body.messages.filter((m) => m.finishReason === 'handoff_unanswered')).toHaveLength(1);
      const stateEvents = () =>
        db.query<{ status: string }>(
          `select data ->> 'status' as status from conversation_events
           where conversation_id = $1 and type = 'state' order by id`,
          [v.id],
        );
      const before = await stateEvents();

      // The visitor leaves their number through the offered lead form: a lead, and nobody asked or told again.
      const saved = await v.as()('POST', '/chat/lead', {
        conversationId: v.id,
        fields: { name: 'Ann', phone: '+49 30 1234567' },
      });
      expect(saved.status).toBe(201);
      const after = await server<ConversationWithMessages>('GET', `/conversations/${v.id}`);
      expect(after.body.status).toBe(whenUnanswered === 'resume' ? 'active' : 'handoff_requested');
      expect(after.body.handoff?.reason ?? null).toBe(
        whenUnanswered === 'resume' ? null : 'the visitor asked for a person',
      );
      expect(await stateEvents()).toEqual(before);
      if (whenUnanswered === 'silent') continue;

      // Nor does a reply without knowledge; the agent answers as usual.
      const gap = await v.say('Do you repair boats?');
      expect(gap.reply.message.content).toMatch(/couldn't find that/);
      expect(gap.conversation.status).toBe('active');
      expect(await stateEvents()).toEqual(before);

      // The visitor asking again is a new request, timed again.
      const again = await v.say('Can I talk to a human?');
      expect(again.conversation.status).toBe('handoff_requested');
      expect(again.conversation.handoff?.reason).toBe('the visitor asked for a person');
      const [row] = await db.query<{ unanswered: string | null }>(
        'select handoff_unanswered_at as unanswered from conversations where id = $1',
        [v.id],
      );
      expect(row?.unanswered).toBeNull();
    }
  });
});
