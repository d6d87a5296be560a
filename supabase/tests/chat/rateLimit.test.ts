// The per-minute limits judge a sliding minute: the previous minute's hits still count for the part of it the
// last 60 s cover, so a visitor cannot send the whole limit at 12:00:59 and again at 12:01:00.

import { randomUUID } from 'node:crypto';
import { type RateLimit, secondsUntilRoom, slidingHits } from '@closer/functions/_shared/chat/rateLimit.ts';
import { countTurn } from '@closer/functions/_shared/chat/turn.ts';
import { sha256Hex } from '@closer/functions/_shared/crypto.ts';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { ApiError } from '@closer/functions/_shared/http/errors.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { type DriverName, drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';

describe('the sliding minute', () => {
  it('weighs the previous minute by the share of it still inside the last 60 s', () => {
    expect(slidingHits({ hits: 0, previous_hits: 3, elapsed_s: 0 })).toBe(4);
    expect(slidingHits({ hits: 1, previous_hits: 4, elapsed_s: 30 })).toBe(4);
    expect(slidingHits({ hits: 2, previous_hits: 10, elapsed_s: 60 })).toBe(3);
  });

  it('says how long until one more fits, within this minute or into the next', () => {
    // 3 of 3 in the previous minute, 15 s into this one: room once a third of it has slid out, at 20 s.
    expect(secondsUntilRoom({ hits: 0, previous_hits: 3, elapsed_s: 15 }, 3)).toBe(5);
    // This minute alone is full: into the next one, until a third of this minute has slid out.
    expect(secondsUntilRoom({ hits: 3, previous_hits: 0, elapsed_s: 10 }, 3)).toBe(70);
    // Never less than a second, and a limit of zero waits a whole minute.
    expect(secondsUntilRoom({ hits: 0, previous_hits: 1, elapsed_s: 59.9 }, 1)).toBe(1);
    expect(secondsUntilRoom({ hits: 0, previous_hits: 0, elapsed_s: 0 }, 0)).toBe(60);
  });
});

describe.each(drivers)('a full previous minute on %s', (driver: DriverName) => {
  let db: Database;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
  });
  afterAll(async () => db?.close());

  it('still refuses a new address bucket right after the minute turns, and admits once it has slid out', async () => {
    const tenant = await createTenant(db, 'Boundary', { allowedOrigins: ['*'] });
    await db.query(
      `update agents set rate_limits = '{"visitorPerMinute": 100, "ipPerMinute": 3}' where id = $1`,
      [tenant.agentId],
    );
    const api = createApi(db, {}, { clientAddress: '198.51.100.77' });
    const send = () => api.as(tenant.publishableKey, { origin: ORIGIN })('POST', '/chat', { message: 'Hi' });
    const bucket = `ip:${tenant.agentId}:198.51.100.77`;
    // So many hits in the previous minute that any part of it still inside the last 60 s is over the limit.
    await db.query(
      `insert into rate_limits (org_id, bucket, window_start, hits)
       values ($1, $2, date_trunc('minute', now()) - interval '1 minute', 1000000)`,
      [tenant.orgId, bucket],
    );
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(
      await db.query(
        'select hits from rate_limits where bucket = $1 and window_start = date_trunc($2, now())',
        [bucket, 'minute'],
      ),
    ).toEqual([]);
    // Two minutes ago is outside the sliding minute: it does not count.
    await db.query(
      `update rate_limits set window_start = window_start - interval '1 minute' where bucket = $1`,
      [bucket],
    );
    expect((await send()).status).toBe(200);
  });
});

// The exact count is one SQL statement (count_hits) that fails when a bucket has no room, so a turn can write its
// COMMIT right behind it: a refused count must roll the whole turn back and still answer 429 with Retry-After.
describe.each(drivers)('the count at the end of a turn on %s', (driver: DriverName) => {
  let db: Database & { url?: string };
  beforeAll(async () => {
    db = await migratedDatabase(driver);
  });
  afterAll(async () => db?.close());

  const hitsOf = async (bucket: string) =>
    (await db.query<{ hits: number }>('select hits from rate_limits where bucket = $1', [bucket]))[0]?.hits;

  it('refuses a full bucket in SQL with the sliding minute’s wait, counting nothing of the turn', async () => {
    const tenant = await createTenant(db, 'Counted');
    const claims = { role: 'authenticated' as const, org_id: tenant.orgId, kind: 'secret' as const };
    const limits: RateLimit[] = [
      { bucket: `visitor:${randomUUID()}`, limit: 100, what: 'in this conversation' },
      { bucket: `ip:${tenant.agentId}:203.0.113.9`, limit: 5, what: 'from this address' },
    ];
    await db.query(
      `insert into rate_limits (org_id, bucket, window_start, hits) values ($1, $2, date_trunc('minute', now()), 5)`,
      [tenant.orgId, limits[1]!.bucket],
    );
    const written = randomUUID();
    const refused = await withTenant(db, claims, async (tx) => {
      await tx.query(
        'insert into conversations (id, org_id, agent_id, visitor_token_hash) values ($1, $2, $3, $4)',
        [written, tenant.orgId, tenant.agentId, sha256Hex(written)],
      );
      await countTurn(tx, tenant.orgId, { rateLimits: limits });
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    const error = refused as ApiError;
    expect(error.code).toBe('rate_limited');
    expect(error.message).toMatch(/^Too many messages from this address: at most 5 a minute/);
    // 5 hits this minute, none before: room again once a fifth of this minute has slid out of the next one.
    const wait = Number(error.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(12);
    expect(wait).toBeLessThanOrEqual(72);
    expect(await hitsOf(limits[1]!.bucket)).toBe(5);
    expect(await hitsOf(limits[0]!.bucket)).toBeUndefined();
    expect(await db.query('select id from conversations where id = $1', [written])).toEqual([]);

    // With room, both buckets are counted and the turn is kept.
    limits[1]!.limit = 6;
    await withTenant(db, claims, async (tx) => {
      await tx.query(
        'insert into conversations (id, org_id, agent_id, visitor_token_hash) values ($1, $2, $3, $4)',
        [written, tenant.orgId, tenant.agentId, sha256Hex(written)],
      );
      await countTurn(tx, tenant.orgId, { rateLimits: limits });
    });
    expect([await hitsOf(limits[0]!.bucket), await hitsOf(limits[1]!.bucket)]).toEqual([1, 6]);
    expect(await db.query('select id from conversations where id = $1', [written])).toHaveLength(1);
  });
});

describe('concurrent first messages from one address on postgres', () => {
  let db: Database & { url?: string };
  beforeAll(async () => {
    db = await migratedDatabase('postgres');
  });
  afterAll(async () => db?.close());

  it('admits exactly the limit when two function instances (two pools) take them', async () => {
    const tenant = await createTenant(db, 'Crowd', { allowedOrigins: ['*'] });
    await db.query(
      `update agents set rate_limits = '{"visitorPerMinute": 100, "ipPerMinute": 5}' where id = $1`,
      [tenant.agentId],
    );
    const secondDb = createPostgresDatabase(db.url!);
    const address = '198.51.100.23';
    const instances = [db, secondDb].map((d) => createApi(d, {}, { clientAddress: address }));
    try {
      const statuses = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          instances[i % 2]!.as(tenant.publishableKey, { origin: ORIGIN })('POST', '/chat', {
            message: `Question ${i}`,
          }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(11);
    } finally {
      await secondDb.close();
    }
    const [counted] = await db.query<{ hits: number }>('select hits from rate_limits where bucket = $1', [
      `ip:${tenant.agentId}:${address}`,
    ]);
    expect(counted?.hits).toBe(5);
    const [stored] = await db.query<{ n: number }>(
      `select count(*)::int as n from messages m join conversations c on c.id = m.conversation_id
         where c.agent_id = $1 and m.role = 'user' and m.content like 'Question %'`,
      [tenant.agentId],
    );
    expect(stored?.n).toBe(5);
  });
});
