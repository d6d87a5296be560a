// The per-minute limits judge a sliding minute: the previous minute's hits still count for the part of it the
// last 60 s cover, so a visitor cannot send the whole limit at 12:00:59 and again at 12:01:00.

import { secondsUntilRoom, slidingHits } from '@closer/functions/_shared/chat/rateLimit.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
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
