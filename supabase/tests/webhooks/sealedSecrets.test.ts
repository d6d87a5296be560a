// Webhook signing secrets sealed at rest under CLOSER_ENCRYPTION_KEY: the table never holds a usable secret,
// the worker opens them to sign (receivers verify with the `standardwebhooks` library, during a rotation's
// overlap with either secret), a sealed row moved to another endpoint does not open, and a missing or changed
// key is a clear answer and a clear delivery log, never a 500. On PGlite and on PostgreSQL.
import type { WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret } from '@closer/contract';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { publishEvent } from '@closer/functions/_shared/events/publish.ts';
import { leadFromRow } from '@closer/functions/_shared/resources/conversations.ts';
import {
  openSigningSecrets,
  sealedSigningSecrets,
} from '@closer/functions/_shared/webhooks/sealedSecrets.ts';
import { runWebhookJobs, type WebhookWorkerDeps } from '@closer/functions/_shared/webhooks/worker.ts';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { TEST_ENCRYPTION_KEY, TEST_SEALING_KEYS } from '../helpers/encryptionKey.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver.ts';

const ENV = { ALLOW_PRIVATE_WEBHOOKS: 'true', CLOSER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
const OTHER_KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(9)));

describe.each(drivers)('sealed webhook signing secrets on %s', (driver) => {
  let db: Database;
  let api: Api;
  let receiver: WebhookReceiver;
  let tenants = 0;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    api = createApi(db, ENV);
  });
  afterAll(async () => {
    await receiver?.close();
    await db?.close();
  });
  beforeEach(async () => {
    await receiver?.close();
    receiver = await startWebhookReceiver();
  });

  const worker = (env: Record<string, string> = ENV): WebhookWorkerDeps => ({
    db,
    env,
    fetch: globalThis.fetch,
    retrySchedule: [0, 0],
    timeoutMs: 5000,
  });
  const drain = async (deps = worker()) => {
    for (let round = 0; round < 20; round++) {
      const report = await runWebhookJobs(deps);
      if (report.delivered + report.retrying + report.failed + report.lost === 0) return;
    }
    throw new Error('the worker never ran out of due deliveries');
  };
  const newTenant = () => createTenant(db, `Sealed${driver}${++tenants}`);
  const createEndpoint = async (t: TenantFixture, caller = api) => {
    const created = await caller.as(t.secretKey)<WebhookEndpointWithSecret>('POST', '/webhooks', {
      url: receiver.url,
      eventTypes: ['lead.updated'],
    });
    expect(created.status).toBe(201);
    return created.body;
  };
  const publishLeadUpdated = (t: TenantFixture) =>
    withTenant(db, { role: 'authenticated', kind: 'secret', org_id: t.orgId }, async (tx) => {
      const [row] = await tx.query('select * from public.leads where id = $1', [t.leadId]);
      return publishEvent(tx, { orgId: t.orgId, type: 'lead.updated', data: leadFromRow(row!) });
    });
  const storedRows = (endpointId: string) =>
    db.query<{ id: string; row: string; secret_enc: string }>(
      'select s.id, s::text as row, s.secret_enc from public.webhook_secrets s where endpoint_id = $1',
      [endpointId],
    );
  const deliveries = async (t: TenantFixture, endpointId: string) =>
    (
      await api
        .as(t.secretKey)<{ data: WebhookDelivery[] }>('GET', `/webhooks/${endpointId}/deliveries`)
        .then((page) => page.body)
    ).data;

  it('stores only the sealed form, and a receiver still verifies each delivery with standardwebhooks', async () => {
    const t = await newTenant();
    const endpoint = await createEndpoint(t);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const [stored, ...more] = await storedRows(endpoint.id);
    expect(more).toEqual([]);
    expect(stored!.secret_enc).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{88}$/);
    expect(stored!.row).not.toContain('whsec_');
    expect(stored!.row).not.toContain(endpoint.secret.slice('whsec_'.length, 30));
    const everywhere = await db.query<{ n: number }>(
      `select count(*)::int as n from public.webhook_secrets s where s::text like '%whsec\\_%'`,
    );
    expect(everywhere[0]!.n).toBe(0);
    // With the key, bound to its own endpoint and row, it opens to the secret shown once.
    const opened = await openSigningSecrets(TEST_SEALING_KEYS, endpoint.id, [
      { id: stored!.id, sealed: stored!.secret_enc },
    ]);
    expect(opened).toEqual({ secrets: [endpoint.secret], unopened: [] });

    receiver.secrets = [endpoint.secret];
    await publishLeadUpdated(t);
    await drain();
    expect(receiver.requests.map((r) => r.verified)).toEqual([true]);
    const [request] = receiver.requests;
    expect(new Webhook(endpoint.secret).verify(request!.body, request!.headers)).toMatchObject({
      type: 'lead.updated',
      data: { id: t.leadId },
    });
  });

  it('signs with both sealed secrets during a rotation overlap', async () => {
    const t = await newTenant();
    const endpoint = await createEndpoint(t);
    const rotated = await api
      .as(t.secretKey)<WebhookEndpointWithSecret>('POST', `/webhooks/${endpoint.id}/rotate-secret`, {
        overlapSeconds: 3600,
      })
      .then((r) => r.body);
    expect(rotated.secret).toMatch(/^whsec_/);
    const rows = await storedRows(endpoint.id);
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => !row.row.includes('whsec_'))).toBe(true);

    receiver.secrets = [rotated.secret];
    await publishLeadUpdated(t);
    await drain();
    const request = receiver.requests.at(-1)!;
    expect(request.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.secret]) {
      expect(new Webhook(secret).verify(request.body, request.headers)).toMatchObject({
        type: 'lead.updated',
      });
    }
  });

  it('does not open a sealed row copied to another endpoint: it neither signs nor disables the endpoint', async () => {
    const t = await newTenant();
    const source = await createEndpoint(t);
    const target = await createEndpoint(t);
    const [copied] = await storedRows(source.id);
    // The copy sits beside the target's own current secret, as one still in its overlap.
    await db.query(
      `insert into public.webhook_secrets (org_id, endpoint_id, secret_enc, expires_at)
       values ($1, $2, $3, now() + interval '1 hour')`,
      [t.orgId, target.id, copied!.secret_enc],
    );
    receiver.secrets = [source.secret, target.secret];
    await publishLeadUpdated(t);
    await drain();
    // Each endpoint got the event; the target's request is the one its own secret verifies.
    const verifiesWith = (secret: string) => (r: { body: string; headers: Record<string, string> }) => {
      try {
        new Webhook(secret).verify(r.body, r.headers);
        return true;
      } catch {
        return false;
      }
    };
    expect(receiver.requests.map((r) => r.verified)).toEqual([true, true]);
    const toTarget = receiver.requests.filter(verifiesWith(target.secret));
    expect(toTarget).toHaveLength(1);
    expect(toTarget[0]!.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(() => new Webhook(source.secret).verify(toTarget[0]!.body, toTarget[0]!.headers)).toThrow(
      'No matching signature found',
    );

    // With only the copy left, nothing can sign: nothing is sent, the log says why, the endpoint stays on.
    await db.query('delete from public.webhook_secrets where endpoint_id = $1 and secret_enc <> $2', [
      target.id,
      copied!.secret_enc,
    ]);
    await db.query('update public.webhook_secrets set expires_at = null where endpoint_id = $1', [target.id]);
    const sent = receiver.requests.length;
    await publishLeadUpdated(t);
    await drain();
    expect(receiver.requests.length - sent).toBe(1); // the source's delivery only
    const [latest] = await deliveries(t, target.id);
    expect(latest).toMatchObject({ status: 'failed', attempts: 3 });
    expect(latest!.recentAttempts[0]!.error).toMatch(/does not decrypt with CLOSER_ENCRYPTION_KEY/);
    expect(latest!.recentAttempts[0]!.statusCode).toBeNull();
    const read = await api.as(t.secretKey)<WebhookEndpoint>('GET', `/webhooks/${target.id}`);
    expect(read.body).toMatchObject({ enabled: true, disabledReason: null });
  });

  it('answers 503 naming CLOSER_ENCRYPTION_KEY when it is unset, and the worker waits without sending', async () => {
    const t = await newTenant();
    const keyless = createApi(db, { ALLOW_PRIVATE_WEBHOOKS: 'true' });
    const refused = await keyless.as(t.secretKey)<{ error: { code: string; message: string } }>(
      'POST',
      '/webhooks',
      { url: receiver.url, eventTypes: ['lead.updated'] },
    );
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({
      code: 'unavailable',
      message:
        'Webhook signing secrets are encrypted at rest: set CLOSER_ENCRYPTION_KEY (openssl rand -base64 32)',
    });
    const malformed = await createApi(db, { ...ENV, CLOSER_ENCRYPTION_KEY: 'c2hvcnQ=' }).as(t.secretKey)<{
      error: { message: string };
    }>('POST', '/webhooks', {
      url: receiver.url,
      eventTypes: ['lead.updated'],
    });
    expect(malformed.status).toBe(503);
    expect(malformed.body.error.message).toBe('CLOSER_ENCRYPTION_KEY must be 32 bytes of base64, not 5');
    // The fixture's endpoint is the only one: nothing was created half-way.
    const endpoints = await api.as(t.secretKey)<{ data: WebhookEndpoint[] }>('GET', '/webhooks');
    expect(endpoints.body.data).toHaveLength(1);

    const endpoint = await createEndpoint(t);
    const rotation = await keyless.as(t.secretKey)('POST', `/webhooks/${endpoint.id}/rotate-secret`, {});
    expect(rotation.status).toBe(503);
    expect(await storedRows(endpoint.id)).toHaveLength(1);

    receiver.secrets = [endpoint.secret];
    await publishLeadUpdated(t);
    const report = await runWebhookJobs({
      ...worker({ ALLOW_PRIVATE_WEBHOOKS: 'true' }),
      retrySchedule: [60],
    });
    expect(report).toMatchObject({ delivered: 0, retrying: 1 });
    expect(receiver.requests).toEqual([]);
    const [waiting] = await deliveries(t, endpoint.id);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(waiting!.recentAttempts[0]!.error).toMatch(/CLOSER_ENCRYPTION_KEY is not set/);
  });

  it('with a changed key, sends nothing and says so; the endpoint stays on', async () => {
    const t = await newTenant();
    const endpoint = await createEndpoint(t);
    await publishLeadUpdated(t);
    await drain(worker({ ...ENV, CLOSER_ENCRYPTION_KEY: OTHER_KEY }));
    expect(receiver.requests).toEqual([]);
    const [failed] = await deliveries(t, endpoint.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed!.recentAttempts[0]!.error).toMatch(/was the key changed\?/);
    const sealed = await withTenant(db, { role: 'authenticated', org_id: t.orgId }, (tx) =>
      sealedSigningSecrets(tx, endpoint.id),
    );
    expect(await openSigningSecrets(TEST_SEALING_KEYS, endpoint.id, sealed)).toEqual({
      secrets: [endpoint.secret],
      unopened: [],
    });
    const read = await api.as(t.secretKey)<WebhookEndpoint>('GET', `/webhooks/${endpoint.id}`);
    expect(read.body.enabled).toBe(true);
  });
});
