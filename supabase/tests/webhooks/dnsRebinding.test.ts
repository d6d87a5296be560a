// DNS rebinding against signed webhooks: an endpoint whose name resolves to a public address when the delivery
// is checked and to 127.0.0.1 when it connects. The process's webhook fetch (packages/server: pinned to checked
// addresses; Deno: re-checked before each request) refuses the second answer, and the crawl's flag
// (ALLOW_PRIVATE_CRAWL) does not open webhooks to private addresses.
import { createServer, type Server, type Socket } from 'node:net';
import type { WebhookDelivery, WebhookEndpointWithSecret } from '@closer/contract';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { publishEvent } from '@closer/functions/_shared/events/publish.ts';
import { recheckedFetch } from '@closer/functions/_shared/knowledge/web/recheckedFetch.ts';
import { leadFromRow } from '@closer/functions/_shared/resources/conversations.ts';
import { PRIVATE_WEBHOOKS_FLAG } from '@closer/functions/_shared/webhooks/destination.ts';
import { runWebhookJobs } from '@closer/functions/_shared/webhooks/worker.ts';
import { outboundFetches } from '@closer/server/src/crawlFetch.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { TEST_ENCRYPTION_KEY } from '../helpers/encryptionKey.ts';
import { rebindingResolver } from '../helpers/rebindingDns.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

// The crawl may reach private addresses here (local development); webhooks may not.
const ENV = { CLOSER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ALLOW_PRIVATE_CRAWL: 'true' };

let db: Database;
let api: Api;
let listener: Server;
let port: number;
/** Connections this machine's listener accepted: none may come from a refused delivery. */
const connections: Socket[] = [];

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  api = createApi(db, ENV);
  listener = createServer((socket) => {
    connections.push(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener?.close(() => resolve()));
  await db?.close();
});

async function queuedDelivery(t: TenantFixture, host: string) {
  const created = await api.as(t.secretKey)<WebhookEndpointWithSecret>('POST', '/webhooks', {
    url: `https://${host}:${port}/closer`,
    eventTypes: ['lead.updated'],
  });
  expect(created.status).toBe(201);
  await withTenant(db, { role: 'authenticated', kind: 'secret', org_id: t.orgId }, async (tx) => {
    const [row] = await tx.query('select * from public.leads where id = $1', [t.leadId]);
    await publishEvent(tx, { orgId: t.orgId, type: 'lead.updated', data: leadFromRow(row!) });
  });
  return created.body.id;
}

async function lastAttemptError(t: TenantFixture, endpointId: string) {
  const page = await api.as(t.secretKey)<{ data: WebhookDelivery[] }>(
    'GET',
    `/webhooks/${endpointId}/deliveries`,
  );
  return page.body.data[0]!.recentAttempts[0]!.error;
}

it("Node: the server's webhook fetch connects only to the address it checked, whatever the crawl's flag", async () => {
  const t = await createTenant(db, 'Acme');
  const endpointId = await queuedDelivery(t, 'rebind.test');
  const dns = rebindingResolver();
  const report = await runWebhookJobs({
    db,
    env: ENV,
    fetch: outboundFetches(ENV, dns.resolve).webhooks,
    resolve: dns.resolve,
    retrySchedule: [],
  });
  expect(report).toMatchObject({ delivered: 0, failed: 1 });
  // The check passed on the public answer; the connection looked up again, got 127.0.0.1, and was not made.
  expect(dns.asked).toEqual(['rebind.test', 'rebind.test']);
  expect(connections).toEqual([]);
  expect(await lastAttemptError(t, endpointId)).toMatch(
    new RegExp(`resolves to a loopback address \\(127\\.0\\.0\\.1\\).*${PRIVATE_WEBHOOKS_FLAG}=true`),
  );
});

it('Deno: the re-check just before the request sees the rebound answer and sends nothing', async () => {
  const t = await createTenant(db, 'Globex');
  const endpointId = await queuedDelivery(t, 'rebind-deno.test');
  const dns = rebindingResolver();
  const sent: string[] = [];
  const underlying: typeof fetch = async (input) => {
    sent.push(String(input));
    return new Response('never');
  };
  await runWebhookJobs({
    db,
    env: ENV,
    fetch: recheckedFetch(underlying, {
      recheck: dns.resolve,
      allowPrivate: false,
      flag: PRIVATE_WEBHOOKS_FLAG,
    }),
    resolve: dns.resolve,
    retrySchedule: [],
  });
  expect(sent).toEqual([]);
  expect(await lastAttemptError(t, endpointId)).toMatch(/rebind-deno\.test resolves to a loopback address/);
});
