// Two webhook workers, each with its own pool of connections to one PostgreSQL database, running at once over
// the same queue of deliveries, with a receiver that fails some and answers others slowly: each event is
// processed once by the receiver, and no delivery is sent by both workers at the same time (the outbox lease).
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { publishEvent } from '@closer/functions/_shared/events/publish.ts';
import { leadFromRow } from '@closer/functions/_shared/resources/conversations.ts';
import { runWebhookJobs } from '@closer/functions/_shared/webhooks/worker.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { TEST_ENCRYPTION_KEY } from '../helpers/encryptionKey.ts';
import { createTenant } from '../helpers/tenants.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver.ts';

const ENV = { ALLOW_PRIVATE_WEBHOOKS: 'true', CLOSER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
const EVENTS = 40;
let db: Database & { url?: string };
let pools: Database[];
let receiver: WebhookReceiver;

beforeAll(async () => {
  db = await migratedDatabase('postgres');
  pools = [createPostgresDatabase(db.url!), createPostgresDatabase(db.url!)];
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
  for (const pool of pools ?? []) await pool.close();
  await db?.close();
});

it('delivers every event once from the receiver’s side, with two workers on two pools at once', async () => {
  const t = await createTenant(db, 'Twin');
  const created = await createApi(db, ENV).as(t.secretKey)<{ id: string; secret: string }>(
    'POST',
    '/webhooks',
    {
      url: receiver.url,
      eventTypes: ['lead.updated'],
    },
  );
  receiver.secrets = [created.body.secret];
  // Every fifth request fails, one in seven stalls past the timeout: retries overlap the other worker's sends.
  receiver.script = Array.from({ length: EVENTS * 2 }, (_, i) =>
    i % 5 === 0 ? 'fail' : i % 7 === 0 ? 'stall' : 'ok',
  );
  for (let n = 0; n < EVENTS; n++) {
    await withTenant(db, { role: 'authenticated', org_id: t.orgId }, async (tx) => {
      const [row] = await tx.query('select * from public.leads where id = $1', [t.leadId]);
      await publishEvent(tx, { orgId: t.orgId, type: 'lead.updated', data: leadFromRow(row!) });
    });
  }
  const inFlight = new Set<string>();
  let overlapped = 0;
  const trackingFetch: typeof fetch = async (input, init) => {
    const id = new Headers(init?.headers).get('webhook-id')!;
    if (inFlight.has(id)) overlapped++;
    inFlight.add(id);
    try {
      return await fetch(input, init);
    } finally {
      inFlight.delete(id);
    }
  };
  const loop = async (pool: Database) => {
    for (let round = 0; round < 60; round++) {
      const report = await runWebhookJobs(
        { db: pool, env: ENV, fetch: trackingFetch, retrySchedule: [0, 0, 0, 0, 0], timeoutMs: 1000 },
        { maxDeliveries: 5 },
      );
      if (report.delivered + report.retrying + report.failed + report.lost === 0) {
        const [due] = await pool.query<{ n: number }>(
          `select count(*)::int as n from public.jobs where kind = 'webhooks.deliver' and status in ('pending', 'running')`,
        );
        if (due!.n === 0) return;
      }
    }
  };
  await Promise.all(pools.map(loop));

  expect(receiver.processed.size).toBe(EVENTS);
  expect(overlapped).toBe(0);
  expect(receiver.requests.every((r) => r.verified)).toBe(true);
  const statuses = await db.query<{ status: string; n: number }>(
    `select status, count(*)::int as n from public.webhook_deliveries where org_id = $1 and event_type = 'lead.updated'
     group by status`,
    [t.orgId],
  );
  expect(statuses).toEqual([{ status: 'succeeded', n: EVENTS }]);
  // Each failed or stalled request was followed by exactly one more attempt for its event.
  const [attempts] = await db.query<{ n: number }>(
    `select count(*)::int as n from public.webhook_attempts a join public.webhook_deliveries d on d.id = a.delivery_id
     where d.org_id = $1 and d.event_type = 'lead.updated'`,
    [t.orgId],
  );
  expect(attempts!.n).toBe(receiver.requests.length);
});
