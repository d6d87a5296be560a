// Kommo webhook times are range-checked: a stamp far in the future is refused (400) instead of failing in
// Postgres (year 33658: 500) or freezing the lead's stage forever (year 5138: every later change is "older").
import type { KommoConnection, Lead } from '@closer/contract';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { drivers } from '../helpers/databases.ts';
import { connectKommo, type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

const KOMMO_LEAD = 19000001;
const now = () => Math.floor(Date.now() / 1000);

const stageChange = (statusId: number, lastModified: number | string) =>
  new URLSearchParams([
    ['leads[status][0][id]', String(KOMMO_LEAD)],
    ['leads[status][0][status_id]', String(statusId)],
    ['leads[status][0][pipeline_id]', '3177727'],
    ['leads[status][0][last_modified]', String(lastModified)],
    ['account[subdomain]', 'acme'],
  ]).toString();

describe.each(drivers)('Kommo webhook times on %s', (driver) => {
  let harness: KommoHarness;
  let a: TenantFixture;
  let hookPath: string;
  let leadId: string;

  beforeAll(async () => {
    harness = await startKommoHarness(driver);
  });
  beforeEach(async () => {
    ({ org: a } = await harness.freshOrg());
    await connectKommo(harness.api, a.secretKey);
    await harness.api.as(a.secretKey)('POST', '/kommo/sync');
    const connection = (await harness.api.as(a.secretKey)<KommoConnection>('GET', '/kommo')).body;
    hookPath = new URL(connection.webhookUrl!).pathname.replace('/functions/v1', '');
    const [row] = await harness.db.query<{ id: string }>(
      `insert into leads (org_id, agent_id, name, crm_provider, crm_state, crm_external_id, crm_synced_at)
       values ($1, $2, 'Ann Lee', 'kommo', 'synced', $3, now()) returning id`,
      [a.orgId, a.agentId, String(KOMMO_LEAD)],
    );
    leadId = row!.id;
  });
  afterAll(async () => harness?.close());

  const deliver = (body: string) =>
    harness.api.fetch(hookPath, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  const readLead = async () => (await harness.api.as(a.secretKey)<Lead>('GET', `/leads/${leadId}`)).body;

  it.each([
    ['999999999999', 'year 33658 (beyond Postgres)'],
    ['99999999999', 'year 5138'],
    [String(now() + 3 * 86_400), 'three days ahead'],
  ])('refuses last_modified=%s (%s) with 400, and the lead keeps moving afterwards', async (stamp) => {
    const refused = await deliver(stageChange(142, stamp));
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: { code: string; details: { path: unknown[] }[] } };
    expect(body.error.code).toBe('bad_request');
    expect(body.error.details.map((d) => d.path)).toContainEqual(['leads', 'status', 0, 'last_modified']);
    expect(await readLead()).toMatchObject({ status: 'new', crm: { stage: null } });
    expect(
      await harness.db.query('select 1 from webhook_events where org_id = $1 and dedupe_key <> $2', [
        a.orgId,
        'k',
      ]),
    ).toEqual([]);

    const later = await deliver(stageChange(143, now()));
    expect(later.status).toBe(200);
    expect((await readLead()).status).toBe('lost');
  });

  it('accepts a stamp slightly ahead of our clock (Kommo’s clock may drift)', async () => {
    const response = await deliver(stageChange(142, now() + 600));
    expect(response.status).toBe(200);
    expect((await readLead()).status).toBe('won');
  });
});
