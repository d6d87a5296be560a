// Kommo's webhooks: subscribed at connect, deliveries in Kommo's form encoding move linked leads between
// stages (won, lost, any stage), repeats and late arrivals change nothing, and bad calls get 404/400, never 500.
import type { KommoConnection, Lead } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Api } from '../helpers/api.ts';
import type { FakeKommo } from '../helpers/fakeKommo.ts';
import { connectKommo, type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let harness: KommoHarness;
let kommo: FakeKommo;
let db: Database;
let api: Api;
let a: TenantFixture;

beforeAll(async () => {
  harness = await startKommoHarness('pglite');
  ({ db, api } = harness);
});
beforeEach(async () => {
  ({ kommo, org: a } = await harness.freshOrg());
});
afterAll(async () => harness?.close());

async function connect() {
  const page = await connectKommo(api, a.secretKey);
  await api.as(a.secretKey)('POST', '/kommo/sync');
  const connection = (await api.as(a.secretKey)<KommoConnection>('GET', '/kommo')).body;
  return { connection, page: await page.text(), path: new URL(connection.webhookUrl!).pathname };
}

/** A lead Closer already sent to Kommo, as the worker leaves it. */
async function syncedLead(kommoId: number): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    `insert into leads (org_id, agent_id, name, crm_provider, crm_state, crm_external_id, crm_synced_at)
     values ($1, $2, 'Ann Lee', 'kommo', 'synced', $3, now()) returning id`,
    [a.orgId, a.agentId, String(kommoId)],
  );
  return row!.id;
}

const readLead = async (id: string) => (await api.as(a.secretKey)<Lead>('GET', `/leads/${id}`)).body;

/** Posts as Kommo does: form-encoded, bracketed keys, every value a string. */
function deliver(path: string, body: string | [string, string][], contentType?: string) {
  const encoded = typeof body === 'string' ? body : new URLSearchParams(body).toString();
  return api.fetch(path.replace('/functions/v1', ''), {
    method: 'POST',
    headers: {
      'content-type': contentType ?? 'application/x-www-form-urlencoded',
      'user-agent': 'amoCRM-Webhooks/3.0',
    },
    body: encoded,
  });
}

/** A stage change the way Kommo sends it, custom fields (nested arrays) and account included. */
function statusChange(
  kommoId: number,
  statusId: number,
  lastModified: number,
  index = 0,
): [string, string][] {
  const at = `leads[status][${index}]`;
  return [
    [`${at}[id]`, String(kommoId)],
    [`${at}[name]`, 'Ann Lee — Closer #1a2b3c4d'],
    [`${at}[status_id]`, String(statusId)],
    [`${at}[old_status_id]`, '32392159'],
    [`${at}[price]`, '0'],
    [`${at}[responsible_user_id]`, '504141'],
    [`${at}[last_modified]`, String(lastModified)],
    [`${at}[modified_user_id]`, '504141'],
    [`${at}[created_user_id]`, '0'],
    [`${at}[date_create]`, '1764000000'],
    [`${at}[pipeline_id]`, '3177727'],
    [`${at}[account_id]`, '28805383'],
    [`${at}[custom_fields][0][id]`, '1119321'],
    [`${at}[custom_fields][0][name]`, 'Source'],
    [`${at}[custom_fields][0][values][0][value]`, 'Website chat'],
    [`${at}[created_at]`, '1764000000'],
    [`${at}[updated_at]`, String(lastModified)],
  ];
}
const account: [string, string][] = [
  ['account[subdomain]', 'acme'],
  ['account[id]', '28805383'],
  ['account[_links][self]', 'https://acme.kommo.com'],
];

describe('webhook subscription', () => {
  it('gives the connection a secret URL and subscribes it in Kommo for stage changes and deletions', async () => {
    const { connection, path } = await connect();
    expect(connection).toMatchObject({ status: 'connected', webhookRegistered: true });
    expect(connection.webhookUrl).toMatch(
      /^https:\/\/demo-project\.supabase\.co\/functions\/v1\/kommo\/webhooks\/whk_[A-Za-z0-9_-]{32}$/,
    );
    expect(kommo.webhooks).toEqual([
      { destination: connection.webhookUrl, settings: ['status_lead', 'delete_lead'] },
    ]);
    expect(path).toMatch(/^\/functions\/v1\/kommo\/webhooks\//);
    // The secret is stored hashed and sealed, never in plain text.
    const [row] = await db.query<Record<string, string>>(
      'select webhook_token_hash, webhook_token_enc from kommo_connections where org_id = $1',
      [a.orgId],
    );
    const token = connection.webhookUrl!.split('/').pop()!;
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('keeps the same URL when the account is authorised again', async () => {
    const first = await connect();
    const second = await connect();
    expect(second.connection.webhookUrl).toBe(first.connection.webhookUrl);
    expect(kommo.webhooks).toHaveLength(1);
  });

  it('stays connected and says what to do when Kommo refuses the subscription', async () => {
    kommo.refuseWebhooks = true;
    const { connection, page } = await connect();
    expect(connection).toMatchObject({ status: 'connected', webhookRegistered: false });
    expect(connection.webhookUrl).toContain('/kommo/webhooks/whk_');
    expect(page).toContain('add the webhook URL');
    expect(kommo.webhooks).toEqual([]);
  });

  it('unsubscribes and forgets the secret at disconnect: the old URL answers 404', async () => {
    const { path } = await connect();
    expect((await api.as(a.secretKey)('DELETE', '/kommo')).status).toBe(204);
    expect(kommo.webhooks).toEqual([]);
    expect(kommo.apiCalls).toContain('DELETE /api/v4/webhooks');
    const late = await deliver(path, [...statusChange(19000001, 142, 1764001000), ...account]);
    expect(late.status).toBe(404);
    expect((await api.as(a.secretKey)<KommoConnection>('GET', '/kommo')).body.webhookUrl).toBeNull();
  });
});

describe('webhook deliveries', () => {
  it('moves a linked lead to the stage Kommo reports: won, lost or any stage by name', async () => {
    const { path } = await connect();
    const lead = await syncedLead(19000001);
    const moved = await deliver(path, [...statusChange(19000001, 32392159, 1764001000), ...account]);
    expect(moved.status).toBe(200);
    expect(await moved.json()).toEqual({ received: true, duplicate: false, moved: 1, deleted: 0 });
    expect(await readLead(lead)).toMatchObject({
      status: 'in_progress',
      crm: { stage: { pipelineId: 3177727, statusId: 32392159, name: 'Initial contact' } },
    });
    await deliver(path, [...statusChange(19000001, 142, 1764002000), ...account]);
    expect(await readLead(lead)).toMatchObject({
      status: 'won',
      crm: { state: 'synced', stage: { statusId: 142, name: 'Closed - won' } },
    });
    await deliver(path, [...statusChange(19000001, 143, 1764003000), ...account]);
    expect((await readLead(lead)).status).toBe('lost');
  });

  it('reads Kommo raw bodies, percent-encoded brackets and all', async () => {
    const { path } = await connect();
    const lead = await syncedLead(19000007);
    const raw =
      'leads%5Bstatus%5D%5B0%5D%5Bid%5D=19000007&leads%5Bstatus%5D%5B0%5D%5Bname%5D=Some+lead' +
      '&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D=142&leads%5Bstatus%5D%5B0%5D%5Bold_status_id%5D=32392156' +
      '&leads%5Bstatus%5D%5B0%5D%5Bpipeline_id%5D=3177727&leads%5Bstatus%5D%5B0%5D%5Blast_modified%5D=1764001000' +
      '&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bvalues%5D%5B0%5D%5Bvalue%5D=some+text' +
      '&account%5Bsubdomain%5D=acme';
    expect((await deliver(path, raw)).status).toBe(200);
    expect((await readLead(lead)).status).toBe('won');
  });

  it('applies a batch of many changes at once (more than 20 items)', async () => {
    const { path } = await connect();
    const ids = Array.from({ length: 30 }, (_, i) => 19100000 + i);
    const leads = await Promise.all(ids.map(syncedLead));
    const body = ids.flatMap((id, i) => statusChange(id, i % 2 ? 142 : 143, 1764001000, i));
    const response = await deliver(path, [...body, ...account]);
    expect(await response.json()).toMatchObject({ moved: 30 });
    const statuses = await Promise.all(leads.map(async (id) => (await readLead(id)).status));
    expect(statuses).toEqual(ids.map((_, i) => (i % 2 ? 'won' : 'lost')));
  });

  it('applies a delivery of more than 1,000 changes, and refuses one too big to read with 413', async () => {
    const { path } = await connect();
    const ids = Array.from({ length: 1200 }, (_, i) => 19200000 + i);
    const leads = await Promise.all(ids.slice(-3).map(syncedLead));
    const body = ids.flatMap((id, i) => statusChange(id, 142, 1764001000, i));
    const response = await deliver(path, [...body, ...account]);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ moved: 3 });
    expect(await Promise.all(leads.map(async (id) => (await readLead(id)).status))).toEqual([
      'won',
      'won',
      'won',
    ]);
    const huge = Array.from({ length: 3000 }, (_, i) => 19300000 + i).flatMap((id, i) =>
      statusChange(id, 142, 1764001000, i),
    );
    const refused = await deliver(path, [...huge, ...account]);
    expect(refused.status).toBe(413);
  });

  it('changes nothing for a repeated delivery or one older than what the lead shows', async () => {
    const { path } = await connect();
    const lead = await syncedLead(19000002);
    const won = [...statusChange(19000002, 142, 1764005000), ...account];
    expect(await (await deliver(path, won)).json()).toMatchObject({ duplicate: false, moved: 1 });
    expect(await (await deliver(path, won)).json()).toMatchObject({ duplicate: true, moved: 0 });
    const [events] = await db.query<{ n: number }>(
      'select count(*)::int as n from webhook_events where org_id = $1',
      [a.orgId],
    );
    expect(events?.n).toBe(1);
    // Kommo retried an earlier change after the later one arrived: it must not undo "won".
    const stale = await deliver(path, [...statusChange(19000002, 32392159, 1764004000), ...account]);
    expect(await stale.json()).toMatchObject({ duplicate: false, moved: 0 });
    expect(await readLead(lead)).toMatchObject({ status: 'won', crm: { stage: { statusId: 142 } } });
  });

  it('records a deletion in Kommo on the lead', async () => {
    const { path } = await connect();
    const lead = await syncedLead(19000003);
    const response = await deliver(path, [
      ['leads[delete][0][id]', '19000003'],
      ['leads[delete][0][status_id]', '32392159'],
      ['leads[delete][0][pipeline_id]', '3177727'],
      ...account,
    ]);
    expect(await response.json()).toMatchObject({ deleted: 1 });
    expect((await readLead(lead)).crm.error).toBe('The lead was deleted in Kommo');
  });

  it('answers 200 to what it does not know: other entities, leads it never sent, another account', async () => {
    const { path } = await connect();
    const lead = await syncedLead(19000004);
    const contacts = await deliver(path, [
      ['contacts[add][0][id]', '30000001'],
      ['contacts[add][0][name]', 'Someone'],
      ...account,
    ]);
    expect(contacts.status).toBe(200);
    const unknownLead = await deliver(path, [...statusChange(555, 142, 1764001000), ...account]);
    expect(await unknownLead.json()).toMatchObject({ moved: 0 });
    const foreign = await deliver(path, [
      ...statusChange(19000004, 142, 1764001000),
      ['account[subdomain]', 'globex'],
      ['account[id]', '999'],
    ]);
    expect(await foreign.json()).toMatchObject({ ignored: 'another Kommo account' });
    expect((await readLead(lead)).status).toBe('new');
  });

  it('never touches another organisation’s leads with the same Kommo id', async () => {
    const { path } = await connect();
    const other = await createTenant(db, `Other${crypto.randomUUID().slice(0, 6)}`);
    const [theirs] = await db.query<{ id: string }>(
      `insert into leads (org_id, agent_id, name, crm_provider, crm_state, crm_external_id)
       values ($1, $2, 'Not yours', 'kommo', 'synced', '19000005') returning id`,
      [other.orgId, other.agentId],
    );
    await syncedLead(19000005);
    expect(await (await deliver(path, statusChange(19000005, 142, 1764001000))).json()).toMatchObject({
      moved: 1,
    });
    const [row] = await db.query<{ status: string }>('select status from leads where id = $1', [theirs!.id]);
    expect(row?.status).toBe('new');
  });
});

describe('bad webhook calls', () => {
  it('answers 404 for a token that names no connection', async () => {
    await connect();
    for (const token of ['whk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'nope', '%00']) {
      const response = await deliver(`/kommo/webhooks/${token}`, statusChange(1, 142, 1764001000));
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it.each([
    ['JSON instead of a form', '{"leads":{"status":[{"id":"1"}]}}', 'application/json', /form-urlencoded/],
    ['an empty body', '', undefined, /empty/],
    [
      'a non-numeric id',
      'leads[status][0][id]=abc&leads[status][0][status_id]=142&leads[status][0][pipeline_id]=1',
      undefined,
      /Kommo id/,
    ],
    [
      'an id of 0',
      'leads[status][0][id]=0&leads[status][0][status_id]=142&leads[status][0][pipeline_id]=1',
      undefined,
      /Kommo id/,
    ],
    [
      'an id past 2^53',
      'leads[status][0][id]=19000001&leads[status][0][status_id]=999999999999999999&leads[status][0][pipeline_id]=1',
      undefined,
      /Kommo id/,
    ],
    ['a stage change without its stage', 'leads[status][0][id]=19000001', undefined, /not a Kommo delivery/],
    ['leads as a plain value', 'leads=everything', undefined, /not a Kommo delivery/],
  ])('answers 400 to %s, and stores nothing', async (_, body, contentType, message) => {
    const { path } = await connect();
    const response = await deliver(path, body, contentType);
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toMatch(message);
    expect(await db.query('select 1 from webhook_events where org_id = $1', [a.orgId])).toEqual([]);
  });
});
