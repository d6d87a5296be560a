// The organisation's live channel (`GET /conversations/events`) on both drivers: a visitor now waiting for a
// person, operator and visitor messages reach an open stream of a member or a secret key — on PostgreSQL written
// through another pool, as from another server instance — each naming its conversation; another organisation's
// events never arrive; resumable with Last-Event-ID (docs/handoff.md).
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

describe.each(drivers)("the organisation's live channel on %s", (driver) => {
  let db: Database & { url?: string };
  let other: Database;
  let api: Api;
  let otherApi: Api;
  let a: TenantFixture;
  let b: TenantFixture;
  let memberToken: string;
  let operatorA: Caller;
  let operatorB: Caller;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    other = driver === 'postgres' ? createPostgresDatabase(db.url!) : db;
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    for (const agentId of [a.agentId, b.agentId])
      await db.query(`update agents set handoff = '{"enabled": true}' where id = $1`, [agentId]);
    api = createApi(db);
    otherApi = createApi(other);
    const auth = await fakeSupabaseAuth();
    memberToken = await auth.legacyToken(a.userId);
    operatorA = otherApi.as(a.secretKey);
    operatorB = otherApi.as(b.secretKey);
  });
  afterAll(async () => {
    if (other !== db) await other?.close();
    await db?.close();
  });

  /** A visitor of `tenant` asks for a person (the offline responder recognises it). */
  async function visitorAsksForAPerson(tenant: TenantFixture) {
    const origin = tenant === a ? ORIGIN : 'https://globex.example';
    const first = await otherApi.as(tenant.publishableKey, { origin })<ChatReply>('POST', '/chat', {
      message: 'Can I talk to a human?',
    });
    expect(first.status).toBe(200);
    return { id: first.body.conversationId, token: first.body.visitorToken! };
  }

  const openAsMember = (headers: Record<string, string> = {}) =>
    api.fetch('/conversations/events', {
      headers: { authorization: `Bearer ${memberToken}`, 'x-organization-id': a.orgId, ...headers },
    });

  it("brings a member each of its conversations' events, never another organisation's", async () => {
    const live = liveReader(await openAsMember());
    await live.open;
    // Another organisation's visitor waits for a person, and its operator answers: none of it arrives.
    const foreign = await visitorAsksForAPerson(b);
    await operatorB('POST', `/conversations/${foreign.id}/messages`, { content: 'Globex here' });

    const waiting = await visitorAsksForAPerson(a);
    const state = await live.next();
    expect(state).toMatchObject({
      event: 'state',
      data: { conversationId: waiting.id, status: 'handoff_requested', assignee: null },
    });
    expect(state?.id).toMatch(/^\d+$/);

    await operatorA('POST', `/conversations/${waiting.id}/messages`, {
      content: 'Olga here',
      displayName: 'Olga',
    });
    const claimed = await live.next();
    expect(claimed).toMatchObject({
      event: 'state',
      data: { conversationId: waiting.id, status: 'human', assignee: { name: 'Olga' } },
    });
    expect(await live.next()).toMatchObject({
      event: 'message',
      data: { conversationId: waiting.id, role: 'operator', content: 'Olga here', author: { name: 'Olga' } },
    });
    // The visitor's next message, while a person holds the conversation.
    await otherApi.as(a.publishableKey, { origin: ORIGIN, 'x-visitor-token': waiting.token })(
      'POST',
      '/chat',
      {
        conversationId: waiting.id,
        message: 'Thanks!',
      },
    );
    const reply = await live.next();
    expect(reply).toMatchObject({
      event: 'message',
      data: { conversationId: waiting.id, role: 'user', content: 'Thanks!' },
    });
    await live.close();

    // Resumed after the claim: the two messages again, in order, and nothing of the other organisation.
    const resumed = liveReader(await openAsMember({ 'last-event-id': claimed!.id! }));
    expect((await resumed.next())?.data).toMatchObject({ content: 'Olga here' });
    expect((await resumed.next())?.id).toBe(reply!.id);
    await resumed.close();
    await expect.poll(() => liveConversations(db).size).toBe(0);
  });

  it('serves secret keys, and refuses publishable keys and a malformed Last-Event-ID', async () => {
    const live = liveReader(
      await api.fetch('/conversations/events', { headers: { authorization: `Bearer ${b.secretKey}` } }),
    );
    await live.open;
    const mine = await visitorAsksForAPerson(b);
    await visitorAsksForAPerson(a);
    await operatorB('POST', `/conversations/${mine.id}/release`);
    expect((await live.next())?.data).toMatchObject({ conversationId: mine.id, status: 'handoff_requested' });
    expect((await live.next())?.data).toMatchObject({ conversationId: mine.id, status: 'active' });
    await live.close();

    const visitor = await api.fetch('/conversations/events', {
      headers: { authorization: `Bearer ${a.publishableKey}`, origin: ORIGIN },
    });
    expect(visitor.status).toBe(403);
    const bad = await openAsMember({ 'last-event-id': 'yesterday' });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toMatch(/Last-Event-ID/);
  });

  it('lets a browser on another origin resume (Last-Event-ID is an allowed CORS header)', async () => {
    const preflight = await api.fetch('/conversations/events', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://console.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,last-event-id',
      },
    });
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/last-event-id/);
  });
});
