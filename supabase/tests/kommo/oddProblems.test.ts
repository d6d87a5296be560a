// A Kommo refusal whose words hold what no column can (NUL, a lone surrogate), on both drivers: the lead is
// marked failed with the reason as a column holds it and the job ends. Before, the worker's run threw (22021)
// at every attempt, leaving the lead pending and the job leased until it ran out.
import type { ChatReply } from '@closer/contract';
import { isStorableText } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { runKommoJobs } from '@closer/functions/_shared/kommo/leadSync.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Api } from '../helpers/api.ts';
import { drivers } from '../helpers/databases.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { type KommoHarness, startKommoHarness, syncingOrg } from '../helpers/kommoHarness.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

const ENV = { ...KOMMO_ENV, KOMMO_CONFIRM_WINDOW_MS: '0' };

describe.each(drivers)('Kommo refusals in odd words on %s', (driver) => {
  let harness: KommoHarness;
  let kommo: FakeKommo;
  let db: Database;
  let api: Api;
  let a: TenantFixture;

  beforeAll(async () => {
    harness = await startKommoHarness(driver, ENV);
    ({ db, api } = harness);
  });
  beforeEach(async () => {
    ({ kommo, org: a } = await syncingOrg(harness));
  });
  afterAll(async () => harness?.close());

  const worker = () =>
    runKommoJobs({ db, env: ENV, fetch: (input, init) => fetch(input, init), delayScale: 0 });

  async function captureLead(): Promise<string> {
    const visitor = api.as(a.publishableKey, { origin: 'https://shop.example' });
    const chat = await visitor<ChatReply>('POST', '/chat', { message: 'A quote, please' });
    const lead = await visitor<{ id: string }>(
      'POST',
      '/chat/lead',
      {
        conversationId: chat.body.conversationId,
        fields: { name: 'Ann Lee', phone: '+34 600 123 456', email: 'ann@example.com' },
      },
      { 'x-visitor-token': chat.body.visitorToken! },
    );
    expect(lead.status).toBe(201);
    return lead.body.id;
  }

  it('marks the lead failed with the reason as text a column holds, and ends the job', async () => {
    kommo.createFailures.push('400-nul');
    const leadId = await captureLead();
    expect(await worker()).toMatchObject({ claimed: 1, failed: 1 });
    const [lead] = await db.query<{ crm_state: string; crm_error: string }>(
      'select crm_state, crm_error from leads where id = $1',
      [leadId],
    );
    expect(lead?.crm_state).toBe('failed');
    expect(lead?.crm_error).toContain('Kommo answered 400');
    expect(lead?.crm_error).toContain('status_id');
    expect(isStorableText(lead!.crm_error)).toBe(true);
    const [job] = await db.query<{ status: string; last_error: string }>(
      `select status, last_error from jobs where kind = 'kommo.sync_lead'`,
    );
    expect(job?.status).toBe('failed');
    expect(isStorableText(job!.last_error)).toBe(true);
  });
});
