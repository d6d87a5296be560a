// Knowledge gaps: questions retrieval found nothing for are recorded with the reply (visitor and server chats) and
// read back grouped by their words of meaning, per organisation, on both drivers.
import type { ChatReply, Dashboard, KnowledgeGap, Page } from '@closer/contract';
import { sha256Hex } from '@closer/functions/_shared/crypto.ts';
import { type TenantClaims, withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { recordGapStatement } from '@closer/functions/_shared/knowledge/gaps.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const today = new Date().toISOString().slice(0, 10);
const period = `from=${today}&to=${today}`;

describe.each(drivers)('knowledge gaps on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let b: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    api = createApi(db);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    const visitor = api.as(a.publishableKey, { origin: 'https://acme.example' });
    const server = api.as(a.secretKey);
    const ask = async (message: string, asVisitor: boolean) => {
      const reply = asVisitor
        ? await visitor<ChatReply>('POST', '/chat', { message })
        : await server<ChatReply>('POST', '/chat', { message, agentId: a.agentId });
      expect(reply.status).toBe(200);
    };
    // Gaps: boats three times (one fixture row more), heat pumps twice in other words.
    await ask('Do you repair boats?', true);
    await ask('Repairing boats, is that possible?', true);
    await ask('boat repair', false);
    await ask('Do you install heat pumps?', true);
    await ask('Heat pump prices?', false);
    // Not gaps: answered by knowledge or an objection answer, or no question at all.
    await ask('How much does it cost?', true);
    await ask('Too expensive', true);
    await ask('Hi!', true);
    await ask('Can I talk to a human?', true);
    await ask('Thanks!', false);
  });
  afterAll(async () => db?.close());

  it('records only the questions nothing was found for, with their words of meaning', async () => {
    const rows = await db.query<{ question: string; lexemes: string[] }>(
      'select question, lexemes from knowledge_gaps where org_id = $1 order by created_at, question',
      [a.orgId],
    );
    expect(rows.map((r) => r.question).sort()).toEqual(
      [
        'Do you repair boats?',
        'Do you repair boats?',
        'Repairing boats, is that possible?',
        'boat repair',
        'Do you install heat pumps?',
        'Heat pump prices?',
      ].sort(),
    );
    expect(rows.find((r) => r.question === 'Heat pump prices?')?.lexemes).toEqual(['heat', 'price', 'pump']);
  });

  it('lists them grouped by similarity, most asked first, with the shared terms', async () => {
    const list = await api.as(a.secretKey)<Page<KnowledgeGap>>('GET', `/dashboard/knowledge-gaps?${period}`);
    expect(list.status).toBe(200);
    expect(list.body.nextCursor).toBeNull();
    expect(list.body.data.map((g) => [g.count, g.terms])).toEqual([
      [4, ['boat', 'repair']],
      [2, ['heat', 'pump']],
    ]);
    const [boats, pumps] = list.body.data as [KnowledgeGap, KnowledgeGap];
    expect(boats.agentId).toBe(a.agentId);
    expect(new Set([boats.question, ...boats.examples])).toEqual(
      new Set(['Do you repair boats?', 'Repairing boats, is that possible?', 'boat repair']),
    );
    expect(pumps.question).toBe('Heat pump prices?');
    expect(pumps.examples).toEqual(['Do you install heat pumps?']);
    expect(Date.parse(pumps.lastAskedAt)).toBeGreaterThan(Date.now() - 600_000);

    const one = await api.as(a.secretKey)<Page<KnowledgeGap>>(
      'GET',
      `/dashboard/knowledge-gaps?${period}&limit=1&agentId=${a.agentId}`,
    );
    expect(one.body.data.map((g) => g.count)).toEqual([4]);
  });

  it('reports them on the dashboard, and never another tenant’s', async () => {
    const dashboard = await api.as(a.secretKey)<Dashboard>('GET', `/dashboard?${period}`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.body.knowledgeGaps.map((g) => g.count)).toEqual([4, 2]);
    const theirs = await api.as(b.secretKey)<Page<KnowledgeGap>>(
      'GET',
      `/dashboard/knowledge-gaps?${period}`,
    );
    expect(theirs.body.data).toEqual([
      expect.objectContaining({ agentId: b.agentId, count: 1, question: 'Do you repair boats?' }),
    ]);
    const foreignAgent = await api.as(b.secretKey)<Page<KnowledgeGap>>(
      'GET',
      `/dashboard/knowledge-gaps?${period}&agentId=${a.agentId}`,
    );
    expect(foreignAgent.body.data).toEqual([]);
  });

  it("lets a visitor's chat record its own conversation's gaps only, and read none", async () => {
    const token = 'vt_gaps_visitor';
    const [own] = await db.query<{ id: string }>(
      'insert into conversations (org_id, agent_id, visitor_token_hash) values ($1, $2, $3) returning id',
      [a.orgId, a.agentId, sha256Hex(token)],
    );
    const visitor: TenantClaims = {
      role: 'authenticated',
      kind: 'publishable',
      org_id: a.orgId,
      agent_id: a.agentId,
      visitor_token_hash: sha256Hex(token),
    };
    const record = (conversationId: string) =>
      withTenant(db, visitor, (tx) => {
        const { text, params } = recordGapStatement({
          orgId: a.orgId,
          agentId: a.agentId,
          conversationId,
          question: 'Do you rent kayaks?',
          language: 'en',
        });
        return tx.query(text, params);
      });
    await record(own!.id);
    await expect(record(a.conversationId)).rejects.toThrow(/row-level security/);
    expect(await withTenant(db, visitor, (tx) => tx.query('select * from knowledge_gaps'))).toEqual([]);
    const stored = await db.query<{ conversation_id: string; lexemes: string[] }>(
      `select conversation_id, lexemes from knowledge_gaps where question = 'Do you rent kayaks?'`,
    );
    expect(stored).toEqual([{ conversation_id: own!.id, lexemes: ['kayak', 'rent'] }]);
  });

  it('refuses a bad period or limit with 422, and visitors with 403', async () => {
    const server = api.as(a.secretKey);
    const backwards = await server('GET', `/dashboard/knowledge-gaps?from=${today}&to=2020-01-01`);
    expect(backwards.status).toBe(422);
    expect(issuePaths(backwards)).toEqual([['to']]);
    const limit = await server('GET', `/dashboard/knowledge-gaps?${period}&limit=0`);
    expect(issuePaths(limit)).toEqual([['limit']]);
    const visitor = api.as(a.publishableKey, { origin: 'https://acme.example' });
    expect((await visitor('GET', `/dashboard/knowledge-gaps?${period}`)).status).toBe(403);
  });
});
