// Signed outbound webhooks end to end: events published by the chat (a visitor's publishable key) and by lead
// writes, delivered by the worker to a receiver on 127.0.0.1 that verifies with the `standardwebhooks` library,
// through 500s, stalls and lost answers; the delivery log, secret rotation with an overlap, giving up and
// disabling, replay, and the address checks. On PGlite and on PostgreSQL.
import type { WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret } from '@closer/contract';
import { upsertLead } from '@closer/functions/_shared/chat/leads.ts';
import { sha256Hex } from '@closer/functions/_shared/crypto.ts';
import { type TenantClaims, withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { publishEvent } from '@closer/functions/_shared/events/publish.ts';
import { leadFromRow } from '@closer/functions/_shared/resources/conversations.ts';
import {
  DELIVERY_LOG_DAYS,
  pruneDeliveryLog,
  runWebhookJobs,
  type WebhookWorkerDeps,
} from '@closer/functions/_shared/webhooks/worker.ts';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { TEST_ENCRYPTION_KEY } from '../helpers/encryptionKey.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver.ts';

const LOCAL = { ALLOW_PRIVATE_WEBHOOKS: 'true', CLOSER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
// Long enough that a loaded machine never times out a prompt answer; only the stalled ones run into it.
const TIMEOUT_MS = 2000;

describe.each(drivers)('signed webhooks on %s', (driver) => {
  let db: Database;
  let api: Api;
  let receiver: WebhookReceiver;
  let tenants = 0;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    api = createApi(db, LOCAL);
  });
  afterAll(async () => {
    await receiver?.close();
    await db?.close();
  });
  beforeEach(async () => {
    await receiver?.close();
    receiver = await startWebhookReceiver();
  });

  const worker = (overrides: Partial<WebhookWorkerDeps> = {}): WebhookWorkerDeps => ({
    db,
    env: LOCAL,
    fetch: globalThis.fetch,
    retrySchedule: [0, 0, 0, 0, 0],
    timeoutMs: TIMEOUT_MS,
    ...overrides,
  });
  /** Runs the worker until nothing is due (the test's schedule retries at once). */
  const drain = async (deps = worker()) => {
    for (let round = 0; round < 30; round++) {
      const report = await runWebhookJobs(deps);
      if (report.delivered + report.retrying + report.failed + report.lost === 0) return;
    }
    throw new Error('the worker never ran out of due deliveries');
  };
  const newTenant = async () => createTenant(db, `Hooks${driver}${++tenants}`);
  const createEndpoint = async (t: TenantFixture, eventTypes: string[], url = receiver.url) => {
    const created = await api.as(t.secretKey)<WebhookEndpointWithSecret>('POST', '/webhooks', {
      url,
      eventTypes,
      description: 'CRM bridge',
    });
    expect(created.status).toBe(201);
    return created.body;
  };
  const serverClaims = (t: TenantFixture): TenantClaims => ({
    role: 'authenticated',
    kind: 'secret',
    org_id: t.orgId,
  });
  const publishLeadUpdated = (t: TenantFixture) =>
    withTenant(db, serverClaims(t), async (tx) => {
      const [row] = await tx.query('select * from public.leads where id = $1', [t.leadId]);
      return publishEvent(tx, { orgId: t.orgId, type: 'lead.updated', data: leadFromRow(row!) });
    });
  const deliveries = async (t: TenantFixture, endpointId: string) => {
    const page = await api.as(t.secretKey)<{ data: WebhookDelivery[] }>(
      'GET',
      `/webhooks/${endpointId}/deliveries?limit=100`,
    );
    expect(page.status).toBe(200);
    return page.body.data;
  };

  it('delivers every event signed, exactly once per webhook-id, through 500s, stalls and lost answers', async () => {
    const t = await newTenant();
    const endpoint = await createEndpoint(t, [
      'conversation.started',
      'message.created',
      'lead.created',
      'lead.updated',
    ]);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    receiver.secrets = [endpoint.secret];
    // The first three requests fail three ways; the third is processed but its answer is lost (502).
    receiver.script = ['fail', 'stall', 'process-then-fail'];

    // A visitor chats through the widget's key (the offline responder answers), then leaves details twice.
    const chat = await api.as(t.publishableKey, {
      origin: `https://${`Hooks${driver}${tenants}`.toLowerCase()}.example`,
    })<{
      conversationId: string;
      visitorToken: string;
    }>('POST', '/chat', { message: 'How much does it cost?' });
    expect(chat.status).toBe(200);
    const visitor: TenantClaims = {
      role: 'authenticated',
      kind: 'publishable',
      org_id: t.orgId,
      agent_id: t.agentId,
      visitor_token_hash: sha256Hex(chat.body.visitorToken),
    };
    const capture = (fields: Record<string, string>) =>
      withTenant(db, visitor, (tx) =>
        upsertLead(tx, {
          orgId: t.orgId,
          agentId: t.agentId,
          conversationId: chat.body.conversationId,
          fields,
          address: null,
        }),
      );
    const lead = await capture({ name: 'Maria Lopez', email: 'maria@example.com' });
    await capture({ phone: '+34 600 123 456' });

    await drain();

    const events = [...receiver.processed.values()];
    expect(events.map((e) => e.type).sort()).toEqual([
      'conversation.started',
      'lead.created',
      'lead.updated',
      'message.created',
      'message.created',
    ]);
    // Every request verified; the three failures were retried with the same id, and the receiver saw one each.
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
    expect(receiver.requests).toHaveLength(events.length + 3);
    expect(new Set(receiver.requests.map((r) => r.id)).size).toBe(events.length);
    for (const request of receiver.requests) {
      expect(request.id).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(request.headers['content-type']).toBe('application/json');
      expect(Number(request.headers['webhook-timestamp'])).toBeGreaterThan(1_700_000_000);
    }
    const byType = (type: string) => events.filter((e) => e.type === type);
    expect(byType('conversation.started')[0]!.data).toMatchObject({
      id: chat.body.conversationId,
      agentId: t.agentId,
      status: 'active',
    });
    expect(byType('message.created').map((e) => [e.data.role, e.data.conversationId])).toEqual(
      expect.arrayContaining([
        ['user', chat.body.conversationId],
        ['assistant', chat.body.conversationId],
      ]),
    );
    const userMessage = byType('message.created').find((e) => e.data.role === 'user')!;
    expect(userMessage.data.content).toBe('How much does it cost?');
    expect(byType('lead.created')[0]!.data).toMatchObject({ id: lead.id, name: 'Maria Lopez', phone: null });
    expect(byType('lead.updated')[0]!.data).toMatchObject({ id: lead.id, phone: '+34 600 123 456' });

    // The delivery log: every delivery succeeded; the failed attempts are there with status, excerpt and reason.
    const log = await deliveries(t, endpoint.id);
    expect(log).toHaveLength(5);
    expect(log.every((d) => d.status === 'succeeded' && d.nextAttemptAt === null)).toBe(true);
    const attempts = log.flatMap((d) => d.recentAttempts);
    expect(attempts).toHaveLength(8);
    const failed = attempts.filter((a) => !a.succeeded);
    expect(failed.map((a) => a.statusCode).sort()).toEqual([500, 502, null]);
    const fiveHundred = failed.find((a) => a.statusCode === 500)!;
    expect(fiveHundred.responseExcerpt).toHaveLength(1000);
    expect(fiveHundred.error).toBe('The endpoint answered HTTP 500');
    expect(failed.find((a) => a.statusCode === null)!.error).toBe(`No answer within ${TIMEOUT_MS} ms`);
    expect(attempts.find((a) => a.succeeded)!.responseExcerpt).toBe('{"ok":true}');
    expect(log.find((d) => d.eventType === 'lead.created')!.payload).toBe(
      receiver.requests.find((r) => r.id === log.find((d) => d.eventType === 'lead.created')!.eventId)!.body,
    );
    const read = await api.as(t.secretKey)<WebhookEndpoint>('GET', `/webhooks/${endpoint.id}`);
    expect(read.body.lastSuccessAt).not.toBeNull();
    expect(read.body).not.toHaveProperty('secret');
  });

  it('sends nothing for events an endpoint did not subscribe to, nor message.created unless listed', async () => {
    const t = await newTenant();
    const endpoint = await createEndpoint(t, ['lead.created']);
    receiver.secrets = [endpoint.secret];
    const chat = await api.as(t.secretKey)('POST', '/chat', { message: 'Hello', agentId: t.agentId });
    expect(chat.status).toBe(200);
    await publishLeadUpdated(t);
    await drain();
    expect(receiver.requests).toEqual([]);
    expect(await deliveries(t, endpoint.id)).toEqual([]);
  });

  it('signs with the old and the new secret during a rotation overlap, then with the new one alone', async () => {
    const t = await newTenant();
    const endpoint = await createEndpoint(t, ['lead.updated']);
    const rotate = (overlapSeconds: number) =>
      api.as(t.secretKey)<WebhookEndpointWithSecret>('POST', `/webhooks/${endpoint.id}/rotate-secret`, {
        overlapSeconds,
      });
    const overlapping = await rotate(3600);
    expect(overlapping.status).toBe(200);
    expect(overlapping.body.secret).not.toBe(endpoint.secret);
    expect(overlapping.body.previousSecretExpiresAt).not.toBeNull();
    receiver.secrets = [overlapping.body.secret];
    await publishLeadUpdated(t);
    await drain();
    const during = receiver.requests.at(-1)!;
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    // A receiver still holding the old secret verifies, and so does one holding the new.
    for (const secret of [endpoint.secret, overlapping.body.secret]) {
      expect(new Webhook(secret).verify(during.body, during.headers)).toMatchObject({ type: 'lead.updated' });
    }

    const immediate = await rotate(0);
    expect(immediate.body.previousSecretExpiresAt).toBeNull();
    receiver.secrets = [immediate.body.secret];
    await publishLeadUpdated(t);
    await drain();
    const after = receiver.requests.at(-1)!;
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(after.verified).toBe(true);
    expect(() => new Webhook(overlapping.body.secret).verify(after.body, after.headers)).toThrow(
      'No matching signature found',
    );
  });

  it('gives up after the schedule, disables the endpoint with the reason, and replays once enabled again', async () => {
    const t = await newTenant();
    const endpoint = await createEndpoint(t, ['lead.updated']);
    receiver.secrets = [endpoint.secret];
    receiver.script = ['fail', 'fail', 'fail'];
    await publishLeadUpdated(t);
    await drain(worker({ retrySchedule: [0, 0] }));
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.processed.size).toBe(0);

    const caller = api.as(t.secretKey);
    const disabled = await caller<WebhookEndpoint>('GET', `/webhooks/${endpoint.id}`);
    expect(disabled.body.enabled).toBe(false);
    expect(disabled.body.disabledReason).toMatch(
      /^Disabled automatically: every attempt failed since .*HTTP 500/,
    );
    const [given] = await deliveries(t, endpoint.id);
    expect(given).toMatchObject({ status: 'failed', attempts: 3, nextAttemptAt: null });
    // Disabled: new events are not queued for it, and a replay is refused.
    expect(await publishLeadUpdated(t)).toBe(0);
    const refused = await caller('POST', `/webhooks/${endpoint.id}/deliveries/${given!.id}/replay`);
    expect(refused.status).toBe(409);

    const enabled = await caller<WebhookEndpoint>('PATCH', `/webhooks/${endpoint.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null });
    const replayed = await caller<WebhookDelivery>(
      'POST',
      `/webhooks/${endpoint.id}/deliveries/${given!.id}/replay`,
    );
    expect(replayed.status).toBe(200);
    expect(replayed.body.status).toBe('pending');
    await drain();
    expect([...receiver.processed.keys()]).toEqual([given!.eventId]);
    const [done] = await deliveries(t, endpoint.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 4 });
  });

  it('refuses http, private and loopback destinations unless ALLOW_PRIVATE_WEBHOOKS=true, after DNS too', async () => {
    const t = await newTenant();
    const production = createApi(db, { CLOSER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    const caller = production.as(t.secretKey);
    for (const url of [
      'http://hooks.example.com/x',
      'https://127.0.0.1/x',
      'https://10.1.2.3/x',
      'https://localhost/x',
    ]) {
      const refused = await caller('POST', '/webhooks', { url, eventTypes: ['lead.updated'] });
      expect(refused.status, url).toBe(422);
    }
    const created = await caller<WebhookEndpointWithSecret>('POST', '/webhooks', {
      url: 'https://hooks.customer.example/closer',
      eventTypes: ['lead.updated'],
    });
    expect(created.status).toBe(201);
    await publishLeadUpdated(t);
    const asked: string[] = [];
    await drain(
      worker({
        env: { CLOSER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY },
        retrySchedule: [],
        resolve: async () => ['127.0.0.1'],
        fetch: async (input) => {
          asked.push(String(input));
          return new Response('never');
        },
      }),
    );
    expect(asked).toEqual([]);
    const [delivery] = await deliveries(t, created.body.id);
    expect(delivery!.status).toBe('failed');
    expect(delivery!.recentAttempts[0]!.error).toMatch(/resolves to a loopback address \(127\.0\.0\.1\)/);
  });

  it("hides endpoints, secrets and the log from a plain member's transaction and from other tenants", async () => {
    const t = await newTenant();
    const other = await newTenant();
    await createEndpoint(t, ['lead.created']);
    const memberId = crypto.randomUUID();
    await db.query('insert into auth.users (id, email) values ($1, $2)', [
      memberId,
      `${memberId}@example.com`,
    ]);
    await db.query(
      `insert into public.organization_members (org_id, user_id, role) values ($1, $2, 'member')`,
      [t.orgId, memberId],
    );
    const count = (claims: TenantClaims, table: string) =>
      withTenant(db, claims, (tx) => tx.query(`select id from public.${table}`)).then((rows) => rows.length);
    const member: TenantClaims = { role: 'authenticated', kind: 'member', org_id: t.orgId, sub: memberId };
    const owner: TenantClaims = { role: 'authenticated', kind: 'member', org_id: t.orgId, sub: t.userId };
    for (const table of ['webhook_endpoints', 'webhook_secrets']) {
      expect(await count(member, table), table).toBe(0);
      expect(await count(owner, table), table).toBe(2); // the fixture's endpoint and this one
    }
    const listed = await api.as(other.secretKey)<{ data: WebhookEndpoint[] }>('GET', '/webhooks');
    expect(listed.body.data.map((e) => e.url)).toEqual(['https://hooks.example.com/closer']);
  });
});

describe('the delivery log', () => {
  it(`keeps ${DELIVERY_LOG_DAYS} days of finished deliveries, and every pending one`, async () => {
    const db = await migratedDatabase('pglite');
    try {
      const t = await createTenant(db, 'Pruned');
      const [endpoint] = await db.query<{ id: string }>(
        'select id from public.webhook_endpoints where org_id = $1',
        [t.orgId],
      );
      const add = (status: string, daysAgo: number) =>
        db.query(
          `insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, body, status, created_at)
           values ($1, $2, $3, 'lead.updated', '{}', $4, now() - make_interval(days => $5))`,
          [t.orgId, endpoint!.id, `msg_${crypto.randomUUID().replaceAll('-', '')}`, status, daysAgo],
        );
      await add('succeeded', 31);
      await add('failed', 45);
      await add('pending', 40);
      await add('succeeded', 29);
      expect(await pruneDeliveryLog(db)).toBe(2);
      const left = await db.query<{ status: string }>(
        `select status from public.webhook_deliveries where org_id = $1 and event_type = 'lead.updated' order by status`,
        [t.orgId],
      );
      expect(left.map((row) => row.status)).toEqual(['pending', 'succeeded']);
      // The fixture's delivery (today) and its attempt stay.
      expect(
        await db.query('select id from public.webhook_attempts where org_id = $1', [t.orgId]),
      ).toHaveLength(1);
    } finally {
      await db.close();
    }
  });
});

describe('erasing a conversation', () => {
  it.each(drivers)('removes the events about it from the delivery log on %s', async (driver) => {
    const db = await migratedDatabase(driver);
    try {
      const t = await createTenant(db, 'Erased');
      const api = createApi(db, LOCAL);
      const created = await api.as(t.secretKey)<WebhookEndpointWithSecret>('POST', '/webhooks', {
        url: 'https://hooks.example.org/closer',
        eventTypes: ['conversation.started', 'message.created', 'lead.updated'],
      });
      expect(created.status).toBe(201);
      const chat = await api.as(t.secretKey)<{ conversationId: string }>('POST', '/chat', {
        message: 'My e-mail is maria@example.com',
        agentId: t.agentId,
      });
      await withTenant(db, { role: 'authenticated', kind: 'secret', org_id: t.orgId }, async (tx) => {
        const [row] = await tx.query('select * from public.leads where id = $1', [t.leadId]);
        await publishEvent(tx, { orgId: t.orgId, type: 'lead.updated', data: leadFromRow(row!) });
      });
      const logged = () =>
        db.query<{ event_type: string; conversation_id: string | null }>(
          'select event_type, conversation_id from public.webhook_deliveries where endpoint_id = $1 order by event_type',
          [created.body.id],
        );
      expect(await logged()).toEqual([
        { event_type: 'conversation.started', conversation_id: chat.body.conversationId },
        { event_type: 'lead.updated', conversation_id: t.conversationId },
        { event_type: 'message.created', conversation_id: chat.body.conversationId },
        { event_type: 'message.created', conversation_id: chat.body.conversationId },
      ]);
      const erased = await api.as(t.secretKey)('POST', '/privacy/erase', {
        conversationId: chat.body.conversationId,
        dryRun: false,
      });
      expect(erased.status).toBe(200);
      expect(await logged()).toEqual([{ event_type: 'lead.updated', conversation_id: t.conversationId }]);
    } finally {
      await db.close();
    }
  });
});
