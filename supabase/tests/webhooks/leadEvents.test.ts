// Lead events from the places leads change: a visitor's form (lead.created, then lead.updated on a correction),
// the Kommo sync (lead.crm_synced, lead.crm_failed), each queued for the organisation's subscribed endpoint in
// the transaction of the change, with the lead as the API answers it.
import type { ChatReply, KommoConnection, Lead } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { runKommoJobs } from '@closer/functions/_shared/kommo/leadSync.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Api } from '../helpers/api.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { connectKommo, type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

const ENV = { ...KOMMO_ENV, KOMMO_CONFIRM_WINDOW_MS: '0' };
let harness: KommoHarness;
let kommo: FakeKommo;
let db: Database;
let api: Api;
let a: TenantFixture;

beforeAll(async () => {
  harness = await startKommoHarness('pglite', ENV);
  ({ db, api } = harness);
});
beforeEach(async () => {
  ({ kommo, org: a } = await harness.freshOrg({ allowedOrigins: ['*'] }));
  await connectKommo(api, a.secretKey);
  await api.as(a.secretKey)('POST', '/kommo/sync');
  await api.as(a.secretKey)('POST', '/kommo', { pipelineId: 3177727, statusId: 32392159 });
  // An endpoint for every lead event (public https: the deliveries are only queued here).
  const created = await api.as(a.secretKey)('POST', '/webhooks', {
    url: 'https://hooks.crm.example/closer',
    eventTypes: ['lead.created', 'lead.updated', 'lead.crm_synced', 'lead.crm_failed'],
  });
  expect(created.status).toBe(201);
});
afterAll(async () => harness?.close());

const queued = async () =>
  (
    await db.query<{ event_type: string; body: string }>(
      `select d.event_type, d.body from webhook_deliveries d
       join webhook_endpoints e on e.id = d.endpoint_id
       where d.org_id = $1 and e.enabled order by d.created_at, d.id`,
      [a.orgId],
    )
  ).map((row) => ({ type: row.event_type, event: JSON.parse(row.body) as { type: string; data: Lead } }));

async function captureLead(fields: Record<string, string>) {
  const visitor = api.as(a.publishableKey, { origin: 'https://shop.example' });
  const chat = await visitor<ChatReply>('POST', '/chat', { message: 'A quote for a 7 kW system, please' });
  const submit = (submitted: Record<string, string>) =>
    visitor<Lead>(
      'POST',
      '/chat/lead',
      { conversationId: chat.body.conversationId, fields: submitted },
      { 'x-visitor-token': chat.body.visitorToken! },
    );
  const lead = await submit(fields);
  expect(lead.status).toBe(201);
  return { lead: lead.body, submit };
}

const worker = () =>
  runKommoJobs({ db, env: ENV, fetch: (input, init) => fetch(input, init), delayScale: 0 });

describe('lead events', () => {
  it('publishes lead.created from the form, lead.updated on a correction, lead.crm_synced after Kommo', async () => {
    const { lead, submit } = await captureLead({ name: 'Ann Lee', email: 'ann@example.com' });
    expect((await submit({ name: 'Ann Lee', phone: '+34 600 123 456' })).status).toBe(201);
    await worker();
    const events = await queued();
    expect(events.map((e) => e.type)).toEqual(['lead.created', 'lead.updated', 'lead.crm_synced']);
    for (const { type, event } of events) {
      expect(event.type).toBe(type);
      expect(event.data.id).toBe(lead.id);
    }
    expect(events[0]!.event.data).toMatchObject({ name: 'Ann Lee', phone: null, crm: { state: 'pending' } });
    expect(events[1]!.event.data).toMatchObject({ phone: '+34 600 123 456' });
    expect(events[2]!.event.data.crm).toMatchObject({
      state: 'synced',
      externalId: String(kommo.leads[0]!.id),
      error: null,
    });
  });

  it('publishes lead.updated when Kommo moves the lead to another stage', async () => {
    const { lead } = await captureLead({ name: 'Ann Lee', email: 'ann@example.com' });
    await worker();
    const connection = (await api.as(a.secretKey)<KommoConnection>('GET', '/kommo')).body;
    const at = 'leads[status][0]';
    const moved = await api.fetch(new URL(connection.webhookUrl!).pathname.replace('/functions/v1', ''), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        [`${at}[id]`, String(kommo.leads[0]!.id)],
        [`${at}[status_id]`, '142'],
        [`${at}[old_status_id]`, '32392159'],
        [`${at}[pipeline_id]`, '3177727'],
        [`${at}[last_modified]`, String(Math.floor(Date.now() / 1000))],
        ['account[id]', '28805383'],
      ]).toString(),
    });
    expect(moved.status).toBe(200);
    const updated = (await queued()).filter((e) => e.type === 'lead.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]!.event.data).toMatchObject({
      id: lead.id,
      status: 'won',
      crm: { stage: { pipelineId: 3177727, statusId: 142 } },
    });
  });

  it('publishes lead.crm_failed with the reason when Kommo refuses the lead', async () => {
    kommo.createFailures.push('400');
    await captureLead({ name: 'Bo Chen', phone: '+1 555 0100' });
    await worker();
    const failed = (await queued()).filter((e) => e.type === 'lead.crm_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.event.data.crm.state).toBe('failed');
    expect(failed[0]!.event.data.crm.error).toContain('Kommo answered 400');
  });
});
