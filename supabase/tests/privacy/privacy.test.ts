// Privacy controls on both drivers: a visitor exports and erases their own conversation; an admin exports and
// erases a person by e-mail or phone (queued CRM deliveries included); retention removes what is too old; every
// such act is in the audit log, which visitors cannot read and nobody can change.
import type { ChatReply, ErasureResult, PrivacyExport, RetentionReport } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { applyRetention } from '@closer/functions/_shared/privacy/retention.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { fakeSupabaseAuth } from '../helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';

describe.each(drivers)('privacy on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let b: TenantFixture;
  let visitor: Caller;
  let admin: Caller;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    api = createApi(db);
    visitor = api.as(a.publishableKey, { origin: ORIGIN });
    admin = api.as(a.secretKey);
  });
  afterAll(async () => db?.close());

  /** A visitor's conversation with a lead and that lead's queued CRM delivery. */
  async function conversationWithLead(fields: Record<string, string>) {
    const chat = await visitor<ChatReply>('POST', '/chat', { message: 'I want a quote' });
    const token = { 'x-visitor-token': chat.body.visitorToken! };
    const lead = await visitor<{ id: string }>(
      'POST',
      '/chat/lead',
      { conversationId: chat.body.conversationId, fields },
      token,
    );
    expect(lead.status).toBe(201);
    await db.query(`insert into public.jobs (org_id, kind, payload) values ($1, 'kommo.sync_lead', $2)`, [
      a.orgId,
      { leadId: lead.body.id },
    ]);
    return { conversationId: chat.body.conversationId, token, leadId: lead.body.id };
  }

  const count = async (sql: string, params: unknown[]) =>
    (await db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params))[0]!.n;

  it('a visitor exports their conversation and lead, and nobody else can with a guessed token', async () => {
    const mine = await conversationWithLead({ name: 'Vera', phone: '+7 912 345-67-89' });
    const exported = await visitor<PrivacyExport>(
      'GET',
      `/chat/conversations/${mine.conversationId}/export`,
      undefined,
      mine.token,
    );
    expect(exported.status).toBe(200);
    expect(exported.headers.get('cache-control')).toContain('no-store');
    expect(exported.body.conversations).toHaveLength(1);
    expect(exported.body.conversations[0]!.messages.map((m) => m.content)).toContain('I want a quote');
    expect(exported.body.leads).toMatchObject([{ name: 'Vera', phone: '+7 912 345-67-89' }]);
    // The company's CRM state and the model's details are not the visitor's: shown nowhere to them.
    await db.query(
      `update public.leads set crm_external_id = 'crm-lead-secret', crm_error = 'Kommo 400 at acme-internal.kommo.com' where id = $1`,
      [mine.leadId],
    );
    await db.query(`update public.messages set model = 'secret-model' where conversation_id = $1`, [
      mine.conversationId,
    ]);
    for (const path of [
      `/chat/conversations/${mine.conversationId}/export`,
      `/chat/conversations/${mine.conversationId}`,
    ]) {
      const seen = await visitor('GET', path, undefined, mine.token);
      expect(seen.status).toBe(200);
      expect(JSON.stringify(seen.body)).not.toMatch(/crm-lead-secret|acme-internal|secret-model/);
    }
    const guessed = await visitor('GET', `/chat/conversations/${mine.conversationId}/export`, undefined, {
      'x-visitor-token': 'vt_guess',
    });
    expect(guessed.status).toBe(404);
  });

  it('a visitor erases their conversation: messages, lead and queued CRM job go, and it is logged', async () => {
    const mine = await conversationWithLead({ name: 'Olga', email: 'olga@example.com' });
    const other = await conversationWithLead({ name: 'Ivan', email: 'ivan@example.com' });
    expect(
      (await visitor('DELETE', `/chat/conversations/${mine.conversationId}`, undefined, other.token)).status,
    ).toBe(404);
    expect(
      (await visitor('DELETE', `/chat/conversations/${mine.conversationId}`, undefined, mine.token)).status,
    ).toBe(204);
    expect(await count('public.conversations where id = $1', [mine.conversationId])).toBe(0);
    expect(await count('public.messages where conversation_id = $1', [mine.conversationId])).toBe(0);
    expect(await count('public.leads where id = $1', [mine.leadId])).toBe(0);
    expect(await count(`public.jobs where payload ->> 'leadId' = $1`, [mine.leadId])).toBe(0);
    // The other visitor's data is untouched.
    expect(await count('public.leads where id = $1', [other.leadId])).toBe(1);
    expect(await count(`public.jobs where payload ->> 'leadId' = $1`, [other.leadId])).toBe(1);
    const [entry] = await db.query<{ actor_kind: string; counts: Record<string, number> }>(
      `select actor_kind, counts from public.privacy_audit where subject ->> 'conversationId' = $1`,
      [mine.conversationId],
    );
    expect(entry).toMatchObject({
      actor_kind: 'visitor',
      counts: { conversations: 1, leads: 1, crmJobs: 1 },
    });
    expect(entry!.counts.messages).toBeGreaterThanOrEqual(2);
  });

  it('an admin erases a person by phone across conversations; dry run first, other tenants untouched', async () => {
    const first = await conversationWithLead({ name: 'Petr', phone: '+7 (999) 111-22-33' });
    const second = await conversationWithLead({ name: 'Petr K', phone: '79991112233' });
    const dry = await admin<ErasureResult>('POST', '/privacy/erase', {
      phone: '+7 999 111 22 33',
      dryRun: true,
    });
    expect(dry.body).toEqual({
      dryRun: true,
      conversations: 2,
      messages: expect.any(Number),
      leads: 2,
      crmJobs: 2,
    });
    expect(await count('public.leads where id = any ($1::uuid[])', [[first.leadId, second.leadId]])).toBe(2);
    const other = await api.as(b.secretKey)<ErasureResult>('POST', '/privacy/erase', {
      phone: '+7 999 111 22 33',
    });
    expect(other.body).toMatchObject({ conversations: 0, leads: 0 });
    const done = await admin<ErasureResult>('POST', '/privacy/erase', { phone: '+7 999 111 22 33' });
    expect(done.body).toMatchObject({ dryRun: false, conversations: 2, leads: 2, crmJobs: 2 });
    expect(await count('public.leads where id = any ($1::uuid[])', [[first.leadId, second.leadId]])).toBe(0);
    expect(
      await count('public.conversations where id = any ($1::uuid[])', [
        [first.conversationId, second.conversationId],
      ]),
    ).toBe(0);
  });

  it('an admin exports a person by e-mail (case-insensitively); the log masks the address', async () => {
    await conversationWithLead({ name: 'Anna', email: 'Anna.K@Example.com' });
    const exported = await admin<PrivacyExport>('POST', '/privacy/export', { email: 'anna.k@example.com' });
    expect(exported.status).toBe(200);
    expect(exported.body.leads.map((l) => l.email)).toEqual(['Anna.K@Example.com']);
    expect(exported.body.conversations).toHaveLength(1);
    const audit = await admin<{
      data: { action: string; actor: { kind: string }; subject: Record<string, string> }[];
    }>('GET', '/privacy/audit');
    const entry = audit.body.data.find((e) => e.action === 'export');
    expect(entry).toMatchObject({ actor: { kind: 'secret' }, subject: { email: 'a***@example.com' } });
    expect(JSON.stringify(audit.body)).not.toContain('anna.k@example.com');
  });

  it('refuses a subject named by nothing, and a plain member of the organisation', async () => {
    const empty = await admin('POST', '/privacy/erase', { dryRun: true });
    expect(empty.status).toBe(422);
    const auth = await fakeSupabaseAuth();
    const userId = crypto.randomUUID();
    await db.query('insert into auth.users (id, email) values ($1, $2)', [userId, `m-${userId}@example.com`]);
    await db.query(
      `insert into public.organization_members (org_id, user_id, role) values ($1, $2, 'member')`,
      [a.orgId, userId],
    );
    const asMember = api.as(await auth.legacyToken(userId));
    expect((await asMember('POST', '/privacy/erase', { email: 'x@example.com', dryRun: true })).status).toBe(
      403,
    );
    expect((await asMember('GET', '/privacy/audit')).status).toBe(403);
    expect((await visitor('GET', '/privacy/audit')).status).toBe(403);
  });

  it('retention: a dry-run report, then the worker removes old conversations and anonymises old leads', async () => {
    const old = await conversationWithLead({ name: 'Old Timer', email: 'old@example.com' });
    const fresh = await conversationWithLead({ name: 'New Comer', email: 'new@example.com' });
    await db.query(
      `update public.conversations set last_message_at = now() - interval '40 days' where id = $1`,
      [old.conversationId],
    );
    await db.query(`update public.leads set created_at = now() - interval '40 days' where id = $1`, [
      old.leadId,
    ]);
    const set = await admin<RetentionReport>('PUT', '/privacy/retention', {
      retentionDays: 30,
      leadRetention: 'anonymize',
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      retentionDays: 30,
      leadRetention: 'anonymize',
      due: { conversations: 1, leads: 1 },
    });
    expect(await count('public.conversations where id = $1', [old.conversationId])).toBe(1);

    const applied = await applyRetention(db);
    expect(applied.find((row) => row.org_id === a.orgId)).toMatchObject({ conversations: 1, leads: 1 });
    expect(await count('public.conversations where id = $1', [old.conversationId])).toBe(0);
    expect(await count('public.conversations where id = $1', [fresh.conversationId])).toBe(1);
    const [lead] = await db.query<Record<string, unknown>>('select * from public.leads where id = $1', [
      old.leadId,
    ]);
    expect(lead).toMatchObject({ name: 'Anonymised', email: null, phone: null, conversation_id: null });
    expect((await admin<RetentionReport>('GET', '/privacy/retention')).body.due).toEqual({
      conversations: 0,
      messages: 0,
      leads: 0,
    });
    const runs = await db.query<{ actor_kind: string }>(
      `select actor_kind from public.privacy_audit where org_id = $1 and action = 'retention'`,
      [a.orgId],
    );
    expect(runs).toEqual([{ actor_kind: 'worker' }]);
    await admin('PUT', '/privacy/retention', { retentionDays: null });
  });
});
