// A publishable key's transaction reaches only its agent's chat rows, whatever the query asks: the database holds
// it (RESTRICTIVE policies of migration 20261130050000), with deliberately unscoped queries as in rls.test.ts.
import { randomUUID } from 'node:crypto';
import { sha256Hex } from '@closer/functions/_shared/crypto.ts';
import { bindVisitorToken, type TenantClaims, withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database, Queryable, Row } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers, migratedDatabase } from './helpers/databases.ts';
import { addBookingConnection, createTenant, type TenantFixture, tenantTables } from './helpers/tenants.ts';

async function sqlState(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** A second visitor of the same agent, and a second agent of the same organisation with its own content. */
interface Neighbours {
  token: string;
  otherConversationId: string;
  otherLeadId: string;
  otherAgentId: string;
  otherCategoryId: string;
  ownLeadJobId: string;
}

async function addNeighbours(db: Queryable, f: TenantFixture): Promise<Neighbours> {
  const token = `vt_${randomUUID()}`;
  await db.query('update public.conversations set visitor_token_hash = $2 where id = $1', [
    f.conversationId,
    sha256Hex(token),
  ]);
  const n = {
    token,
    otherConversationId: randomUUID(),
    otherLeadId: randomUUID(),
    otherAgentId: randomUUID(),
    otherCategoryId: randomUUID(),
  };
  const q = (text: string, params: unknown[]) => db.query(text, params);
  await q(
    `insert into public.agents (id, org_id, name, slug, publishable_key) values ($1, $2, 'Other', 'other', $3)`,
    [n.otherAgentId, f.orgId, `pk_other_${randomUUID().replaceAll('-', '')}`],
  );
  const [knowledge] = await db.query<{ id: string }>(
    `insert into public.company_knowledge (org_id, agent_id, title, content) values ($1, $2, 'Secret', 'Internal')
     returning id`,
    [f.orgId, n.otherAgentId],
  );
  await q(
    `insert into public.knowledge_chunks (org_id, agent_id, knowledge_id, position, content) values ($1, $2, $3, 0, 'Internal')`,
    [f.orgId, n.otherAgentId, knowledge?.id],
  );
  await q(
    `insert into public.sales_scripts (org_id, agent_id, stage, name, content) values ($1, $2, 'opening', 'x', 'y')`,
    [f.orgId, n.otherAgentId],
  );
  await q(
    `insert into public.objection_responses (org_id, agent_id, objection, answer) values ($1, $2, 'x', 'y')`,
    [f.orgId, n.otherAgentId],
  );
  await q(`insert into public.knowledge_categories (id, org_id, name) values ($1, $2, 'Internal only')`, [
    n.otherCategoryId,
    f.orgId,
  ]);
  await q(
    `insert into public.knowledge_articles (org_id, category_id, title, content) values ($1, $2, 'Margins', 'Ours')`,
    [f.orgId, n.otherCategoryId],
  );
  await q(
    `insert into public.knowledge_articles (org_id, category_id, title, content, published) values ($1, $2, 'Draft', 'Soon', false)`,
    [f.orgId, f.categoryId],
  );
  await q(
    'insert into public.agent_knowledge_categories (org_id, agent_id, category_id) values ($1, $2, $3)',
    [f.orgId, n.otherAgentId, n.otherCategoryId],
  );
  // Another visitor of the very same agent.
  await q(
    'insert into public.conversations (id, org_id, agent_id, visitor_token_hash) values ($1, $2, $3, $4)',
    [n.otherConversationId, f.orgId, f.agentId, sha256Hex('vt_someone_else')],
  );
  await q(
    `insert into public.messages (org_id, conversation_id, role, content) values ($1, $2, 'user', 'My address is…')`,
    [f.orgId, n.otherConversationId],
  );
  await q(
    `insert into public.conversation_events (org_id, conversation_id, type, data)
     values ($1, $2, 'message', '{"messageId":"x","role":"operator","content":"Your address is noted"}')`,
    [f.orgId, n.otherConversationId],
  );
  await q(
    `insert into public.leads (id, org_id, agent_id, conversation_id, name) values ($1, $2, $3, $4, 'Bob')`,
    [n.otherLeadId, f.orgId, f.agentId, n.otherConversationId],
  );
  // Another agent's qualification plan, and the other visitor's qualification.
  await q(`insert into public.qualification_plans (agent_id, org_id, plan) values ($1, $2, '{}')`, [
    n.otherAgentId,
    f.orgId,
  ]);
  await q(
    `insert into public.qualifications (conversation_id, org_id, agent_id, score, band) values ($1, $2, $3, 10, 'cold')`,
    [n.otherConversationId, f.orgId, f.agentId],
  );
  const [job] = await db.query<{ id: string }>(
    `insert into public.jobs (org_id, kind, payload) values ($1, 'kommo.sync_lead', jsonb_build_object('leadId', $2::text))
     returning id`,
    [f.orgId, f.leadId],
  );
  await q(
    `insert into public.jobs (org_id, kind, payload) values ($1, 'kommo.sync_lead', jsonb_build_object('leadId', $2::text))`,
    [f.orgId, n.otherLeadId],
  );
  return { ...n, ownLeadJobId: job!.id };
}

describe.each(drivers)('a publishable key under row-level security on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let b: TenantFixture;
  let n: Neighbours;
  let visitor: TenantClaims;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    for (const tenant of [a, b]) await addBookingConnection(db, tenant);
    n = await addNeighbours(db, a);
    visitor = {
      role: 'authenticated',
      kind: 'publishable',
      org_id: a.orgId,
      agent_id: a.agentId,
      visitor_token_hash: sha256Hex(n.token),
    };
  });
  afterAll(async () => db?.close());

  const unscoped = (claims: TenantClaims, table: string) =>
    withTenant(db, claims, (tx) => tx.query<Row>(`select * from public.${table}`));

  /** What an unscoped select of each table may return to the visitor; ids of the rows expected. */
  const visible = (): Record<string, { column: string; ids: string[] | 'any' }> => ({
    organizations: { column: 'id', ids: [] },
    organization_members: { column: 'user_id', ids: [] },
    organization_invitations: { column: 'id', ids: [] },
    api_keys: { column: 'id', ids: [] },
    kommo_connections: { column: 'id', ids: [] },
    booking_connections: { column: 'id', ids: [] },
    oauth_states: { column: 'id', ids: [] },
    webhook_events: { column: 'id', ids: [] },
    kommo_talks: { column: 'id', ids: [] },
    agents: { column: 'id', ids: [a.agentId] },
    company_knowledge: { column: 'agent_id', ids: [a.agentId] },
    knowledge_chunks: { column: 'agent_id', ids: [a.agentId] },
    // Vectors are reached only through semantic_passages(), never read.
    knowledge_chunk_embeddings: { column: 'chunk_id', ids: [] },
    knowledge_article_embeddings: { column: 'article_id', ids: [] },
    // The vocabulary of the agent's knowledge and of the categories it draws on.
    knowledge_terms: { column: 'scope_id', ids: [a.agentId, a.categoryId] },
    sales_scripts: { column: 'agent_id', ids: [a.agentId] },
    objection_responses: { column: 'agent_id', ids: [a.agentId] },
    agent_knowledge_categories: { column: 'agent_id', ids: [a.agentId] },
    knowledge_categories: { column: 'id', ids: [a.categoryId] },
    knowledge_articles: { column: 'title', ids: ['Hours'] },
    conversations: { column: 'id', ids: [a.conversationId] },
    messages: { column: 'conversation_id', ids: [a.conversationId] },
    conversation_events: { column: 'conversation_id', ids: [a.conversationId] },
    leads: { column: 'id', ids: [a.leadId] },
    jobs: { column: 'id', ids: [n.ownLeadJobId] },
    rate_limits: { column: 'org_id', ids: 'any' },
    usage_counters: { column: 'org_id', ids: 'any' },
    knowledge_gaps: { column: 'id', ids: [] },
    privacy_audit: { column: 'id', ids: [] },
    knowledge_sources: { column: 'id', ids: [] },
    knowledge_source_runs: { column: 'id', ids: [] },
    // The agent's plan; the qualification of the visitor's own conversation; no history.
    qualification_plans: { column: 'agent_id', ids: [a.agentId] },
    qualifications: { column: 'conversation_id', ids: [a.conversationId] },
    qualification_changes: { column: 'id', ids: [] },
    webhook_endpoints: { column: 'id', ids: [] },
    webhook_secrets: { column: 'id', ids: [] },
    webhook_deliveries: { column: 'id', ids: [] },
    webhook_attempts: { column: 'id', ids: [] },
    billing_accounts: { column: 'org_id', ids: [] },
    billing_usage: { column: 'org_id', ids: [] },
  });

  it('covers every tenant table', () => {
    expect(Object.keys(visible()).sort()).toEqual(Object.keys(tenantTables).sort());
  });

  it.each(Object.keys(tenantTables))(
    "an unscoped select of %s returns only the visitor's own chat rows",
    async (table) => {
      const rule = visible()[table]!;
      const rows = await unscoped(visitor, table);
      if (rule.ids === 'any') {
        expect(new Set(rows.map((r) => r.org_id))).toEqual(new Set([a.orgId]));
      } else {
        expect([...new Set(rows.map((r) => String(r[rule.column])))].sort()).toEqual([...rule.ids].sort());
      }
      // A secret key of the same organisation sees more, so the narrowing is the visitor policies.
      const everything = await unscoped({ role: 'authenticated', kind: 'secret', org_id: a.orgId }, table);
      expect(everything.length).toBeGreaterThan(rule.ids === 'any' ? 0 : rule.ids.length);
    },
  );

  it('sees no conversation at all without a visitor token, nor with a forged one', async () => {
    const { visitor_token_hash: _, ...tokenless } = visitor;
    for (const claims of [tokenless, { ...visitor, visitor_token_hash: sha256Hex('vt_guess') }]) {
      for (const table of ['conversations', 'messages', 'leads', 'jobs']) {
        expect(await unscoped(claims, table), table).toEqual([]);
      }
    }
  });

  it("cannot read another agent's visitor with that visitor's token", async () => {
    const claims = { ...visitor, agent_id: n.otherAgentId };
    expect(await unscoped(claims, 'conversations')).toEqual([]);
  });

  it('counts claims with an agent and no kind as a visitor (less, never more)', async () => {
    const { kind: _, ...kindless } = visitor;
    expect(await unscoped(kindless, 'api_keys')).toEqual([]);
    expect((await unscoped(kindless, 'conversations')).map((r) => r.id)).toEqual([a.conversationId]);
    // An unknown kind is a visitor too.
    expect(await unscoped({ ...visitor, kind: 'robot' as never }, 'leads')).toHaveLength(1);
  });

  it('unscoped updates and deletes change nothing outside the conversation', async () => {
    const changed = await withTenant(db, visitor, async (tx) => ({
      agents: await tx.query(`update public.agents set name = name || '!' returning id`),
      knowledge: await tx.query('delete from public.company_knowledge returning id'),
      messages: await tx.query('delete from public.messages returning id'),
      conversations: await tx.query('update public.conversations set status = status returning id'),
      leads: await tx.query('update public.leads set status = status returning id'),
      keys: await tx.query('update public.api_keys set revoked_at = now() returning id'),
    }));
    expect(changed).toEqual({
      agents: [],
      knowledge: [],
      messages: [],
      conversations: [{ id: a.conversationId }],
      leads: [{ id: a.leadId }],
      keys: [],
    });
    const [revoked] = await db.query<{ n: number }>(
      'select count(*)::int as n from public.api_keys where revoked_at is not null',
    );
    expect(revoked?.n).toBe(0);
  });

  it.each([
    [
      'an API key',
      `insert into public.api_keys (org_id, name, prefix, key_hash) values ($1, 'x', 'sk_x', repeat('a', 64))`,
    ],
    [
      'a message in another visitor’s conversation',
      `insert into public.messages (org_id, conversation_id, role, content) values ($1, '${'{other}'}', 'user', 'hi')`,
    ],
    [
      'a conversation of another agent',
      `insert into public.conversations (org_id, agent_id, visitor_token_hash) values ($1, '${'{agent}'}', '${'{hash}'}')`,
    ],
    [
      'a job about another lead',
      `insert into public.jobs (org_id, kind, payload) values ($1, 'kommo.sync_lead', jsonb_build_object('leadId', '${'{lead}'}'))`,
    ],
    [
      'a job about another conversation',
      `insert into public.jobs (org_id, kind, payload, dedupe_key) values ($1, 'kommo.handoff_task', jsonb_build_object('conversationId', '${'{other}'}'), 'x')`,
    ],
    ['a member', `insert into public.organization_members (org_id, user_id) values ($1, '${'{user}'}')`],
  ])('refuses to write %s', async (_, template) => {
    const sql = template
      .replace('{other}', n.otherConversationId)
      .replace('{agent}', n.otherAgentId)
      .replace('{hash}', visitor.visitor_token_hash!)
      .replace('{lead}', n.otherLeadId)
      .replace('{user}', b.userId);
    expect(await sqlState(withTenant(db, visitor, (tx) => tx.query(sql, [a.orgId])))).toBe('42501');
  });

  it('lets a new conversation be written once its token is bound to the transaction', async () => {
    const token = `vt_${randomUUID()}`;
    const hash = sha256Hex(token);
    const { visitor_token_hash: _, ...fresh } = visitor;
    const id = randomUUID();
    const written = await withTenant(db, fresh, async (tx) => {
      await bindVisitorToken(tx, hash);
      await tx.query(
        'insert into public.conversations (id, org_id, agent_id, visitor_token_hash) values ($1, $2, $3, $4)',
        [id, a.orgId, a.agentId, hash],
      );
      await tx.query(
        `insert into public.messages (org_id, conversation_id, role, content) values ($1, $2, 'user', 'Hello')`,
        [a.orgId, id],
      );
      return tx.query<{ conversation_id: string }>('select conversation_id from public.messages');
    });
    expect(written.map((m) => m.conversation_id)).toEqual([id]);
  });

  it('hides the member directory and says only whether Kommo is connected', async () => {
    const rows = await withTenant(db, visitor, (tx) =>
      tx.query('select * from public.organization_member_directory()'),
    );
    expect(rows).toEqual([]);
    const [row] = await withTenant(db, visitor, (tx) =>
      tx.query<{ connected: boolean }>('select public.kommo_connected() as connected'),
    );
    expect(row?.connected).toBe(false);
  });

  it('every table under row-level security has the four visitor policies', async () => {
    const tables = await db.query<{ tablename: string; restrictive: number }>(
      `select t.tablename,
         (select count(*)::int from pg_policies p
          where p.schemaname = 'public' and p.tablename = t.tablename and p.permissive = 'RESTRICTIVE'
            and p.policyname like '%\\_visitor\\_%') as restrictive
       from pg_tables t where t.schemaname = 'public' and t.rowsecurity`,
    );
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) expect(table.restrictive, table.tablename).toBe(4);
  });
});
