// A turn the limits refuse spends nothing outside the machine: the question's embedding (a paid call to the
// embedding provider) is asked for only once the turn is admitted — not for a message over a per-minute limit,
// for an unknown conversation, or over the billing allowance.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { type DriverName, drivers, migratedDatabase } from '../helpers/databases.ts';
import { type FakeEmbeddings, startFakeEmbeddings } from '../helpers/fakeEmbeddings.ts';
import { createTenant } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';

describe.each(drivers)('a refused turn and the embedding provider on %s', (driver: DriverName) => {
  let db: Database;
  let embeddings: FakeEmbeddings;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
    embeddings = await startFakeEmbeddings();
  });
  afterAll(async () => {
    await embeddings?.close();
    await db?.close();
  });

  let tenants = 0;
  async function setUp(limits: { visitorPerMinute: number; ipPerMinute: number }) {
    const tenant = await createTenant(db, `Embedded${++tenants}`, { allowedOrigins: ['*'] });
    await db.query(`update agents set rate_limits = $2::jsonb where id = $1`, [
      tenant.agentId,
      JSON.stringify(limits),
    ]);
    const env = { EMBEDDING_BASE_URL: embeddings.baseUrl, EMBEDDING_MODEL: 'remote-v1' };
    const api = createApi(db, env, { clientAddress: `198.51.100.${tenants}` });
    return { tenant, visitor: api.as(tenant.publishableKey, { origin: ORIGIN }) };
  }
  // Calls a refused request may have started reach the stand-in after its answer: give them time to land.
  const settled = () => new Promise((resolve) => setTimeout(resolve, 300));
  const question = (i: number) => ({ message: `How long is the warranty on inverter model ${i}?` });

  it('asks for no embedding for messages over the per-address limit', async () => {
    const { visitor } = await setUp({ visitorPerMinute: 100, ipPerMinute: 2 });
    const before = embeddings.calls.length;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await visitor('POST', '/chat', question(i))).status);
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429, 429, 429]);
    await settled();
    expect(embeddings.calls.length - before).toBe(2);
  });

  it('asks for no embedding for messages over the per-conversation limit, nor for an unknown conversation', async () => {
    const { visitor } = await setUp({ visitorPerMinute: 1, ipPerMinute: 100 });
    const before = embeddings.calls.length;
    const first = await visitor<{ conversationId: string; visitorToken: string }>(
      'POST',
      '/chat',
      question(0),
    );
    expect(first.status).toBe(200);
    const { conversationId, visitorToken } = first.body;
    const again = await visitor(
      'POST',
      '/chat',
      { ...question(1), conversationId },
      {
        'x-visitor-token': visitorToken,
      },
    );
    expect(again.status).toBe(429);
    const unknown = await visitor('POST', '/chat', { ...question(2), conversationId: crypto.randomUUID() });
    expect(unknown.status).toBe(404);
    await settled();
    expect(embeddings.calls.length - before).toBe(1);
  });
});
