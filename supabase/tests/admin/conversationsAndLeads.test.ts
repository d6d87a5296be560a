import type { Conversation, ConversationWithMessages, Lead, Page } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { fakeSupabaseAuth } from '../helpers/supabaseAuth.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let db: Database;
let a: TenantFixture;
let b: TenantFixture;
let asA: Caller;
let closedId: string;

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme');
  b = await createTenant(db, 'Globex');
  asA = createApi(db).as(a.secretKey);
  const [closed] = await db.query<{ id: string }>(
    `insert into conversations (org_id, agent_id, status, visitor_token_hash, created_at, visitor, metadata)
     values ($1, $2, 'closed', $3, '2026-01-10T10:00:00Z', '{"name":"Lena"}', '{"page":"/pricing"}') returning id`,
    [a.orgId, a.agentId, '1'.repeat(64)],
  );
  closedId = closed!.id;
  await db.query(
    `insert into messages (org_id, conversation_id, role, content, created_at, status, model, input_tokens, output_tokens) values
     ($1, $2, 'user', 'How much?', '2026-01-10T10:00:01Z', 'complete', null, null, null),
     ($1, $2, 'assistant', 'From $10', '2026-01-10T10:00:02Z', 'interrupted', 'openai/gpt-4o-mini', 12, 3)`,
    [a.orgId, closedId],
  );
  await db.query(
    `update leads set crm_state = 'failed', crm_provider = 'kommo', crm_error = 'Kommo answered 401' where id = $1`,
    [a.leadId],
  );
});
afterAll(async () => db?.close());

describe('conversations', () => {
  it('lists newest first and filters by status, agent and period', async () => {
    const all = await asA<Page<Conversation>>('GET', '/conversations');
    expect(all.body.data.map((c) => c.id)).toEqual([a.conversationId, closedId]);
    const closed = await asA<Page<Conversation>>('GET', '/conversations?status=closed');
    expect(closed.body.data.map((c) => c.id)).toEqual([closedId]);
    const january = await asA<Page<Conversation>>(
      'GET',
      '/conversations?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z',
    );
    expect(january.body.data).toEqual([
      expect.objectContaining({
        id: closedId,
        visitor: { name: 'Lena' },
        metadata: { page: '/pricing' },
        leadId: null,
      }),
    ]);
    const otherAgent = await asA<Page<Conversation>>('GET', `/conversations?agentId=${b.agentId}`);
    expect(otherAgent.body.data).toEqual([]);
  });

  it('reads one with its messages in order, usage and status included', async () => {
    const response = await asA<ConversationWithMessages>('GET', `/conversations/${closedId}`);
    expect(response.body.messages.map((m) => [m.role, m.content, m.status, m.usage])).toEqual([
      ['user', 'How much?', 'complete', null],
      ['assistant', 'From $10', 'interrupted', { inputTokens: 12, outputTokens: 3 }],
    ]);
  });

  it("answers 404 for another tenant's conversation and 422 for a bad filter", async () => {
    expect((await asA('GET', `/conversations/${b.conversationId}`)).status).toBe(404);
    expect(issuePaths(await asA('GET', '/conversations?status=open'))).toEqual([['status']]);
  });
});

describe('leads', () => {
  it('reads a lead with its CRM sync state', async () => {
    const response = await asA<Lead>('GET', `/leads/${a.leadId}`);
    expect(response.body).toMatchObject({
      id: a.leadId,
      name: 'Ann',
      conversationId: a.conversationId,
      crm: {
        provider: 'kommo',
        state: 'failed',
        error: 'Kommo answered 401',
        externalId: null,
        syncedAt: null,
        stage: null,
      },
    });
  });

  it('filters by CRM state and agent; never shows another tenant', async () => {
    const failed = await asA<Page<Lead>>('GET', '/leads?crmState=failed');
    expect(failed.body.data.map((l) => l.id)).toEqual([a.leadId]);
    expect((await asA<Page<Lead>>('GET', '/leads?crmState=synced')).body.data).toEqual([]);
    expect((await asA<Page<Lead>>('GET', `/leads?agentId=${a.agentId}`)).body.data).toHaveLength(1);
    expect((await asA('GET', `/leads/${b.leadId}`)).status).toBe(404);
  });

  it('admits a member and refuses a publishable key', async () => {
    const auth = await fakeSupabaseAuth();
    const api = createApi(db);
    expect((await api.as(await auth.legacyToken(a.userId))('GET', '/leads')).status).toBe(200);
    expect((await api.as(a.publishableKey, { origin: 'https://acme.example' })('GET', '/leads')).status).toBe(
      403,
    );
  });
});
