// Handoff to a person through the API, on both database drivers: the visitor asks (offline responder), the agent
// falls silent, an operator claims and answers with their name, hands back and closes (docs/handoff.md).
import type { ChatReply, ConversationWithMessages, Message } from '@closer/contract';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { fakeSupabaseAuth } from '../helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';

describe.each(drivers)('handoff on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let b: TenantFixture;
  let visitor: Caller;
  let server: Caller;
  let member: Caller;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    await db.query(`update agents set handoff = '{"enabled": true}' where id = $1`, [a.agentId]);
    api = createApi(db);
    visitor = api.as(a.publishableKey, { origin: ORIGIN });
    server = api.as(a.secretKey);
    const auth = await fakeSupabaseAuth();
    member = api.as(await auth.legacyToken(a.userId), { 'x-organization-id': a.orgId });
  });
  afterAll(async () => db?.close());

  /** A new conversation with one exchange with the agent; returns its id and the visitor's caller. */
  async function startConversation(): Promise<{ id: string; as: Caller }> {
    const first = await visitor<ChatReply>('POST', '/chat', { message: 'What does it cost?' });
    expect(first.status).toBe(200);
    const as = api.as(a.publishableKey, { origin: ORIGIN, 'x-visitor-token': first.body.visitorToken! });
    return { id: first.body.conversationId, as };
  }

  const read = (id: string) => server<ConversationWithMessages>('GET', `/conversations/${id}`);

  it('hands over when the visitor asks for a person, and the agent stays silent while a person is involved', async () => {
    const { id, as } = await startConversation();
    const ask = await as<ChatReply>('POST', '/chat', {
      message: 'Can I talk to a human?',
      conversationId: id,
    });
    expect(ask.status).toBe(200);
    expect(ask.body.message.role).toBe('assistant');
    expect(ask.body.message.content).toMatch(/colleague to join/);
    const waiting = await read(id);
    expect(waiting.body.status).toBe('handoff_requested');
    expect(waiting.body.handoff).toEqual({
      reason: 'the visitor asked for a person',
      requestedAt: expect.any(String),
      assignee: null,
    });

    const held = await as<ChatReply>('POST', '/chat', { message: 'Anyone there?', conversationId: id });
    expect(held.status).toBe(200);
    expect(held.body.status).toBe('handoff_requested');
    expect(held.body.message).toMatchObject({ role: 'user', content: 'Anyone there?' });
    const after = await read(id);
    expect(after.body.messages.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
    ]);
    expect(after.body.messageCount).toBe(5);
  });

  it('stores operator messages with their author and shows visitors only the name', async () => {
    const { id, as } = await startConversation();
    const sent = await member<Message>('POST', `/conversations/${id}/messages`, {
      content: 'Hello, Olga here. How can I help?',
      displayName: 'Olga',
      avatarUrl: 'https://cdn.acme.example/olga.png',
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      role: 'operator',
      content: 'Hello, Olga here. How can I help?',
      author: { kind: 'member', id: a.userId, name: 'Olga', avatarUrl: 'https://cdn.acme.example/olga.png' },
    });
    const [stored] = await db.query<{ author_id: string; author_kind: string }>(
      'select author_id, author_kind from messages where id = $1',
      [sent.body.id],
    );
    expect(stored).toEqual({ author_id: a.userId, author_kind: 'member' });
    const now = await read(id);
    expect(now.body.status).toBe('human');
    expect(now.body.handoff?.assignee).toEqual({
      kind: 'member',
      id: a.userId,
      name: 'Olga',
      avatarUrl: 'https://cdn.acme.example/olga.png',
    });

    // The visitor sees who answers, not which member it was.
    const history = await as<ConversationWithMessages>('GET', `/chat/conversations/${id}`);
    expect(history.body.messages.at(-1)).toMatchObject({
      role: 'operator',
      author: { name: 'Olga', avatarUrl: 'https://cdn.acme.example/olga.png' },
    });
    expect(history.body.messages.at(-1)?.author).not.toHaveProperty('id');
    expect(history.body.handoff?.assignee).toEqual({
      name: 'Olga',
      avatarUrl: 'https://cdn.acme.example/olga.png',
    });

    // While she holds it, the visitor's message waits for her; a secret key cannot answer over her.
    const held = await as<ChatReply>('POST', '/chat', { message: 'I need a quote', conversationId: id });
    expect(held.body.status).toBe('human');
    const over = await server('POST', `/conversations/${id}/messages`, { content: 'Bot here' });
    expect(over.status).toBe(409);
    expect(JSON.stringify(over.body)).toMatch(/Olga already holds/);
    // A member without a name given is named by their e-mail.
    const released = await server<ConversationWithMessages>('POST', `/conversations/${id}/release`);
    expect(released.body).toMatchObject({ status: 'active', handoff: null });
    const byKey = await server<Message>('POST', `/conversations/${id}/messages`, { content: 'Support here' });
    expect(byKey.body.author).toEqual({ kind: 'secret', id: a.keyId, name: 'Support', avatarUrl: null });
  });

  it('gives the conversation back to the agent on release, and close ends it', async () => {
    const { id, as } = await startConversation();
    const claimed = await member<ConversationWithMessages>('POST', `/conversations/${id}/claim`, {});
    expect(claimed.status).toBe(200);
    expect(claimed.body.status).toBe('human');
    expect(claimed.body.handoff?.assignee?.name).toBe('acme');
    expect((await member('POST', `/conversations/${id}/claim`, {})).status).toBe(200);

    await member('POST', `/conversations/${id}/release`);
    const answered = await as<ChatReply>('POST', '/chat', {
      message: 'What does it cost?',
      conversationId: id,
    });
    expect(answered.body.status).toBeUndefined();
    expect(answered.body.message.role).toBe('assistant');

    const closed = await member<ConversationWithMessages>('POST', `/conversations/${id}/close`);
    expect(closed.body.status).toBe('closed');
    expect((await member('POST', `/conversations/${id}/messages`, { content: 'Late' })).status).toBe(409);
    expect((await member('POST', `/conversations/${id}/claim`, {})).status).toBe(409);
    const events = await db.query<{ type: string; status: string }>(
      `select type, data ->> 'status' as status from conversation_events where conversation_id = $1 order by id`,
      [id],
    );
    expect(events).toEqual([
      { type: 'state', status: 'human' },
      { type: 'state', status: 'active' },
      { type: 'state', status: 'closed' },
    ]);
  });

  it('refuses bad operator input and other tenants', async () => {
    const { id } = await startConversation();
    expect(issuePaths(await member('POST', `/conversations/${id}/messages`, { content: ' ' }))).toEqual([
      ['content'],
    ]);
    expect(
      issuePaths(
        await member('POST', `/conversations/${id}/messages`, {
          content: 'Hi',
          avatarUrl: 'http://x.test/a.png',
        }),
      ),
    ).toEqual([['avatarUrl']]);
    expect((await member('POST', `/conversations/${b.conversationId}/claim`, {})).status).toBe(404);
    expect(
      (await api.as(b.secretKey)('POST', `/conversations/${id}/messages`, { content: 'Hi' })).status,
    ).toBe(404);
    // A visitor's key is no operator.
    expect((await visitor('POST', `/conversations/${id}/claim`, {})).status).toBe(403);
  });

  it('lets exactly one of two operators claiming at once hold the conversation (two pools on PostgreSQL)', async () => {
    const { id } = await startConversation();
    const second =
      driver === 'postgres' ? createPostgresDatabase((db as Database & { url: string }).url) : db;
    try {
      const auth = await fakeSupabaseAuth();
      const olga = createApi(db).as(await auth.legacyToken(a.userId), { 'x-organization-id': a.orgId });
      const key = createApi(second).as(a.secretKey);
      const [byOlga, byKey] = await Promise.all([
        olga('POST', `/conversations/${id}/messages`, { content: 'Olga here', displayName: 'Olga' }),
        key('POST', `/conversations/${id}/messages`, { content: 'Support here' }),
      ]);
      expect([byOlga.status, byKey.status].sort()).toEqual([201, 409]);
      const winner = byOlga.status === 201 ? 'Olga' : 'Support';
      const now = await read(id);
      expect(now.body.handoff?.assignee?.name).toBe(winner);
      expect(now.body.messages.filter((m) => m.role === 'operator').map((m) => m.author?.name)).toEqual([
        winner,
      ]);
      const states = await db.query<{ n: number }>(
        `select count(*)::int as n from conversation_events where conversation_id = $1 and type = 'state'`,
        [id],
      );
      expect(states[0]?.n).toBe(1);
    } finally {
      if (second !== db) await second.close();
    }
  });

  it('publishes conversation.handoff_requested and conversation.closed to subscribed webhook endpoints', async () => {
    const endpoint = await server('POST', '/webhooks', {
      url: 'https://hooks.crm.example/closer',
      eventTypes: ['conversation.handoff_requested', 'conversation.closed'],
    });
    expect(endpoint.status).toBe(201);
    const { id, as } = await startConversation();
    await as('POST', '/chat', { message: 'I want to speak to a manager', conversationId: id });
    await as('POST', '/chat', { message: 'Can I talk to a human?', conversationId: id }); // already asked: once
    await member('POST', `/conversations/${id}/close`);
    await member('POST', `/conversations/${id}/close`); // already closed: once
    const queued = await db.query<{ event_type: string; body: string }>(
      `select event_type, body from webhook_deliveries
       where org_id = $1 and event_type like 'conversation.%' order by created_at, id`,
      [a.orgId],
    );
    const events = queued.map(
      (row) => JSON.parse(row.body) as { type: string; data: Record<string, unknown> },
    );
    expect(events.map((e) => [e.type, e.data.id, e.data.status])).toEqual([
      ['conversation.handoff_requested', id, 'handoff_requested'],
      ['conversation.closed', id, 'closed'],
    ]);
    expect(events[0]!.data.reason).toBe('the visitor asked for a person');
    await server('DELETE', `/webhooks/${(endpoint.body as { id: string }).id}`);
  });

  it('does not hand over when the agent does not offer people', async () => {
    const reply = await api.as(b.publishableKey, { origin: 'https://globex.example' })<ChatReply>(
      'POST',
      '/chat',
      {
        message: 'Can I talk to a human?',
      },
    );
    expect(reply.body.message.content).toMatch(/call you back/);
    expect(
      (
        await api.as(b.secretKey)<ConversationWithMessages>(
          'GET',
          `/conversations/${reply.body.conversationId}`,
        )
      ).body.status,
    ).toBe('active');
  });
});
