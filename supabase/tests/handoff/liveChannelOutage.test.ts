// The live channel (`GET /chat/conversations/:id/events`) when PostgreSQL fails under an open stream: its
// backends terminated (an administrator, a failover), or the database not serving for a while. The stream ends
// cleanly with one `error` event naming only the request (or goes on pinging and resumes), the process survives,
// the cause is logged with the request id, and a reconnect with Last-Event-ID gets what was missed.
import type { ChatReply } from '@closer/contract';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Api, type Caller, createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { type LiveEvent, liveReader } from '../helpers/liveReader.ts';
import { fakeSupabaseAuth } from '../helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';
/** The server instance holding the streams: its connections (pool and LISTEN) carry this name. */
const STREAM_INSTANCE = 'closer_stream_instance';
const INTERNAL = /terminat|57P01|57P03|administrator|postgres|sql|\bECONN|connection|127\.0\.0\.1|5432/i;

describe('the live channel when the database fails, on PostgreSQL', () => {
  let db: Database & { url?: string };
  let streams: Database;
  let admin: postgres.Sql;
  let api: Api;
  let a: TenantFixture;
  let operator: Caller;
  let databaseName: string;

  beforeAll(async () => {
    db = await migratedDatabase('postgres');
    databaseName = new URL(db.url!).pathname.slice(1);
    streams = createPostgresDatabase(`${db.url}?application_name=${STREAM_INSTANCE}`);
    // The administrator works from the cluster's own database: a database cannot refuse the session altering it.
    admin = postgres(db.url!.replace(/\/[^/]+$/, '/postgres'), { max: 1, onnotice: () => {} });
    a = await createTenant(db, 'Acme');
    // Short pings and re-reads, so a stream left without its LISTEN shows what it does within the test.
    api = createApi(streams, { CLOSER_CHAT_PING_MS: '300' });
    // The operator writes through another instance, which keeps its connections.
    const auth = await fakeSupabaseAuth();
    operator = createApi(db).as(await auth.legacyToken(a.userId), { 'x-organization-id': a.orgId });
  });
  afterAll(async () => {
    await admin?.unsafe(`alter database ${databaseName} with allow_connections true`).catch(() => {});
    await admin?.end();
    await streams?.close();
    await db?.close();
  });

  async function openStream(lastEventId?: string) {
    const first = await api.as(a.publishableKey, { origin: ORIGIN })<ChatReply>('POST', '/chat', {
      message: 'What does it cost?',
    });
    expect(first.status).toBe(200);
    const id = first.body.conversationId;
    const token = first.body.visitorToken!;
    const open = (after?: string) =>
      api.fetch(`/chat/conversations/${id}/events`, {
        headers: {
          authorization: `Bearer ${a.publishableKey}`,
          origin: ORIGIN,
          'x-visitor-token': token,
          ...(after ? { 'last-event-id': after } : {}),
        },
      });
    const response = await open(lastEventId);
    expect(response.status).toBe(200);
    return { id, response, live: liveReader(response), reopen: open };
  }

  /** The operator's message, sent from the other instance. */
  async function say(id: string, content: string): Promise<string> {
    const sent = await operator<{ id: string }>('POST', `/conversations/${id}/messages`, { content });
    expect(sent.status).toBe(201);
    return sent.body.id;
  }

  /** Terminates the stream instance's backends (its pool and its LISTEN connection) that match `where`. */
  async function terminateStreamInstance(where = 'true'): Promise<number> {
    const rows = await admin.unsafe(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = '${databaseName}' and application_name = '${STREAM_INSTANCE}' and ${where}`,
    );
    return rows.length;
  }

  /** Events until `until` matches one (included) or the stream ends. */
  async function readUntil(live: ReturnType<typeof liveReader>, until: (event: LiveEvent) => boolean) {
    const seen: LiveEvent[] = [];
    for (;;) {
      const event = await live.next();
      if (!event) return seen;
      seen.push(event);
      if (until(event)) return seen;
    }
  }

  it('ends the stream cleanly or resumes it when its backends are terminated; a reconnect gets what was missed', async () => {
    const { id, live, response, reopen } = await openStream();
    await live.open;
    const before = await say(id, 'Before the failover');
    const seenBefore = await readUntil(live, (e) => e.data.messageId === before);
    const lastSeen = seenBefore.at(-1)!.id!;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    let during = '';
    try {
      expect(await terminateStreamInstance()).toBeGreaterThan(0);
      during = await say(id, 'Sent while the stream instance lost its backends');
      // Either the stream resumes (its LISTEN reconnected and it re-read) or it ends with one error event.
      const after = await readUntil(live, (e) => e.data.messageId === during || e.event === 'error');
      const last = after.at(-1);
      if (last?.event === 'error') {
        const requestId = response.headers.get('x-request-id')!;
        expect(last.data).toEqual({
          code: 'unavailable',
          message: `The live channel stopped (request ${requestId}); reconnect`,
        });
        expect(await live.next()).toBeNull();
        expect(logged.mock.calls.map(String).some((line) => line.includes(requestId))).toBe(true);
      } else {
        expect(last?.data).toMatchObject({
          messageId: during,
          content: expect.stringContaining('lost its backends'),
        });
        await live.close();
      }
      expect(live.raw).not.toMatch(INTERNAL);
    } finally {
      logged.mockRestore();
    }
    // A reconnect from the last event the client had: what was missed, once, in order.
    const resumed = liveReader(await reopen(lastSeen));
    const missed = await readUntil(resumed, (e) => e.data.messageId === during);
    expect(missed.map((e) => e.data.content)).toEqual(['Sent while the stream instance lost its backends']);
    await resumed.close();
  });

  /** The database refuses new connections (as while it restarts) until `serve()`. */
  const stopServing = () => admin.unsafe(`alter database ${databaseName} with allow_connections false`);
  const serve = () => admin.unsafe(`alter database ${databaseName} with allow_connections true`);

  it('keeps pinging while the database does not serve and its LISTEN is gone, then resumes on the same stream', async () => {
    const { id, live } = await openStream();
    await live.open;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await stopServing();
      expect(await terminateStreamInstance(`query ilike 'listen%'`)).toBe(1);
      // The operator's instance still holds its connections: it writes what the stream cannot hear of.
      const missed = await say(id, 'Written while the stream instance had no database');
      const pings = live.comments.length;
      await expect.poll(() => live.comments.length).toBeGreaterThanOrEqual(pings + 3);
      expect(live.ended).toBe(false);
      await serve();
      // The LISTEN comes back and the stream re-reads: the missed events arrive, nothing else.
      const arrived = await readUntil(live, (e) => e.data.messageId === missed);
      expect(arrived.map((e) => e.event)).toEqual(['state', 'message']);
      expect(live.raw).not.toMatch(INTERNAL);
    } finally {
      await serve();
      logged.mockRestore();
      await live.close();
    }
  });

  it('ends the stream with "unavailable" when it cannot read, and a reconnect gets what was missed', async () => {
    const { id, live, response, reopen } = await openStream();
    await live.open;
    const before = await say(id, 'Before the restart');
    const lastSeen = (await readUntil(live, (e) => e.data.messageId === before)).at(-1)!.id!;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    let missed = '';
    try {
      await stopServing();
      // The pool's connections go, the LISTEN stays: the next event's notice makes the stream read, and fail.
      expect(await terminateStreamInstance(`query not ilike 'listen%'`)).toBeGreaterThan(0);
      missed = await say(id, 'Written while the stream instance had no database');
      const requestId = response.headers.get('x-request-id')!;
      expect(await readUntil(live, (e) => e.event === 'error')).toEqual([
        {
          event: 'error',
          id: undefined,
          data: {
            code: 'unavailable',
            message: `The live channel stopped (request ${requestId}); reconnect`,
          },
        },
      ]);
      expect(await live.next()).toBeNull();
      expect(live.raw).not.toMatch(INTERNAL);
      const lines = logged.mock.calls.map(String).filter((line) => line.includes(requestId));
      // The cause, for the operators of the service: a connection that closed (cleanly, or reset by the
      // terminated backend — which one depends on timing), or one refused.
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /"where":"conversation events".*(connection closed|ECONNRESET|not currently accepting connections)/,
      );
      // Any other request meanwhile is a 503 the client may retry, never a 500.
      const refused = await api.as(a.secretKey)('GET', `/conversations/${id}`);
      expect(refused.status).toBe(503);
      expect(JSON.stringify(refused.body)).not.toMatch(INTERNAL);
    } finally {
      await serve();
      logged.mockRestore();
    }
    // Served again: a reconnect from the last event the client had gets what was missed, once.
    const resumed = liveReader(await reopen(lastSeen));
    const caughtUp = await readUntil(resumed, (e) => e.data.messageId === missed);
    expect(caughtUp.map((e) => e.data.content)).toEqual([
      'Written while the stream instance had no database',
    ]);
    await resumed.close();
  });
});
