// What the console asks of conversations and leads: list filters (has lead, text search), CSV exports streamed in
// batches (quoting, BOM, formula guard, filters, another tenant never included) and retrying a lead's CRM sync.
import type { Conversation, ConversationWithMessages, Lead, Page } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { fakeSupabaseAuth } from '../helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const BOM = '\uFEFF';

describe.each(drivers)('console queries on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let b: TenantFixture;
  let api: Api;
  let asA: Caller;
  const ids: Record<string, string> = {};

  const insertConversation = async (name: string, at: string, visitor: object, org = a) => {
    const [row] = await db.query<{ id: string }>(
      `insert into conversations (org_id, agent_id, visitor_token_hash, created_at, visitor)
       values ($1, $2, $3, $4, $5::jsonb) returning id`,
      [org.orgId, org.agentId, '2'.repeat(64), at, JSON.stringify(visitor)],
    );
    ids[name] = row!.id;
  };
  const insertMessage = (conversation: string, role: string, content: string, extra = {}, org = a) =>
    db.query(
      `insert into messages (org_id, conversation_id, role, content, status, finish_reason)
       values ($1, $2, $3, $4, $5, $6)`,
      [
        org.orgId,
        ids[conversation],
        role,
        content,
        (extra as { status?: string }).status ?? 'complete',
        (extra as { finishReason?: string }).finishReason ?? null,
      ],
    );

  /** GET a CSV download as the tenant's secret key: the status, headers and raw text (BOM kept). */
  const download = async (path: string, credential = a.secretKey) => {
    const response = await api.fetch(path, { headers: { authorization: `Bearer ${credential}` } });
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { response, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) };
  };
  const rowsOf = (text: string) =>
    parse(text.slice(1), { columns: true, relax_column_count: false }) as Record<string, string>[];

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    api = createApi(db);
    asA = api.as(a.secretKey);
    await insertConversation('pricing', '2026-02-01T09:00:00Z', { name: 'Olga', email: 'olga@shop.example' });
    await insertMessage('pricing', 'user', 'Сколько стоит ДОСТАВКА в Казань?');
    await insertMessage('pricing', 'assistant', 'Доставка бесплатная', { finishReason: 'stop' });
    await insertConversation('discount', '2026-02-02T09:00:00Z', {});
    await insertMessage('discount', 'user', 'Is 500 off possible?');
    await insertMessage('discount', 'assistant', 'We', {
      status: 'interrupted',
      finishReason: 'interrupted',
    });
    await insertConversation('percent', '2026-02-03T09:00:00Z', {});
    await insertMessage('percent', 'user', 'I want 50% off, ok_now');
    await db.query(
      `insert into leads (org_id, agent_id, conversation_id, email, created_at) values ($1, $2, $3, 'olga@shop.example', '2026-02-01T09:05:00Z')`,
      [a.orgId, a.agentId, ids.pricing],
    );
    await insertConversation('foreign', '2026-02-01T10:00:00Z', { name: 'Olga' }, b);
    await insertMessage('foreign', 'user', 'Сколько стоит доставка?', {}, b);
  });
  afterAll(async () => db?.close());

  describe('conversation list filters', () => {
    const listed = async (query: string) =>
      (await asA<Page<Conversation>>('GET', `/conversations?${query}`)).body.data.map((c) => c.id);

    it('filters by whether the conversation produced a lead', async () => {
      const february = 'from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z';
      expect(await listed(`${february}&hasLead=true`)).toEqual([ids.pricing]);
      expect(await listed(`${february}&hasLead=false`)).toEqual([ids.percent, ids.discount]);
      expect(issuePaths(await asA('GET', '/conversations?hasLead=yes'))).toEqual([['hasLead']]);
    });

    it('finds words in any message, case-insensitively, in any script; never another tenant’s', async () => {
      expect(await listed('q=доставка')).toEqual([ids.pricing]);
      expect(await listed('q=KAZ')).toEqual([]);
      expect(await listed('q=казань')).toEqual([ids.pricing]);
      expect(await listed('q=olga%40shop')).toEqual([ids.pricing]);
      expect(await listed('q=Olga&hasLead=false')).toEqual([]);
    });

    it('takes % and _ literally', async () => {
      expect(await listed(`q=${encodeURIComponent('50%')}`)).toEqual([ids.percent]);
      expect(await listed(`q=${encodeURIComponent('5_0')}`)).toEqual([]);
      expect(await listed(`q=${encodeURIComponent('ok_now')}`)).toEqual([ids.percent]);
      expect(issuePaths(await asA('GET', '/conversations?q=%20%20'))).toEqual([['q']]);
    });

    it('shows how each reply ended in the transcript', async () => {
      const { body } = await asA<ConversationWithMessages>('GET', `/conversations/${ids.discount}`);
      expect(body.messages.map((m) => [m.role, m.status, m.finishReason])).toEqual([
        ['user', 'complete', null],
        ['assistant', 'interrupted', 'interrupted'],
      ]);
    });
  });

  describe('lead export', () => {
    beforeAll(async () => {
      // 1,203 leads in one statement (one created_at: only the id orders them), across three batches.
      await db.query(
        `insert into leads (org_id, agent_id, name, created_at)
         select $1, $2, 'Bulk ' || n, '2026-04-10T12:00:00Z' from generate_series(1, 1203) n`,
        [a.orgId, a.agentId],
      );
      await db.query(
        `insert into leads (org_id, agent_id, name, company, need, phone, email, created_at) values
         ($1, $2, '=HYPERLINK("http://evil.example","Click")', '+Big, "Quoted" Co', E'line one\\nline two',
          '+7 999 123-45-67', '@handle@x.example', '2026-05-01T08:00:00Z'),
         ($1, $2, '-Minus', 'Plain', 'Näive café — 日本', null, null, '2026-05-01T09:00:00Z')`,
        [a.orgId, a.agentId],
      );
      await db.query(
        `insert into leads (org_id, agent_id, name, created_at) values ($1, $2, 'Hidden', '2026-05-01T08:30:00Z')`,
        [b.orgId, b.agentId],
      );
    });

    it('is UTF-8 with a BOM, quoted where needed, formulas defused, named for the period', async () => {
      const { response, text } = await download(
        '/leads/export?from=2026-05-01T00:00:00Z&to=2026-06-01T00:00:00Z',
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe(
        'attachment; filename="leads-from-2026-05-01-to-2026-06-01.csv"',
      );
      expect(text.startsWith(`${BOM}id,createdAt,agentId,agentName,`)).toBe(true);
      expect(text).toContain('\r\n');
      const rows = rowsOf(text);
      expect(rows.map((r) => [r.name, r.company, r.need, r.phone, r.email, r.agentName])).toEqual([
        [
          `'=HYPERLINK("http://evil.example","Click")`,
          `'+Big, "Quoted" Co`,
          'line one\nline two',
          `'+7 999 123-45-67`,
          `'@handle@x.example`,
          'Acme agent',
        ],
        ["'-Minus", 'Plain', 'Näive café — 日本', '', '', 'Acme agent'],
      ]);
      expect(rows[0]).toMatchObject({
        createdAt: '2026-05-01T08:00:00.000Z',
        status: 'new',
        crmState: 'not_connected',
      });
      // The raw text quotes the cell holding a comma and doubles its quotes.
      expect(text).toContain(`"'+Big, ""Quoted"" Co"`);
    });

    it('streams every lead of a long period once, oldest first, in batches', async () => {
      const { text } = await download('/leads/export?from=2026-04-01T00:00:00Z&to=2026-05-01T00:00:00Z');
      const rows = rowsOf(text);
      expect(rows).toHaveLength(1203);
      expect(new Set(rows.map((r) => r.id)).size).toBe(1203);
      const stored = await db.query<{ id: string }>(
        `select id from leads where org_id = $1 and created_at = '2026-04-10T12:00:00Z' order by id`,
        [a.orgId],
      );
      expect(rows.map((r) => r.id)).toEqual(stored.map((s) => s.id));
    });

    it('applies the list’s filters and answers an empty period with the header only', async () => {
      const { text } = await download('/leads/export?from=2030-01-01T00:00:00Z');
      expect(text).toBe(
        `${BOM}id,createdAt,agentId,agentName,conversationId,name,email,phone,company,need,status,crmProvider,crmState,crmExternalId,crmError,crmSyncedAt\r\n`,
      );
      const failed = await download('/leads/export?crmState=failed');
      expect(rowsOf(failed.text)).toEqual([]);
      const bad = await download('/leads/export?from=2026-02-30T00:00:00Z');
      expect(bad.response.status).toBe(422);
      expect(bad.response.headers.get('content-type')).toContain('application/json');
    });

    it('admits a member, refuses a publishable key', async () => {
      const auth = await fakeSupabaseAuth();
      const member = await download(
        '/leads/export?from=2026-05-01T00:00:00Z&to=2026-06-01T00:00:00Z',
        await auth.legacyToken(a.userId),
      );
      expect(rowsOf(member.text).map((r) => r.name)).toEqual([
        `'=HYPERLINK("http://evil.example","Click")`,
        "'-Minus",
      ]);
      const widget = await api.fetch('/leads/export', {
        headers: { authorization: `Bearer ${a.publishableKey}`, origin: 'https://acme.example' },
      });
      expect(widget.status).toBe(403);
    });
  });

  describe('conversation export', () => {
    beforeAll(async () => {
      // One conversation longer than a batch: the batch boundary falls inside it.
      await insertConversation('long', '2026-06-01T10:00:00Z', {
        name: '=Mallory',
        phone: '+44 20 7946 0000',
      });
      await db.query(
        `insert into messages (org_id, conversation_id, role, content)
         select $1, $2, case when n % 2 = 1 then 'user' else 'assistant' end, 'Message ' || n
         from generate_series(1, 730) n`,
        [a.orgId, ids.long],
      );
      await insertConversation('silent', '2026-06-01T11:00:00Z', {});
    });

    it('writes one row per message in order, across batches, and one row for a conversation without any', async () => {
      const { response, text } = await download(
        '/conversations/export?from=2026-06-01T00:00:00Z&to=2026-06-02T00:00:00Z',
      );
      expect(response.headers.get('content-disposition')).toBe(
        'attachment; filename="conversations-from-2026-06-01-to-2026-06-02.csv"',
      );
      const rows = rowsOf(text);
      expect(rows).toHaveLength(731);
      expect(rows.slice(0, 730).map((r) => r.content)).toEqual(
        Array.from({ length: 730 }, (_, i) => `Message ${i + 1}`),
      );
      expect(rows[0]).toMatchObject({
        conversationId: ids.long,
        visitorName: "'=Mallory",
        visitorPhone: "'+44 20 7946 0000",
        role: 'user',
        agentName: 'Acme agent',
        leadId: '',
      });
      expect(rows[730]).toMatchObject({ conversationId: ids.silent, messageId: '', content: '', role: '' });
    });

    it('applies the list’s filters: text search, has lead; never another tenant', async () => {
      const { text } = await download('/conversations/export?q=доставка');
      const rows = rowsOf(text);
      expect(rows.map((r) => [r.conversationId, r.role, r.content, r.leadId !== '', r.finishReason])).toEqual(
        [
          [ids.pricing, 'user', 'Сколько стоит ДОСТАВКА в Казань?', true, ''],
          [ids.pricing, 'assistant', 'Доставка бесплатная', true, 'stop'],
        ],
      );
      const withLead = rowsOf((await download('/conversations/export?hasLead=true')).text);
      expect(new Set(withLead.map((r) => r.conversationId))).toEqual(
        new Set([ids.pricing, a.conversationId]),
      );
      expect(text).not.toContain(ids.foreign);
    });
  });

  describe('retrying a lead’s CRM sync', () => {
    it('queues a failed lead again once Kommo is connected; refuses a synced one', async () => {
      await db.query(
        `update leads set crm_provider = 'kommo', crm_state = 'failed', crm_error = 'Kommo answered 400' where id = $1`,
        [a.leadId],
      );
      const notConnected = await asA('POST', `/leads/${a.leadId}/sync`);
      expect(notConnected.status).toBe(409);
      expect(JSON.stringify(notConnected.body)).toContain('Kommo is not connected');

      await db.query(`update kommo_connections set status = 'connected' where org_id = $1`, [a.orgId]);
      await db.query(
        `insert into jobs (org_id, kind, dedupe_key, payload, status, attempts)
         values ($1, 'kommo.sync_lead', $2, $3::jsonb, 'failed', 8)`,
        [a.orgId, `kommo.sync_lead:${a.leadId}`, JSON.stringify({ leadId: a.leadId })],
      );
      const auth = await fakeSupabaseAuth();
      const retried = await api.as(await auth.legacyToken(a.userId))<Lead>('POST', `/leads/${a.leadId}/sync`);
      expect(retried.status).toBe(200);
      expect(retried.body.crm).toMatchObject({ provider: 'kommo', state: 'pending', error: null });
      const jobs = await db.query(`select status, attempts from jobs where dedupe_key = $1`, [
        `kommo.sync_lead:${a.leadId}`,
      ]);
      expect(jobs).toEqual([{ status: 'pending', attempts: 0 }]);

      await db.query(`update leads set crm_state = 'synced', crm_external_id = '42' where id = $1`, [
        a.leadId,
      ]);
      const synced = await asA('POST', `/leads/${a.leadId}/sync`);
      expect(synced.status).toBe(409);
      expect((await asA('POST', `/leads/${b.leadId}/sync`)).status).toBe(404);
    });
  });
});
