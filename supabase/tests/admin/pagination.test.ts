import type { KnowledgeItem, Page } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

describe.each(drivers)('cursor pagination on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let asA: Caller;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    asA = createApi(db).as(a.secretKey);
    // 250 rows in one statement share one created_at: only the id tie-break orders them.
    await db.query(
      `insert into company_knowledge (org_id, agent_id, title, content)
       select $1, $2, 'Item ' || n, 'Content ' || n from generate_series(1, 250) n`,
      [a.orgId, a.agentId],
    );
  });
  afterAll(async () => db?.close());

  it('walks 250 rows while others are inserted, none repeated or skipped', async () => {
    const existing = (
      await db.query<{ id: string }>('select id from company_knowledge where agent_id = $1', [a.agentId])
    ).map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=7&cursor=${cursor}` : '?limit=7';
      // A writer adds knowledge while the reader pages.
      const [page] = await Promise.all([
        asA<Page<KnowledgeItem>>('GET', `/agents/${a.agentId}/knowledge${query}`),
        asA('POST', `/agents/${a.agentId}/knowledge`, { title: `New ${pages}`, content: 'Added mid-walk' }),
      ]);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.data.map((k) => k.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);

    const original = seen.filter((id) => existing.includes(id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(original.sort()).toEqual([...existing].sort());
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(251 / 7));
  });

  it('defaults to 20 and ends with a null cursor', async () => {
    const first = await asA<Page<KnowledgeItem>>('GET', `/agents/${a.agentId}/knowledge`);
    expect(first.body.data).toHaveLength(20);
    const all = await asA<Page<KnowledgeItem>>('GET', `/agents/${a.agentId}/knowledge?limit=100`);
    expect(all.body.nextCursor).toEqual(expect.any(String));
    const agents = await asA<Page<unknown>>('GET', '/agents?limit=100');
    expect(agents.body).toEqual({ data: [expect.objectContaining({ id: a.agentId })], nextCursor: null });
  });

  it.each([
    ['limit=0', ['limit']],
    ['limit=101', ['limit']],
    ['limit=ten', ['limit']],
    ['cursor=not-a-cursor', ['cursor']],
    [`cursor=${btoa(JSON.stringify(['yesterday', 'x']))}`, ['cursor']],
  ])('refuses %s with 422', async (query, path) => {
    const response = await asA('GET', `/agents/${a.agentId}/knowledge?${query}`);
    expect(response.status).toBe(422);
    expect(issuePaths(response)).toEqual([path]);
  });
});
