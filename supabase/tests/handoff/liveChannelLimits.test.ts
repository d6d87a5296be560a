// Abuse limits on the live channel: a visitor (a publishable key, in a public page) may open a conversation's
// stream only so often a minute, per conversation and per client address, answered 429 with Retry-After in the
// error envelope; the stream itself is never opened past the limit. Secret keys and members are not limited.
import type { ChatReply } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import {
  LIVE_OPENS_PER_ADDRESS_PER_MINUTE,
  LIVE_OPENS_PER_CONVERSATION_PER_MINUTE,
} from '@closer/functions/_shared/handoff/liveLimits.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';

describe.each(drivers)('live channel limits on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    // Generous message limits: the opens are what is counted here.
    await db.query(
      `update public.agents set rate_limits = '{"ipPerMinute": 10000, "visitorPerMinute": 1000}' where id = $1`,
      [a.agentId],
    );
    // The client address from X-Forwarded-For (a trusted proxy's), so the test can speak from several.
    api = createApi(db, { CLOSER_CLIENT_IP_HEADER: 'x-forwarded-for' });
  });
  afterAll(async () => db?.close());

  async function conversation(address: string): Promise<{ id: string; token: string }> {
    const first = await api.as(a.publishableKey, { origin: ORIGIN, 'x-forwarded-for': address })<ChatReply>(
      'POST',
      '/chat',
      { message: 'What does it cost?' },
    );
    expect(first.status).toBe(200);
    return { id: first.body.conversationId, token: first.body.visitorToken! };
  }

  /** Opens the stream and closes it at once; answers the status and the error body, if any. */
  async function open(id: string, headers: Record<string, string>) {
    const response = await api.fetch(`/chat/conversations/${id}/events`, { headers });
    if (response.status === 200) {
      await response.body?.cancel();
      return { status: 200, retryAfter: null, body: null };
    }
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      requestId: response.headers.get('x-request-id'),
      body: (await response.json()) as { error: { code: string; message: string; requestId: string } },
    };
  }

  /**
   * Checks every open was counted in `bucket`, then gathers its hits in the current minute: a minute that turned
   * during the test would otherwise let the sliding estimate admit a few more (the limit is judged over 60 s).
   */
  async function countedInOneMinute(bucket: string, hits: number) {
    const [counted] = await db.query<{ hits: number }>(
      'select coalesce(sum(hits), 0)::int as hits from public.rate_limits where bucket = $1',
      [bucket],
    );
    expect(counted!.hits).toBe(hits);
    await db.query(
      `with gone as (delete from public.rate_limits where bucket = $1 returning org_id)
       insert into public.rate_limits (org_id, bucket, window_start, hits)
       select org_id, $1, date_trunc('minute', now()), $2 from gone limit 1`,
      [bucket, hits],
    );
  }

  const visitor = (token: string, address: string) => ({
    authorization: `Bearer ${a.publishableKey}`,
    origin: ORIGIN,
    'x-visitor-token': token,
    'x-forwarded-for': address,
  });

  it('refuses a visitor who opens one conversation too often a minute, and no one else', async () => {
    const { id, token } = await conversation('203.0.113.10');
    for (let i = 0; i < LIVE_OPENS_PER_CONVERSATION_PER_MINUTE; i++) {
      expect((await open(id, visitor(token, '203.0.113.10'))).status).toBe(200);
    }
    await countedInOneMinute(`live:conversation:${id}`, LIVE_OPENS_PER_CONVERSATION_PER_MINUTE);
    const refused = await open(id, visitor(token, '203.0.113.10'));
    expect(refused.status).toBe(429);
    expect(refused.body?.error.code).toBe('rate_limited');
    expect(refused.body?.error.requestId).toBe(refused.requestId);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused.body?.error.message).toMatch(/live channel/);
    // The organisation's own credentials read it as often as they need.
    expect((await open(id, { authorization: `Bearer ${a.secretKey}` })).status).toBe(200);
  });

  it('refuses one address that opens the streams of many conversations too often a minute', async () => {
    const address = '198.51.100.20';
    const perConversation = 10;
    const conversations = await Promise.all(
      Array.from({ length: Math.ceil(LIVE_OPENS_PER_ADDRESS_PER_MINUTE / perConversation) + 1 }, () =>
        conversation('192.0.2.1'),
      ),
    );
    for (let opened = 0; opened < LIVE_OPENS_PER_ADDRESS_PER_MINUTE; opened++) {
      const { id, token } = conversations[Math.floor(opened / perConversation)]!;
      expect((await open(id, visitor(token, address))).status).toBe(200);
    }
    await countedInOneMinute(`live:address:${a.agentId}:${address}`, LIVE_OPENS_PER_ADDRESS_PER_MINUTE);
    const fresh = conversations.at(-1)!;
    const refused = await open(fresh.id, visitor(fresh.token, address));
    expect(refused.status).toBe(429);
    expect(refused.body?.error.message).toMatch(/live channel connections from this address/);
    // Another address is not refused for it.
    expect((await open(fresh.id, visitor(fresh.token, '198.51.100.21'))).status).toBe(200);
  });
});
