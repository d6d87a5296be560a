// Lexical retrieval as the chat uses it (retrieveKnowledge → retrieve_passages), on PGlite and PostgreSQL:
// ranking, languages, what an agent draws on, misspellings through the vocabulary, small talk, and the vocabulary
// kept as knowledge comes and goes.
import type { TenantClaims } from '@closer/functions/_shared/db/tenant.ts';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database, Queryable } from '@closer/functions/_shared/db/types.ts';
import { insertKnowledge } from '@closer/functions/_shared/resources/agentContent.ts';
import { retrieveKnowledge } from '@closer/functions/_shared/retrieval/retrieve.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const SOLAR = [
  {
    title: 'System pricing',
    content: 'A typical 7 kW rooftop system costs $17,500 to $21,000 installed.',
    tags: [],
    source: null,
  },
  {
    title: 'Financing options',
    content: 'We offer solar loans from 5.99% APR with no money down.',
    tags: [],
    source: null,
  },
  {
    title: 'Battery storage',
    content: 'A home battery keeps the lights on during outages.',
    tags: [],
    source: null,
  },
  {
    title: 'Installation timeline',
    content: 'From signed contract to switched-on system takes six to eight weeks.',
    tags: [],
    source: null,
  },
];
const REMONT = [
  { title: 'Гарантия', content: 'На все работы даём гарантию 3 года по договору.', tags: [], source: null },
  { title: 'Сроки', content: 'Однокомнатная квартира — от 45 рабочих дней.', tags: [], source: null },
];

describe.each(drivers)('lexical retrieval on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let ru: TenantFixture;
  const claims = (f: TenantFixture): TenantClaims => ({
    role: 'authenticated',
    org_id: f.orgId,
    kind: 'secret',
  });
  const retrieve = (f: TenantFixture, latest: string, context = '') =>
    withTenant(db, claims(f), (tx) => retrieveKnowledge(tx, { id: f.agentId }, latest, context));
  const titles = async (f: TenantFixture, latest: string, context = '') =>
    (await retrieve(f, latest, context)).map((p) => p.title);
  const terms = async (scopeId: string, word: string) =>
    (
      await db.query<{ passages: number }>(
        'select passages from public.knowledge_terms where scope_id = $1 and word = $2',
        [scopeId, word],
      )
    )[0]?.passages ?? 0;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    ru = await createTenant(db, 'Remont');
    await db.query(`update public.agents set language = 'ru' where id = $1`, [ru.agentId]);
    await withTenant(db, claims(a), (tx) =>
      insertKnowledge(tx, { id: a.agentId, orgId: a.orgId, language: 'en' }, SOLAR),
    );
    await withTenant(db, claims(ru), (tx) =>
      insertKnowledge(tx, { id: ru.agentId, orgId: ru.orgId, language: 'ru' }, REMONT),
    );
  });
  afterAll(async () => db?.close());

  it('ranks passages for the latest message above those for the previous one, and says which matched', async () => {
    const found = await retrieve(a, 'Is there any financing?', 'How much does a 7 kW system cost?');
    expect(found[0]).toMatchObject({ title: 'Financing options', matched: 'latest', kind: 'knowledge' });
    expect(found.map((p) => p.title)).toContain('System pricing');
    expect(found.find((p) => p.title === 'System pricing')?.matched).toBe('previous');
    for (const passage of found) expect(passage.score).toBeGreaterThan(0);
  });

  it("stems with the agent's language: Russian forms find each other, English ones too", async () => {
    expect(await titles(ru, 'Какие гарантии вы даёте?')).toEqual(['Гарантия']);
    expect(await titles(a, 'Tell me about your batteries')).toEqual(['Battery storage']);
    expect((await titles(a, 'Do you install it?')).sort()).toEqual([
      'Installation timeline',
      'System pricing',
    ]);
  });

  it("finds a misspelt word's item through the vocabulary, in both languages", async () => {
    expect((await titles(a, 'pricng'))[0]).toBe('System pricing');
    expect((await titles(a, 'finacing optoins'))[0]).toBe('Financing options');
    expect((await titles(ru, 'гарантея'))[0]).toBe('Гарантия');
  });

  it('runs no query at all for greetings and thanks, and finds nothing for them', async () => {
    const statements: string[] = [];
    const watched: Queryable = {
      query: async (text) => {
        statements.push(text);
        return [];
      },
    };
    for (const message of [
      'hi',
      'Hello!',
      'привет',
      'ok thanks',
      'Спасибо большое',
      'Good morning',
      'добрый день',
    ]) {
      expect(await retrieveKnowledge(watched, { id: a.agentId }, message, 'How much does it cost?')).toEqual(
        [],
      );
    }
    expect(statements).toEqual([]);
    // Small talk around a question is left out of the search, the question is not.
    expect((await titles(a, 'Hi! ok, thanks. And financing?'))[0]).toBe('Financing options');
  });

  it("offers published articles of the categories the agent draws on, and no other's", async () => {
    const [other] = await db.query<{ id: string }>(
      `insert into public.knowledge_categories (org_id, name) values ($1, 'Internal') returning id`,
      [a.orgId],
    );
    await db.query(
      `insert into public.knowledge_articles (org_id, category_id, title, content, published) values
         ($1, $2, 'Warranty terms', 'Panels carry a 25-year warranty.', true),
         ($1, $2, 'Warranty draft', 'Panels carry a 30-year warranty.', false),
         ($1, $3, 'Warranty margins', 'Our warranty costs us 2%.', true)`,
      [a.orgId, a.categoryId, other!.id],
    );
    const found = await retrieve(a, 'What warranty do the panels have?');
    expect(found.map((p) => [p.kind, p.title])).toEqual([['article', 'Warranty terms']]);
    expect(found[0]?.content).toBe('Warranty terms\nPanels carry a 25-year warranty.');
    // Publishing the draft brings it in, and its words into the category's vocabulary.
    expect(await terms(a.categoryId, 'draft')).toBe(0);
    await db.query(`update public.knowledge_articles set published = true where title = 'Warranty draft'`);
    expect(await terms(a.categoryId, 'draft')).toBe(1);
    expect((await titles(a, 'warranty panels')).sort()).toEqual(['Warranty draft', 'Warranty terms']);
  });

  it('keeps the vocabulary counts as knowledge is added and deleted', async () => {
    expect(await terms(a.agentId, 'outages')).toBe(1);
    const [extra] = await withTenant(db, claims(a), (tx) =>
      insertKnowledge(tx, { id: a.agentId, orgId: a.orgId, language: 'en' }, [
        {
          title: 'Outages',
          content: 'During outages the battery switches over in 20 ms.',
          tags: [],
          source: null,
        },
      ]),
    );
    expect(await terms(a.agentId, 'outages')).toBe(2);
    await withTenant(db, claims(a), (tx) =>
      tx.query('delete from public.company_knowledge where id = $1', [extra!.id]),
    );
    expect(await terms(a.agentId, 'outages')).toBe(1);
    expect(await terms(a.agentId, 'switches')).toBe(0);
    // Stop words are not kept; words keep their lexeme.
    const [row] = await db.query<{ lexeme: string }>(
      `select lexeme from public.knowledge_terms where scope_id = $1 and word = 'financing'`,
      [a.agentId],
    );
    expect(row?.lexeme).toBe('financ');
    expect(await terms(a.agentId, 'the')).toBe(0);
  });

  it("re-stems the vocabulary when the agent's knowledge changes language", async () => {
    const lexeme = async () =>
      (
        await db.query<{ lexeme: string; passages: number }>(
          `select lexeme, passages from public.knowledge_terms where scope_id = $1 and word = 'financing'`,
          [a.agentId],
        )
      )[0];
    // What PATCH /agents/:id with a new `language` does to the chunks.
    const relanguage = (language: string) =>
      withTenant(db, claims(a), (tx) =>
        tx.query('update public.knowledge_chunks set language = $2 where agent_id = $1', [
          a.agentId,
          language,
        ]),
      );
    await relanguage('xx');
    expect(await lexeme()).toEqual({ lexeme: 'financing', passages: 1 });
    await relanguage('en');
    expect(await lexeme()).toEqual({ lexeme: 'financ', passages: 1 });
  });
});
