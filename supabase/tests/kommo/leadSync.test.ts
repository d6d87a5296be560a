// Captured leads reach Kommo exactly once: through storms, 502s, a lost answer after creation, and restarts; a
// correction after the sync updates the Kommo contact; a visitor's request never runs the worker.
import type { ChatReply } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { leadMarker, MAX_ATTEMPTS, runKommoJobs } from '@closer/functions/_shared/kommo/leadSync.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Api } from '../helpers/api.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { type KommoHarness, startKommoHarness, syncingOrg } from '../helpers/kommoHarness.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

// No confirmation window: a create that got no answer and does not show in Kommo is sent again at the next run
// (leadSyncConcurrency.test.ts covers the window itself).
const ENV = {
  ...KOMMO_ENV,
  CLOSER_WORKER_SECRET: 'worker-secret-for-tests-0123456789',
  KOMMO_CONFIRM_WINDOW_MS: '0',
};
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
  ({ kommo, org: a } = await syncingOrg(harness, {
    tags: ['website'],
    fieldMap: { company: { entity: 'contact', fieldId: 264915 }, need: { entity: 'lead', fieldId: 1119323 } },
  }));
});
afterAll(async () => harness?.close());

const worker = () =>
  runKommoJobs({ db, env: ENV, fetch: (input, init) => fetch(input, init), delayScale: 0 });
const leadRow = (id: string) =>
  db
    .query<{ crm_state: string; crm_external_id: string | null; crm_error: string | null }>(
      'select crm_state, crm_external_id, crm_error from leads where id = $1',
      [id],
    )
    .then((rows) => rows[0]);
/** Makes a waiting job due now, as if its backoff had passed (a running one keeps its lease). */
const due = () =>
  db.query(`update jobs set run_after = now() where kind = 'kommo.sync_lead' and status = 'pending'`);

async function captureLead() {
  const visitor = api.as(a.publishableKey, { origin: 'https://shop.example' });
  const chat = await visitor<ChatReply>('POST', '/chat', { message: 'I want a quote for a 7 kW system' });
  const token = { 'x-visitor-token': chat.body.visitorToken! };
  const lead = await visitor<{ id: string; crm: { state: string } }>(
    'POST',
    '/chat/lead',
    {
      conversationId: chat.body.conversationId,
      fields: {
        name: 'Ann Lee',
        phone: '+34 600 123 456',
        email: 'ann@example.com',
        company: 'Lee Farms',
        need: 'Solar for a house',
      },
    },
    token,
  );
  expect(lead.status).toBe(201);
  /** The visitor's second submission of the form, in the same conversation. */
  const correct = (fields: Record<string, string>) =>
    visitor<{ id: string; crm: { state: string } }>(
      'POST',
      '/chat/lead',
      { conversationId: chat.body.conversationId, fields },
      token,
    );
  return Object.assign(lead.body, { correct });
}

describe('lead sync to Kommo', () => {
  it('writes the lead to the outbox with the capture, then sends lead, contact and transcript once', async () => {
    const lead = await captureLead();
    expect(lead.crm.state).toBe('pending');
    await worker();
    expect(kommo.leads).toHaveLength(1);
    const sent = kommo.leads[0]!;
    expect(sent.name).toBe(`Ann Lee — ${leadMarker(lead.id)}`);
    expect(sent.body).toMatchObject({
      pipeline_id: 3177727,
      status_id: 32392159,
      custom_fields_values: [{ field_id: 1119323, values: [{ value: 'Solar for a house' }] }],
      _embedded: {
        contacts: [
          {
            name: 'Ann Lee',
            custom_fields_values: [
              { field_code: 'PHONE', values: [{ value: '+34 600 123 456', enum_code: 'WORK' }] },
              { field_code: 'EMAIL', values: [{ value: 'ann@example.com', enum_code: 'WORK' }] },
              { field_id: 264915, values: [{ value: 'Lee Farms' }] },
            ],
          },
        ],
        tags: [{ name: 'Closer' }, { name: 'website' }],
      },
    });
    expect(kommo.notes).toHaveLength(1);
    expect(kommo.notes[0]).toMatchObject({ entity_id: sent.id, note_type: 'common' });
    expect(kommo.notes[0]!.params.text).toContain('Visitor: I want a quote for a 7 kW system');
    expect(kommo.notes[0]!.params.text).toContain('Need: Solar for a house');
    expect(await leadRow(lead.id)).toEqual({
      crm_state: 'synced',
      crm_external_id: String(sent.id),
      crm_error: null,
    });
    // Running again sends nothing more.
    await due();
    expect((await worker()).claimed).toBe(0);
    expect(kommo.leads).toHaveLength(1);
  });

  it('arrives exactly once through a 429 storm and a 502', async () => {
    kommo.createFailures.push('429', '429', '429', '502', '502');
    const lead = await captureLead();
    for (let run = 0; run < 5 && (await leadRow(lead.id))?.crm_state !== 'synced'; run++) {
      await due();
      await worker();
    }
    expect(kommo.createFailures).toEqual([]);
    expect(kommo.leads).toHaveLength(1);
    expect(await leadRow(lead.id)).toMatchObject({ crm_state: 'synced' });
  });

  it('does not create a second lead when the answer to the first was lost', async () => {
    kommo.createFailures.push('lost-answer');
    const lead = await captureLead();
    await worker();
    expect(kommo.leads).toHaveLength(1);
    expect((await leadRow(lead.id))?.crm_state).toBe('pending');
    await due();
    await worker();
    expect(kommo.leads).toHaveLength(1);
    expect(kommo.apiCalls).toContain('/api/v4/leads');
    expect(await leadRow(lead.id)).toMatchObject({
      crm_state: 'synced',
      crm_external_id: String(kommo.leads[0]!.id),
    });
  });

  it('records a permanent refusal on the lead, with the reason', async () => {
    kommo.createFailures.push('400');
    const lead = await captureLead();
    await worker();
    const row = await leadRow(lead.id);
    expect(row?.crm_state).toBe('failed');
    expect(row?.crm_error).toContain('Kommo answered 400');
    const [job] = await db.query<{ status: string }>(
      `select status from jobs where kind = 'kommo.sync_lead'`,
    );
    expect(job?.status).toBe('failed');
  });

  it('reads a refusal whose body is not a problem object (JSON null) as the refusal it is', async () => {
    kommo.createFailures.push('400-null');
    const lead = await captureLead();
    await worker();
    expect(await leadRow(lead.id)).toMatchObject({
      crm_state: 'failed',
      crm_error: 'Kommo answered 400 to POST /api/v4/leads/complex: HTTP 400',
    });
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts and says why`, async () => {
    kommo.createFailures.push('502', '502');
    const lead = await captureLead();
    expect(await worker()).toMatchObject({ claimed: 1, retrying: 1 });
    await db.query(`update jobs set attempts = $1 where kind = 'kommo.sync_lead'`, [MAX_ATTEMPTS - 1]);
    await due();
    expect(await worker()).toMatchObject({ claimed: 1, failed: 1 });
    expect(kommo.leads).toEqual([]);
    const row = await leadRow(lead.id);
    expect(row?.crm_state).toBe('failed');
    expect(row?.crm_error).toContain('502');
  });

  it('sends a correction after the sync to the Kommo contact, once, with no second lead or note', async () => {
    const lead = await captureLead();
    await worker();
    expect(kommo.leads).toHaveLength(1);
    const contactId = kommo.leads[0]!.contactId;
    const corrected = await lead.correct({
      name: 'Ann Lee',
      email: 'ann.lee@leefarms.example',
      phone: '+34 611 222 333',
    });
    expect(corrected.status).toBe(201);
    expect(corrected.body.crm.state).toBe('synced');
    expect(await worker()).toMatchObject({ claimed: 1, synced: 1 });
    expect(kommo.patches).toEqual([
      {
        path: `PATCH /api/v4/contacts/${contactId}`,
        body: {
          name: 'Ann Lee',
          custom_fields_values: [
            { field_code: 'PHONE', values: [{ value: '+34 611 222 333', enum_code: 'WORK' }] },
            { field_code: 'EMAIL', values: [{ value: 'ann.lee@leefarms.example', enum_code: 'WORK' }] },
            { field_id: 264915, values: [{ value: 'Lee Farms' }] },
          ],
        },
      },
    ]);
    expect(kommo.leads).toHaveLength(1);
    expect(kommo.notes).toHaveLength(1);
    // Nothing changed since: nothing more is sent, however often the form is sent again or the worker runs.
    await lead.correct({ name: 'Ann Lee', email: 'ann.lee@leefarms.example' });
    await worker();
    await due();
    await worker();
    expect(kommo.patches).toHaveLength(1);
    expect(await leadRow(lead.id)).toMatchObject({ crm_state: 'synced', crm_error: null });
  });

  it('changes the Kommo lead’s name when the visitor corrects theirs', async () => {
    const lead = await captureLead();
    await worker();
    const kommoLead = kommo.leads[0]!;
    await lead.correct({ name: 'Ann Lee-Smith' });
    await worker();
    expect(kommo.patches.map((p) => p.path)).toEqual([
      `PATCH /api/v4/leads/${kommoLead.id}`,
      `PATCH /api/v4/contacts/${kommoLead.contactId}`,
    ]);
    expect(kommoLead.name).toBe(`Ann Lee-Smith — ${leadMarker(lead.id)}`);
    expect(kommo.contacts[0]!.name).toBe('Ann Lee-Smith');
  });

  // Issue 11 kind 7: a salesperson deleted the lead in Kommo before the visitor corrected it. Closer does not
  // write to it, does not create it again, and does not retry: the lead is failed with a reason that says so.
  it.each([
    ['its name', 404, { name: 'Ann Lee-Smith' }],
    ['its name', 204, { name: 'Ann Lee-Smith' }],
    ['only its contact', 404, { name: 'Ann Lee', email: 'ann.lee@leefarms.example' }],
    ['only its contact', 204, { name: 'Ann Lee', email: 'ann.lee@leefarms.example' }],
  ] as const)(
    'fails a correction of %s of a lead deleted in Kommo (answering %s) once, with the reason',
    async (_, answer, fields) => {
      const lead = await captureLead();
      await worker();
      const kommoLead = kommo.leads[0]!;
      kommo.deleteLead(kommoLead.id, answer);
      expect((await lead.correct(fields)).status).toBe(201);
      const calls = kommo.apiCalls.length;
      expect(await worker()).toMatchObject({ claimed: 1, failed: 1 });
      // One look at the lead, nothing written: no PATCH took, no second lead, no second note.
      expect(kommo.apiCalls.length - calls).toBe(1);
      expect(kommo.patches).toEqual([]);
      expect(kommo.leads).toEqual([]);
      expect(kommo.notes).toHaveLength(1);
      const row = await leadRow(lead.id);
      expect(row).toMatchObject({ crm_state: 'failed', crm_external_id: String(kommoLead.id) });
      expect(row!.crm_error).toMatch(
        new RegExp(`^The lead was deleted in Kommo \\(Kommo lead ${kommoLead.id}\\)`),
      );
      // Never again by itself: the job is over, whatever the worker does later.
      await due();
      expect(await worker()).toMatchObject({ claimed: 0 });
      const [job] = await db.query<{ status: string }>(
        `select status from jobs where kind = 'kommo.sync_lead' and dedupe_key like $1`,
        [`%${lead.id}`],
      );
      expect(job).toEqual({ status: 'failed' });
    },
  );

  it("runs no job on a visitor's request: not its own, not another organisation's", async () => {
    // The new organisation comes with a due job of its own (tenants.ts).
    const other = await createTenant(db, `Other${crypto.randomUUID().slice(0, 6)}`);
    await captureLead();
    // Anything the request started in the background has had its turn.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const jobs = await db.query<{ org_id: string; status: string; attempts: number }>(
      `select org_id, status, attempts from jobs where kind = 'kommo.sync_lead' order by org_id`,
    );
    expect(jobs.map((job) => job.org_id).sort()).toEqual([a.orgId, other.orgId].sort());
    expect(jobs.every((job) => job.status === 'pending' && job.attempts === 0)).toBe(true);
    expect(kommo.apiCalls).not.toContain('/api/v4/leads/complex');
    await db.query('delete from jobs where org_id = $1', [other.orgId]);
  });

  it('queues nothing when Kommo is not connected', async () => {
    await api.as(a.secretKey)('DELETE', '/kommo');
    const lead = await captureLead();
    expect(lead.crm.state).toBe('not_connected');
    expect(await db.query(`select 1 from jobs where kind = 'kommo.sync_lead'`)).toEqual([]);
  });

  it('runs over HTTP for pg_cron with the worker secret only', async () => {
    expect((await api.as('wrong-secret')('POST', '/kommo/worker')).status).toBe(401);
    const response = await api.as(ENV.CLOSER_WORKER_SECRET)('POST', '/kommo/worker');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ claimed: expect.any(Number) });
  });
});
