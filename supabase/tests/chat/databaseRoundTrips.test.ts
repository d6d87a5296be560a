// Holding up under load (issue 11, kind 9): on PostgreSQL every socket write and round trip of a chat turn costs
// the stack CPU and holds rows locked. A turn's statements are prepared once per connection and pipelined (BEGIN,
// claims and the first statements in one write; counters sent whole with their COMMIT; a new conversation's turn
// written whole, its COMMIT behind the per-minute count), so a turn costs a bounded number of writes. Counted here structurally (writes to the database socket), not timed.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { claimModelReply } from '@closer/functions/_shared/chat/modelCeilings.ts';
import { lastBeforeCommit } from '@closer/functions/_shared/db/pipeline.ts';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { fakeUpstream, OPENROUTER_BASE_URL, recordedStream, streamResponse } from '../helpers/fakeLlm.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const server = setupServer();
const upstream = fakeUpstream(OPENROUTER_BASE_URL);
const LLM_ENV = { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL };

/**
 * Counts the socket writes to PostgreSQL's port while `work` runs, and the round trips among them: a write is a
 * new round trip when its connection has received an answer since its last write (writes of one pipeline that
 * postgres.js splits at its 1 KiB buffer are one round trip).
 */
async function trafficTo(
  port: number,
  work: () => Promise<void>,
): Promise<{ writes: number; roundTrips: number }> {
  const original = net.Socket.prototype.write;
  const answered = new Map<net.Socket, boolean>();
  let writes = 0;
  let roundTrips = 0;
  net.Socket.prototype.write = function (this: net.Socket, ...args: Parameters<typeof original>) {
    if (this.remotePort === port) {
      writes++;
      if (!answered.has(this)) this.on('data', () => answered.set(this, true));
      if (answered.get(this) !== false) roundTrips++;
      answered.set(this, false);
    }
    return original.apply(this, args);
  } as typeof original;
  try {
    await work();
  } finally {
    net.Socket.prototype.write = original;
  }
  return { writes, roundTrips };
}

const writesTo = async (port: number, work: () => Promise<void>) => (await trafficTo(port, work)).writes;

describe('a chat turn on PostgreSQL', () => {
  let db: Database & { url?: string };
  let api: Api;
  let tenant: TenantFixture;
  let port: number;
  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'error' });
    server.resetHandlers(...upstream.handlers);
    upstream.respond(() => streamResponse(recordedStream(['Hello', ' there'])));
    db = await migratedDatabase('postgres');
    port = Number(new URL(db.url!).port);
    api = createApi(db, LLM_ENV);
    tenant = await createTenant(db, 'Pipelined');
  });
  afterAll(async () => {
    server.close();
    await db?.close();
  });

  /** One streamed turn; starts a conversation unless `conversationId` is given. Returns the conversation. */
  const streamedTurn = async (conversationId?: string): Promise<string> => {
    const response = await api.fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tenant.secretKey}`,
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        agentId: tenant.agentId,
        message: 'How much does a system cost?',
        ...(conversationId ? { conversationId } : {}),
      }),
    });
    const text = await response.text();
    expect(text).toContain('event: done');
    return /"conversationId":"([^"]+)"/.exec(text)![1]!;
  };

  /**
   * Over 5 turns: the median of their writes, and the fewest round trips. An answer can arrive between the two
   * pieces of one pipeline (postgres.js writes the second at setImmediate, which may come after the next poll of
   * the sockets), so a pipeline can look like two round trips, never the other way round: the writes are exact,
   * the round trips a bound with one such split allowed.
   */
  const traffic = async (turn: () => Promise<unknown>) => {
    const counts: { writes: number; roundTrips: number }[] = [];
    for (let i = 0; i < 5; i++) counts.push(await trafficTo(port, async () => void (await turn())));
    const writes = counts.map((c) => c.writes).sort((a, b) => a - b)[2];
    return { writes, roundTrips: Math.min(...counts.map((c) => c.roundTrips)) };
  };

  it('costs a bounded number of database writes, its statements prepared and pipelined', async () => {
    // Every pooled connection prepares each statement once; after that a turn is what is measured.
    for (let i = 0; i < 12; i++) await streamedTurn();
    // Round trips: the agent (with its calendar and qualification plan) and the spend count, two transactions
    // sent together; the turn of a new conversation — its writes, retrieval, the per-minute count and COMMIT; the
    // reply stored and its tokens counted, two transactions sent together: 3. Before the agent and the count were
    // sent together, 4 (6 writes); before the turn and the reply were sent whole, 9 (10 writes); unprepared and
    // unpipelined, about 43 writes. postgres.js writes a pipeline in 1 KiB pieces, so the turn and the reply,
    // which carry event rows, take two writes each.
    const { writes, roundTrips } = await traffic(() => streamedTurn());
    expect(writes).toBe(5);
    expect(roundTrips).toBeLessThanOrEqual(4);
  });

  it('continues a conversation in two round trips more: the conversation checked, then the history', async () => {
    const conversationId = await streamedTurn();
    for (let i = 0; i < 12; i++) await streamedTurn(conversationId);
    // The agent with the spend count; BEGIN and the conversation locked and checked; the history with the turn's
    // writes; retrieval with the count and COMMIT; the reply with its tokens: 5 round trips (before, 6; at first,
    // 10).
    const { writes, roundTrips } = await traffic(() => streamedTurn(conversationId));
    expect(writes).toBe(6);
    expect(roundTrips).toBeLessThanOrEqual(6);
  });

  it('stores the turn as before: the message, the complete reply, the counted reply and its tokens', async () => {
    const [counts] = await db.query<{ complete: number; visitor: number; replies: number; tokens: number }>(
      `select (select count(*)::int from messages m join conversations c on c.id = m.conversation_id
                where c.agent_id = $1 and m.role = 'assistant' and m.status = 'complete') as complete,
              (select count(*)::int from messages m join conversations c on c.id = m.conversation_id
                where c.agent_id = $1 and m.role = 'user') as visitor,
              (select hits from usage_counters where bucket = 'replies:agent:' || $1 || '/hour') as replies,
              (select tokens::int from usage_counters where bucket = 'replies:agent:' || $1 || '/hour') as tokens`,
      [tenant.agentId],
    );
    // 35 turns, each with the visitor's message stored (the fixture's conversation holds one more).
    expect(counts).toMatchObject({ complete: 35, visitor: 36, replies: 35 });
    expect(counts!.tokens).toBeGreaterThan(0);
  });

  it('settles tokens while other replies are counted, without deadlocks and without losing a count', async () => {
    const errors: string[] = [];
    const log = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(' '));
    const claims = { role: 'authenticated' as const, org_id: tenant.orgId, kind: 'secret' as const };
    const [agentRow] = await db.query<{ rate_limits: unknown }>(
      'select rate_limits from agents where id = $1',
      [tenant.agentId],
    );
    const { agentRateLimits } = await import('@closer/contract');
    const agent = {
      id: tenant.agentId,
      orgId: tenant.orgId,
      name: 'Pipelined',
      rateLimits: agentRateLimits.parse(agentRow?.rate_limits ?? {}),
    } as Parameters<typeof claimModelReply>[2];
    const org = { repliesPerHour: 1e6, repliesPerDay: 1e6, tokensPerHour: 1e12, tokensPerDay: 1e12 };
    const before = await usage(tenant.orgId);
    try {
      await Promise.all(
        Array.from({ length: 60 }, async () => {
          const claim = await claimModelReply(db, claims, agent, org);
          await claim.settle({ inputTokens: 7, outputTokens: 3 });
        }),
      );
    } finally {
      console.error = log;
    }
    expect(errors.filter((e) => /deadlock|add tokens/.test(e))).toEqual([]);
    const after = await usage(tenant.orgId);
    expect(after.hits - before.hits).toBe(60);
    expect(after.tokens - before.tokens).toBe(600);
  });

  async function usage(orgId: string): Promise<{ hits: number; tokens: number }> {
    const [row] = await db.query<{ hits: number; tokens: number }>(
      `select hits, tokens::int as tokens from usage_counters where bucket = 'replies:org:' || $1 || '/day'`,
      [orgId],
    );
    return row ?? { hits: 0, tokens: 0 };
  }

  it('writes COMMIT behind a transaction’s last statements: kept when they run, rolled back with their error when not', async () => {
    const bucket = (name: string) => `commit-now:${name}:${randomUUID()}`;
    const insert = (name: string) => ({
      text: `insert into rate_limits (org_id, bucket, window_start, hits) values ($1, $2, now(), 1)`,
      params: [tenant.orgId, name],
    });
    const keep = (name: string) =>
      db.transaction(async (tx) => {
        await lastBeforeCommit(tx, [insert(name)]);
        await expect(tx.query('select 1')).rejects.toThrow(/committing/);
      });
    // Each pooled connection prepares the insert once; after that it is what is measured.
    for (let i = 0; i < 6; i++) await keep(bucket('warm-up'));
    const kept = bucket('kept');
    expect(await writesTo(port, () => keep(kept))).toBe(1); // BEGIN, the insert and COMMIT
    const lost = bucket('lost');
    await expect(
      db.transaction((tx) => lastBeforeCommit(tx, [insert(lost), { text: 'select 1 / 0' }])),
    ).rejects.toThrow(/division by zero/);
    const stored = await db.query<{ bucket: string }>(
      'select bucket from rate_limits where bucket = any($1)',
      [[kept, lost]],
    );
    expect(stored).toEqual([{ bucket: kept }]);
    for (let i = 0; i < 10; i++) {
      const [row] = await db.transaction((tx) => tx.query<{ n: number }>('select 1 as n'));
      expect(row?.n).toBe(1);
    }
  });

  it('throws a failing statement’s own error and keeps the connection for the next transaction', async () => {
    await expect(db.transaction((tx) => tx.query('select 1 / 0'))).rejects.toThrow(/division by zero/);
    // The claims fail first; the statement behind them fails only because the transaction aborted.
    await expect(
      withTenant(db, { role: 'authenticated', org_id: 'not-a-uuid' }, (tx) =>
        tx.query('select count(*) from agents'),
      ),
    ).rejects.toThrow(/uuid/);
    for (let i = 0; i < 10; i++) {
      const [row] = await db.transaction((tx) => tx.query<{ n: number }>('select 1 as n'));
      expect(row?.n).toBe(1);
    }
    await streamedTurn();
  });
});
