// The live channel (`GET /chat/conversations/:id/events`) on both drivers: operator messages, typing and state
// changes reach an open stream — on PostgreSQL from another pool, as from another server instance — resumable
// with Last-Event-ID, ending by itself before the wall-clock limit (docs/handoff.md).
import type { ChatReply } from '@closer/contract';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { liveConversations } from '@closer/functions/_shared/handoff/live.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { liveReader } from '../helpers/liveReader.ts';
import { fakeSupabaseAuth } from '../helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';

describe.each(drivers)('the live channel on %s', (driver) => {
  let db: Database & { url?: string };
  let other: Database;
  let api: Api;
  let otherApi: Api;
  let a: TenantFixture;
  let b: TenantFixture;
  let operator: Caller;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    // On PostgreSQL the operator writes through a pool of its own: another server instance.
    other = driver === 'postgres' ? createPostgresDatabase(db.url!) : db;
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    api = createApi(db);
    otherApi = createApi(other);
    const auth = await fakeSupabaseAuth();
    operator = otherApi.as(await auth.legacyToken(a.userId), { 'x-organization-id': a.orgId });
  });
  afterAll(async () => {
    if (other !== db) await other?.close();
    await db?.close();
  });

  async function conversation(): Promise<{ id: string; token: string }> {
    const first = await api.as(a.publishableKey, { origin: ORIGIN })<ChatReply>('POST', '/chat', {
      message: 'What does it cost?',
    });
    return { id: first.body.conversationId, token: first.body.visitorToken! };
  }

  const openEvents = (id: string, token: string, headers: Record<string, string> = {}, through = api) =>
    through.fetch(`/chat/conversations/${id}/events`, {
      headers: {
        authorization: `Bearer ${a.publishableKey}`,
        origin: ORIGIN,
        'x-visitor-token': token,
        ...headers,
      },
    });

  it('carries typing, state changes and operator messages live, and resumes after Last-Event-ID', async () => {
    const { id, token } = await conversation();
    const response = await openEvents(id, token);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const live = liveReader(response);
    await live.open;
    expect(live.retry).toBe(1000);

    expect((await operator('POST', `/conversations/${id}/typing`, { typing: true })).status).toBe(204);
    expect(await live.next()).toEqual({
      event: 'typing',
      id: undefined,
      data: { role: 'operator', typing: true, name: 'acme' },
    });
    const sent = await operator('POST', `/conversations/${id}/messages`, {
      content: 'Olga here',
      displayName: 'Olga',
    });
    expect(sent.status).toBe(201);
    const state = await live.next();
    expect(state).toMatchObject({
      event: 'state',
      data: { status: 'human', assignee: { name: 'Olga', avatarUrl: null } },
    });
    const message = await live.next();
    expect(message).toEqual({
      event: 'message',
      id: expect.stringMatching(/^\d+$/),
      data: {
        messageId: sent.body.id,
        role: 'operator',
        content: 'Olga here',
        author: { name: 'Olga', avatarUrl: null },
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });
    expect(BigInt(message!.id!)).toBeGreaterThan(BigInt(state!.id!));

    // The visitor's own message while Olga holds it reaches operators' streams too.
    const held = await api.as(a.publishableKey, { origin: ORIGIN, 'x-visitor-token': token })<ChatReply>(
      'POST',
      '/chat',
      { message: 'Great, I need 12 panels', conversationId: id },
    );
    expect(held.body.status).toBe('human');
    expect(await live.next()).toMatchObject({
      event: 'message',
      data: { role: 'user', content: 'Great, I need 12 panels', messageId: held.body.message.id },
    });
    await live.close();

    // A reconnect after the state event gets the rest, in order, and nothing twice.
    const resumed = liveReader(await openEvents(id, token, { 'last-event-id': state!.id! }));
    expect((await resumed.next())?.data).toMatchObject({ content: 'Olga here' });
    expect((await resumed.next())?.data).toMatchObject({ content: 'Great, I need 12 panels' });
    await resumed.close();
    // Without Last-Event-ID: from the start.
    const fresh = liveReader(await openEvents(id, token));
    expect((await fresh.next())?.event).toBe('state');
    await fresh.close();
  });

  it('lets members read the channel and hand the conversation back live', async () => {
    const { id, token } = await conversation();
    await operator('POST', `/conversations/${id}/claim`, { displayName: 'Olga' });
    const auth = await fakeSupabaseAuth();
    const console = liveReader(
      await api.fetch(`/chat/conversations/${id}/events`, {
        headers: {
          authorization: `Bearer ${await auth.legacyToken(a.userId)}`,
          'x-organization-id': a.orgId,
        },
      }),
    );
    expect((await console.next())?.data).toMatchObject({ status: 'human' });
    const visitor = liveReader(await openEvents(id, token));
    expect((await visitor.next())?.data).toMatchObject({ status: 'human' });
    await operator('POST', `/conversations/${id}/release`);
    expect((await console.next())?.data).toEqual({ status: 'active', assignee: null });
    expect((await visitor.next())?.data).toEqual({ status: 'active', assignee: null });
    await console.close();
    await visitor.close();
    // A client that leaves frees its subscription (nothing keeps a departed visitor's stream alive).
    await expect.poll(() => liveConversations(db).size).toBe(0);
  });

  it('refuses a wrong token, another tenant and a malformed Last-Event-ID before the stream starts', async () => {
    const { id, token } = await conversation();
    expect((await openEvents(id, 'vt_forged')).status).toBe(404);
    expect((await openEvents(b.conversationId, token)).status).toBe(404);
    const bad = await openEvents(id, token, { 'last-event-id': 'yesterday' });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toMatch(/Last-Event-ID/);
    const foreign = await api.fetch(`/chat/conversations/${id}/events`, {
      headers: { authorization: `Bearer ${b.secretKey}` },
    });
    expect(foreign.status).toBe(404);
  });

  it('ends the stream by itself before the wall-clock limit', async () => {
    const short = createApi(db, { CLOSER_EVENTS_STREAM_SECONDS: '0.3' });
    const { id, token } = await conversation();
    await operator('POST', `/conversations/${id}/claim`, {});
    const live = liveReader(await openEvents(id, token, {}, short));
    expect((await live.next())?.event).toBe('state');
    await live.done;
    expect(live.ended).toBe(true);
  });
});
