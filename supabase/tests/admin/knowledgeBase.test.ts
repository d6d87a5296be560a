import type { KnowledgeArticle, KnowledgeCategory, Page } from '@closer/contract';
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
let category: KnowledgeCategory;
const titles = (page: { body: Page<KnowledgeArticle> }) => page.body.data.map((x) => x.title).sort();

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme');
  b = await createTenant(db, 'Globex');
  asA = createApi(db).as(a.secretKey);
  category = (
    await asA<KnowledgeCategory>('POST', '/knowledge-base/categories', {
      name: 'Доставка',
      description: 'Сроки',
    })
  ).body;
  const articles = [
    { title: 'Доставка по Москве', content: 'Доставляем мебель по Москве за два дня.', language: 'ru' },
    {
      title: 'Самовывоз',
      content: 'Забрать заказ можно со склада в Химках.',
      language: 'ru',
      published: false,
    },
    { title: 'Shipping abroad', content: 'We ship furniture to Kazakhstan and Armenia.', language: 'en' },
  ];
  for (const article of articles)
    await asA('POST', '/knowledge-base/articles', { categoryId: category.id, ...article });
});
afterAll(async () => db?.close());

describe('categories', () => {
  it('creates a category and stores it', async () => {
    expect(category).toMatchObject({ name: 'Доставка', description: 'Сроки' });
    const [row] = await db.query<{ org_id: string }>(
      'select org_id from knowledge_categories where id = $1',
      [category.id],
    );
    expect(row?.org_id).toBe(a.orgId);
  });

  it('refuses a second category of the same name (any case) with 409', async () => {
    expect((await asA('POST', '/knowledge-base/categories', { name: 'доставка' })).status).toBe(409);
  });

  it('renames, lists, and cannot reach another tenant', async () => {
    const renamed = await asA<KnowledgeCategory>('PATCH', `/knowledge-base/categories/${a.categoryId}`, {
      name: 'Rules',
    });
    expect(renamed.body).toMatchObject({ id: a.categoryId, name: 'Rules' });
    const list = await asA<Page<KnowledgeCategory>>('GET', '/knowledge-base/categories');
    expect(list.body.data.map((c) => c.id).sort()).toEqual([a.categoryId, category.id].sort());
    expect((await asA('PATCH', `/knowledge-base/categories/${b.categoryId}`, { name: 'Mine' })).status).toBe(
      404,
    );
    expect((await asA('DELETE', `/knowledge-base/categories/${b.categoryId}`)).status).toBe(404);
  });

  it('deletes a category with its articles', async () => {
    const doomed = await asA<KnowledgeCategory>('POST', '/knowledge-base/categories', { name: 'Old' });
    await asA('POST', '/knowledge-base/articles', {
      categoryId: doomed.body.id,
      title: 'Gone',
      content: 'Soon',
    });
    expect((await asA('DELETE', `/knowledge-base/categories/${doomed.body.id}`)).status).toBe(204);
    const [row] = await db.query<{ n: number }>(
      `select count(*)::int as n from knowledge_articles where title = 'Gone'`,
    );
    expect(row?.n).toBe(0);
  });
});

describe('articles', () => {
  it('filters by category and by published', async () => {
    const inCategory = await asA<Page<KnowledgeArticle>>(
      'GET',
      `/knowledge-base/articles?categoryId=${category.id}`,
    );
    expect(titles(inCategory)).toEqual(['Shipping abroad', 'Доставка по Москве', 'Самовывоз']);
    const drafts = await asA<Page<KnowledgeArticle>>('GET', '/knowledge-base/articles?published=false');
    expect(titles(drafts)).toEqual(['Самовывоз']);
  });

  it('searches full text in each article language, and forgives a misspelt title', async () => {
    // "доставку" is another form of "доставка": found only through Russian stemming.
    const russian = await asA<Page<KnowledgeArticle>>(
      'GET',
      `/knowledge-base/articles?q=${encodeURIComponent('доставку')}`,
    );
    expect(titles(russian)).toEqual(['Доставка по Москве']);
    const english = await asA<Page<KnowledgeArticle>>('GET', '/knowledge-base/articles?q=shipped');
    expect(titles(english)).toEqual(['Shipping abroad']);
    const typo = await asA<Page<KnowledgeArticle>>(
      'GET',
      `/knowledge-base/articles?q=${encodeURIComponent('Самовывос')}`,
    );
    expect(titles(typo)).toEqual(['Самовывоз']);
  });

  it('reads, updates and deletes one article', async () => {
    const [first] = (await asA<Page<KnowledgeArticle>>('GET', '/knowledge-base/articles?published=false'))
      .body.data;
    const read = await asA<KnowledgeArticle>('GET', `/knowledge-base/articles/${first?.id}`);
    expect(read.body).toMatchObject({ title: 'Самовывоз', language: 'ru', published: false });
    const published = await asA<KnowledgeArticle>('PATCH', `/knowledge-base/articles/${first?.id}`, {
      published: true,
    });
    expect(published.body.published).toBe(true);
    expect((await asA('DELETE', `/knowledge-base/articles/${first?.id}`)).status).toBe(204);
    expect((await asA('GET', `/knowledge-base/articles/${first?.id}`)).status).toBe(404);
  });

  it("refuses another tenant's category as a home with 404, and an empty title with 422", async () => {
    const foreign = await asA('POST', '/knowledge-base/articles', {
      categoryId: b.categoryId,
      title: 'x',
      content: 'y',
    });
    expect(foreign.status).toBe(404);
    const empty = await asA('POST', '/knowledge-base/articles', {
      categoryId: category.id,
      title: '',
      content: 'y',
    });
    expect(issuePaths(empty)).toEqual([['title']]);
  });

  it('admits members and refuses publishable keys', async () => {
    const auth = await fakeSupabaseAuth();
    const api = createApi(db);
    expect((await api.as(await auth.legacyToken(a.userId))('GET', '/knowledge-base/categories')).status).toBe(
      200,
    );
    const pk = await api.as(a.publishableKey, { origin: 'https://acme.example' })(
      'GET',
      '/knowledge-base/articles',
    );
    expect(pk.status).toBe(403);
  });
});
