// Kommo answering a write with an id that is no Kommo id (null, missing, fractional, negative, text, past 2^53),
// on both drivers. Before, `leads/complex` answering `id: null` marked the lead synced with no Kommo lead, and a
// PATCH answered so failed the lead as deleted in Kommo. Now such an answer is an upstream error: the job is
// retried (the creation looked up first, so no second lead), its reason says which field did not fit.
import type { ChatReply } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { runKommoJobs } from '@closer/functions/_shared/kommo/leadSync.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Api } from '../helpers/api.ts';
import { drivers } from '../helpers/databases.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { type KommoHarness, startKommoHarness, syncingOrg } from '../helpers/kommoHarness.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

const ENV = { ...KOMMO_ENV, KOMMO_CONFIRM_WINDOW_MS: '0' };

describe.each(drivers)('Kommo write answers without a usable id on %s', (driver) => {
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
  const due = () =>
    db.query(`update jobs set run_after = now() where kind = 'kommo.sync_lead' and status = 'pending'`);
  const leadRow = (id: string) =>
    db
      .query<{ crm_state: string; crm_external_id: string | null; crm_error: string | null }>(
        'select crm_state, crm_external_id, crm_error from leads where id = $1',
        [id],
      )
      .then((rows) => rows[0]!);
  const job = () =>
    db
      .query<{ status: string; last_error: string | null }>(
        `select status, last_error from jobs where kind = 'kommo.sync_lead'`,
      )
      .then((rows) => rows[0]!);

  async function captureLead() {
    const visitor = api.as(a.publishableKey, { origin: 'https://shop.example' });
    const chat = await visitor<ChatReply>('POST', '/chat', { message: 'A quote, please' });
    const token = { 'x-visitor-token': chat.body.visitorToken! };
    const send = (fields: Record<string, string>) =>
      visitor<{ id: string }>(
        'POST',
        '/chat/lead',
        { conversationId: chat.body.conversationId, fields },
        token,
      );
    const lead = await send({ name: 'Ann Lee', phone: '+34 600 123 456', email: 'ann@example.com' });
    expect(lead.status).toBe(201);
    return { id: lead.body.id, correct: send };
  }

  it.each([
    ['null', { id: null }, '0.id'],
    ['missing', { id: undefined }, '0.id'],
    ['fractional', { id: 1.5 }, '0.id'],
    ['negative', { id: -3 }, '0.id'],
    ['text', { id: '19000001' }, '0.id'],
    ['past 2^53', { id: 2 ** 60 }, '0.id'],
    ['a negative contact', { contact_id: -1 }, '0.contact_id'],
  ])(
    'leads/complex answering an id that is %s: retried, never marked synced, one lead in the end',
    async (_, odd, field) => {
      kommo.oddCreateAnswers.push(odd);
      const lead = await captureLead();
      expect(await worker()).toMatchObject({ claimed: 1, synced: 0, retrying: 1 });
      const before = await leadRow(lead.id);
      expect(before.crm_state).not.toBe('synced');
      expect(before.crm_external_id).toBeNull();
      expect(await job()).toEqual({
        status: 'pending',
        last_error: `Kommo answered POST /api/v4/leads/complex without a usable ${field}`,
      });
      // Kommo did make the lead: the retry finds it by its marker and sends no second one.
      await due();
      expect(await worker()).toMatchObject({ claimed: 1, synced: 1 });
      expect(kommo.leads).toHaveLength(1);
      expect(await leadRow(lead.id)).toMatchObject({
        crm_state: 'synced',
        crm_external_id: String(kommo.leads[0]!.id),
      });
      expect(kommo.notes).toHaveLength(1);
    },
  );

  it('a correction whose PATCH is answered with id null is retried, not failed as a deleted lead', async () => {
    const lead = await captureLead();
    expect(await worker()).toMatchObject({ synced: 1 });
    const kommoId = kommo.leads[0]!.id;
    kommo.oddPatchAnswers.push({ id: null });
    expect((await lead.correct({ name: 'Ann Lee-Smith' })).status).toBe(201);
    expect(await worker()).toMatchObject({ claimed: 1, retrying: 1, failed: 0 });
    expect((await leadRow(lead.id)).crm_state).not.toBe('failed');
    expect(await job()).toMatchObject({
      status: 'pending',
      last_error: `Kommo answered PATCH /api/v4/leads/${kommoId} without a usable id`,
    });
    await due();
    expect(await worker()).toMatchObject({ claimed: 1, synced: 1 });
    expect(await leadRow(lead.id)).toMatchObject({ crm_state: 'synced', crm_external_id: String(kommoId) });
    expect(kommo.leads.map((l) => l.name)).toEqual([expect.stringContaining('Ann Lee-Smith')]);
  });
});
