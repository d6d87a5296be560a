// retrieve_passages runs as its owner (so that the indexes serve it): these check, like the RLS suite, that it
// still returns only the caller's own agent's rows, whatever agent id it is given and whoever calls it.
import { sha256Hex } from '@closer/functions/_shared/crypto.ts';
import type { TenantClaims } from '@closer/functions/_shared/db/tenant.ts';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { insertKnowledge } from '@closer/functions/_shared/resources/agentContent.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

interface Passage {
  kind: string;
  title: string;
}

describe.each(drivers)('retrieval tenancy on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let b: TenantFixture;
  let secondAgentId: string;

  const secret = (f: TenantFixture): TenantClaims => ({
    role: 'authenticated',
    org_id: f.orgId,
    kind: 'secret',
  });
  const passages = (claims: TenantClaims | null, agentId: string, message: string) => {
    const statement = 'select kind, title from public.retrieve_passages($1, $2)';
    return claims
      ? withTenant(db, claims, (tx) => tx.query<Passage>(statement, [agentId, message]))
      : db.transaction(async (tx) => {
          await tx.query(`set local role authenticated`);
          return tx.query<Passage>(statement, [agentId, message]);
        });
  };

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    await insertKnowledge(db, { id: a.agentId, orgId: a.orgId, language: 'en' }, [
      { title: 'Kangaroo tours', content: 'Our kangaroo tours leave at dawn.', tags: [], source: null },
    ]);
    await insertKnowledge(db, { id: b.agentId, orgId: b.orgId, language: 'en' }, [
      {
        title: 'Quokka safaris',
        content: 'Our quokka safaris and kangaroo tours leave at noon.',
        tags: [],
        source: null,
      },
    ]);
    // A second agent of A's organisation, with knowledge of its own.
    const [second] = await db.query<{ id: string }>(
      `insert into public.agents (org_id, name, slug, publishable_key) values ($1, 'Support', 'support', $2) returning id`,
      [a.orgId, `pk_second_${crypto.randomUUID().replaceAll('-', '')}`],
    );
    secondAgentId = second!.id;
    await insertKnowledge(db, { id: secondAgentId, orgId: a.orgId, language: 'en' }, [
      {
        title: 'Wombat walks',
        content: 'Wombat walks and kangaroo tours for members only.',
        tags: [],
        source: null,
      },
    ]);
  });
  afterAll(async () => db?.close());

  it("finds the caller's own agent's passages", async () => {
    expect(await passages(secret(a), a.agentId, 'kangaroo')).toEqual([
      { kind: 'knowledge', title: 'Kangaroo tours' },
    ]);
  });

  it("returns nothing for another organisation's agent, however it is named", async () => {
    expect(await passages(secret(a), b.agentId, 'kangaroo quokka')).toEqual([]);
    // Nor does another tenant's vocabulary correct a misspelling.
    expect(await passages(secret(a), a.agentId, 'quokka')).toEqual([]);
    expect(await passages(secret(a), a.agentId, 'quoka safari')).toEqual([]);
  });

  it('returns nothing without claims, or to a member who does not belong to the organisation', async () => {
    expect(await passages(null, a.agentId, 'kangaroo')).toEqual([]);
    const forged: TenantClaims = { role: 'authenticated', org_id: a.orgId, kind: 'member', sub: b.userId };
    expect(await passages(forged, a.agentId, 'kangaroo')).toEqual([]);
    const member: TenantClaims = { role: 'authenticated', org_id: a.orgId, kind: 'member', sub: a.userId };
    expect(await passages(member, a.agentId, 'kangaroo')).toHaveLength(1);
  });

  it("holds a publishable key's transaction to its own agent", async () => {
    const visitor: TenantClaims = {
      role: 'authenticated',
      kind: 'publishable',
      org_id: a.orgId,
      agent_id: a.agentId,
      visitor_token_hash: sha256Hex('vt_test'),
    };
    expect(await passages(visitor, a.agentId, 'kangaroo')).toEqual([
      { kind: 'knowledge', title: 'Kangaroo tours' },
    ]);
    expect(await passages(visitor, secondAgentId, 'wombat kangaroo')).toEqual([]);
    expect(await passages(visitor, b.agentId, 'quokka kangaroo')).toEqual([]);
    // Claims with an agent and no kind count as a visitor: less, never more.
    const { kind: _, ...kindless } = visitor;
    expect(await passages(kindless, secondAgentId, 'wombat')).toEqual([]);
    // The same organisation's secret key reaches the second agent.
    expect(await passages(secret(a), secondAgentId, 'wombat')).toEqual([
      { kind: 'knowledge', title: 'Wombat walks' },
    ]);
  });

  it('is a security definer with a fixed search_path, executable by tenants only', async () => {
    const [fn] = await db.query<{
      definer: boolean;
      config: string[];
      anon: boolean;
      tenant: boolean;
      everyone: boolean;
    }>(
      `select p.prosecdef as definer, p.proconfig as config,
         has_function_privilege('anon', p.oid, 'execute') as anon,
         has_function_privilege('authenticated', p.oid, 'execute') as tenant,
         exists (select 1 from aclexplode(p.proacl) x where x.grantee = 0) as everyone
       from pg_proc p where p.proname = 'retrieve_passages'`,
    );
    expect(fn).toMatchObject({ definer: true, anon: false, tenant: true, everyone: false });
    expect(fn?.config).toContain('search_path=public, extensions, pg_temp');
  });

  it("runs its helpers with the caller's rights: called directly, they reach no other tenant", async () => {
    const [fns] = await db.query<{ definers: string[] }>(
      `select array_agg(p.proname::text order by p.proname) as definers from pg_proc p
       where p.prosecdef and p.proname in
         ('chunk_candidates', 'agent_chunks_matching', 'search_lexemes', 'count_terms', 'vocabulary_words', 'word_lexeme', 'retrieve_passages')`,
    );
    expect(fns?.definers).toEqual(['retrieve_passages']);
    const candidates = await withTenant(db, secret(a), (tx) =>
      tx.query('select public.chunk_candidates($1, $2, $3, 10) as id', [b.orgId, b.agentId, ['quokka']]),
    );
    expect(candidates).toEqual([]);
    const poisoning = withTenant(db, secret(a), (tx) =>
      tx.query(
        `select public.count_terms(array[row($1::uuid, $2::uuid, 'en', 'poison')::public.scoped_text], 1)`,
        [b.orgId, b.agentId],
      ),
    );
    await expect(poisoning).rejects.toMatchObject({ code: '42501' });
  });

  it("refuses a vocabulary row of one organisation naming another's agent", async () => {
    const forged = withTenant(db, secret(a), (tx) =>
      tx.query(
        `insert into public.knowledge_terms (org_id, scope_id, word, lexeme, passages) values ($1, $2, 'quokkas', 'kangaroo', 1)`,
        [a.orgId, b.agentId],
      ),
    );
    await expect(forged).rejects.toMatchObject({ code: '42501' });
    const own = await withTenant(db, secret(a), (tx) =>
      tx.query(
        `insert into public.knowledge_terms (org_id, scope_id, word, lexeme, passages) values ($1, $2, 'koalas', 'koala', 1) returning word`,
        [a.orgId, a.agentId],
      ),
    );
    expect(own).toEqual([{ word: 'koalas' }]);
  });

  it("leaves a tenant's unscoped read of the vocabulary to row-level security", async () => {
    const scopes = await withTenant(db, secret(a), (tx) =>
      tx.query<{ org_id: string }>('select distinct org_id from public.knowledge_terms'),
    );
    expect(scopes).toEqual([{ org_id: a.orgId }]);
  });
});
