// The plans PostgreSQL chooses for retrieval's statements (auto_explain, inner statements included), with enough
// knowledge that a scan would show: behaviour of the planner, not timing.
import type { TenantClaims } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase } from '../helpers/databases.ts';
import { type NestedPlan, nestedPlans } from '../helpers/nestedPlans.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const CHUNKS = 20_000;

describe('retrieval plans on postgres', () => {
  let db: Database & { url?: string };
  let a: TenantFixture;
  let b: TenantFixture;
  let rare: string;

  // Every chunk says "widget"; each also holds four made-up words of its own (letters from an md5).
  const load = (f: TenantFixture, seed: string) =>
    db.query(
      `with item as (
         insert into public.company_knowledge (org_id, agent_id, title, content)
         values ($1, $2, 'Widgets', 'Widgets') returning id)
       insert into public.knowledge_chunks (org_id, agent_id, knowledge_id, position, content)
       select $1, $2, item.id, i, 'Widget ' || (
         select string_agg(translate(substr(md5($3 || i || '-' || j), 1, 8), '0123456789', 'ghijklmnop'), ' ')
         from generate_series(1, 4) j) || ' ships from the warehouse.'
       from item, generate_series(1, $4::int) i`,
      [f.orgId, f.agentId, seed, CHUNKS],
    );

  const plansFor = (message: string): Promise<NestedPlan[]> => {
    const claims: TenantClaims = { role: 'authenticated', org_id: a.orgId, kind: 'secret' };
    return nestedPlans(db.url!, claims, 'select * from public.retrieve_passages($1, $2)', [
      a.agentId,
      message,
    ]);
  };
  const nodes = (plans: NestedPlan[]) => plans.flatMap((p) => p.nodes).join('\n');

  beforeAll(async () => {
    db = await migratedDatabase('postgres');
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    await load(a, 'a');
    await load(b, 'b');
    await db.query('analyze');
    const [row] = await db.query<{ word: string }>(
      `select word from public.knowledge_terms where scope_id = $1 and passages = 1 and length(word) = 8
       order by word limit 1`,
      [a.agentId],
    );
    rare = row!.word;
  }, 120_000);
  afterAll(async () => db?.close());

  it('finds a rare word through the full-text index, never by scanning chunks', async () => {
    const plans = await plansFor(`Do you have the ${rare}?`);
    const all = nodes(plans);
    expect(all).toContain('Bitmap Index Scan on knowledge_chunks_fts_idx');
    expect(all).not.toMatch(/Seq Scan on knowledge_chunks/);
    expect(all).not.toMatch(/Bitmap Index Scan on knowledge_chunks_(agent|org)_idx/);
  });

  it("reads a common word's candidates from the agent's index, stopping at the limit", async () => {
    const plans = await plansFor('widget');
    const candidates = plans.find((p) => p.query.includes('(c.fts @@ query) is true'));
    expect(candidates?.nodes.join('\n')).toMatch(
      /Limit\n\s*->\s*Index Scan using knowledge_chunks_agent_idx/,
    );
    expect(nodes(plans)).not.toMatch(/Seq Scan on knowledge_chunks/);
  });

  it("corrects a misspelt word through the vocabulary's trigram index", async () => {
    const misspelt = `${rare.slice(0, 3)}${rare.slice(4)}`;
    const plans = await plansFor(misspelt);
    const all = nodes(plans);
    expect(all).toContain('Bitmap Index Scan on knowledge_terms_word_trgm_idx');
    expect(all).not.toMatch(/Seq Scan on knowledge_(terms|chunks)/);
  });

  it('reads the candidates by primary key to rank them', async () => {
    const plans = await plansFor(`Do you have the ${rare}?`);
    const ranking = plans.find((p) => p.query.includes('with found as'));
    // Through the primary key or the (id, org_id) key the tenant foreign keys use: either reads by id.
    expect(ranking?.nodes.join('\n')).toMatch(
      /Index Scan using knowledge_chunks_(pkey|id_org_key) on knowledge_chunks[\s\S]*?Index Cond: \(+id = ANY/,
    );
    expect(ranking?.nodes.join('\n')).not.toMatch(/Seq Scan on knowledge_chunks/);
  });
});
