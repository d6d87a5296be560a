// Sources of the organisation's knowledge base (/knowledge-base/categories/:id/sources), on PGlite and
// PostgreSQL: web pages and files become published articles of the category, cited, retrieved by every agent
// drawing on the category and by no other; re-sync updates and removes them; deleting the source or the category
// takes them along. Another organisation can neither see nor touch them.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { KnowledgeArticle, KnowledgeSource, KnowledgeSourceRun, Page } from '@closer/contract';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import type { SourceWorkerDeps } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { directoryStorage } from '@closer/functions/_shared/storage/directory.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { uploadFile, workUntilIdle } from '../helpers/sources.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';
import { htmlPage, startTestSite, type TestSite } from '../helpers/testSite.ts';

interface Retrieved {
  passages: { kind: string; id: string; title: string; content: string }[];
}

describe.each(drivers)('knowledge-base sources on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let b: TenantFixture;
  let site: TestSite;
  let uploadsDir: string;
  let deps: SourceWorkerDeps;
  let categoryId: string;
  let otherAgentId: string;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    site = await startTestSite();
    uploadsDir = await mkdtemp(`${tmpdir()}/closer-kb-sources-`);
    const env = { ALLOW_PRIVATE_CRAWL: 'true', CLOSER_UPLOADS_DIR: uploadsDir, CLOSER_JOB_LEASE_MS: '20000' };
    api = createApi(db, env);
    deps = { db, env, fetch, uploads: directoryStorage(uploadsDir) };
    const asA = api.as(a.secretKey);
    categoryId = (await asA<{ id: string }>('POST', '/knowledge-base/categories', { name: 'Website' })).body
      .id;
    // The tenant's agent draws on the category; a second agent of the same organisation does not.
    expect((await asA('PATCH', `/agents/${a.agentId}`, { knowledgeCategoryIds: [categoryId] })).status).toBe(
      200,
    );
    otherAgentId = (
      await asA<{ id: string }>('POST', '/agents', { name: 'Other', slug: 'other-agent', language: 'en' })
    ).body.id;
  });
  afterAll(async () => {
    await site?.close();
    await db?.close();
    if (uploadsDir) await rm(uploadsDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    site.pages.clear();
    site.pages.set('/robots.txt', { contentType: 'text/plain', body: 'User-agent: *\nAllow: /\n' });
    site.pages.set(
      '/warranty',
      htmlPage('Warranty', ['Our geothermal heat pumps carry a twelve year warranty.']),
    );
    site.pages.set(
      '/delivery',
      htmlPage('Delivery', ['Installation crews reach the Algarve within a fortnight.']),
    );
  });

  const asA = () => api.as(a.secretKey);
  const sources = () => `/knowledge-base/categories/${categoryId}/sources`;
  const articlesOf = async (sourceId: string) =>
    (
      await asA()<Page<KnowledgeArticle>>(
        'GET',
        `/knowledge-base/articles?categoryId=${categoryId}&limit=100`,
      )
    ).body.data
      .filter((article) => article.sourceId === sourceId)
      .sort((x, y) => x.title.localeCompare(y.title));
  const retrieve = async (agentId: string, message: string) =>
    (await asA()<Retrieved>('POST', `/agents/${agentId}/retrieve`, { message })).body.passages;

  it('turns pages into published, cited articles that the agents drawing on the category retrieve', async () => {
    const created = await asA()<KnowledgeSource>('POST', sources(), {
      kind: 'url',
      urls: [`${site.origin}/warranty`, `${site.origin}/delivery`],
      name: 'Site pages',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ agentId: null, categoryId, kind: 'url', status: 'queued' });
    await workUntilIdle(deps);
    const source = (await asA()<KnowledgeSource>('GET', `${sources()}/${created.body.id}`)).body;
    expect(source).toMatchObject({ status: 'ready', itemCount: 2 });
    const articles = await articlesOf(created.body.id);
    expect(articles.map((x) => [x.title, x.source, x.published, x.language])).toEqual([
      ['Delivery', `${site.origin}/delivery`, true, 'en'],
      ['Warranty', `${site.origin}/warranty`, true, 'en'],
    ]);
    expect(articles[1]!.content).toContain('twelve year warranty');
    // No agent item was written: the knowledge is the organisation's.
    const [items] = await db.query<{ n: number }>(
      'select count(*)::int as n from public.company_knowledge where source_id = $1',
      [created.body.id],
    );
    expect(items!.n).toBe(0);

    const found = await retrieve(a.agentId, 'How long is the geothermal warranty?');
    expect(found[0]).toMatchObject({ kind: 'article', id: articles[1]!.id, title: 'Warranty' });
    expect(await retrieve(otherAgentId, 'How long is the geothermal warranty?')).toEqual([]);
  });

  it('re-syncs: a changed page is updated, a vanished one removed, the run log counts them', async () => {
    const created = await asA()<KnowledgeSource>('POST', sources(), {
      kind: 'url',
      urls: [`${site.origin}/warranty`, `${site.origin}/delivery`],
    });
    await workUntilIdle(deps);
    site.pages.set(
      '/warranty',
      htmlPage('Warranty', ['Geothermal heat pumps now carry a fifteen year warranty.']),
    );
    site.pages.delete('/delivery');
    expect((await asA()('POST', `${sources()}/${created.body.id}/sync`)).status).toBe(202);
    await workUntilIdle(deps);
    const articles = await articlesOf(created.body.id);
    expect(articles.map((x) => x.title)).toEqual(['Warranty']);
    expect(articles[0]!.content).toContain('fifteen year');
    const runs = (await asA()<Page<KnowledgeSourceRun>>('GET', `${sources()}/${created.body.id}/runs`)).body
      .data;
    expect(runs.map((run) => [run.trigger, run.added, run.updated, run.removed])).toEqual([
      ['manual', 0, 1, 1],
      ['created', 2, 0, 0],
    ]);
    const listed = (await asA()<Page<KnowledgeSource>>('GET', sources())).body.data.map((s) => s.id);
    expect(listed).toContain(created.body.id);
    expect((await asA()('DELETE', `${sources()}/${created.body.id}`)).status).toBe(204);
    expect(await articlesOf(created.body.id)).toEqual([]);
  });

  it('reads uploaded files into articles, and deleting the category removes its sources and stored files', async () => {
    const asTenant = asA();
    const category = (
      await asTenant<{ id: string }>('POST', '/knowledge-base/categories', { name: 'Manuals' })
    ).body.id;
    const uploaded = await uploadFile(
      api,
      a.secretKey,
      `/knowledge-base/categories/${category}/sources`,
      {
        bytes: '# Filters\nChange the filter every spring.\n# Noise\nThe outdoor unit runs at 35 dB.\n',
        name: 'manual.md',
      },
      { name: 'Manual' },
    );
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({
      categoryId: category,
      agentId: null,
      kind: 'file',
      name: 'Manual',
    });
    await workUntilIdle(deps);
    const articles = (
      await asTenant<Page<KnowledgeArticle>>('GET', `/knowledge-base/articles?categoryId=${category}`)
    ).body.data;
    expect(articles.map((x) => [x.title, x.source]).sort()).toEqual([
      ['manual.md — Filters', 'manual.md, Filters'],
      ['manual.md — Noise', 'manual.md, Noise'],
    ]);
    expect(await readdir(`${uploadsDir}/${a.orgId}`)).toContain(uploaded.body.id);
    expect((await asTenant('DELETE', `/knowledge-base/categories/${category}`)).status).toBe(204);
    expect(await readdir(`${uploadsDir}/${a.orgId}`)).not.toContain(uploaded.body.id);
    const [left] = await db.query<{ n: number }>(
      'select count(*)::int as n from public.knowledge_sources where id = $1',
      [uploaded.body.id],
    );
    expect(left!.n).toBe(0);
  });

  it("keeps another organisation away: its keys see and touch none of the category's sources or articles", async () => {
    const created = await asA()<KnowledgeSource>('POST', sources(), {
      kind: 'url',
      urls: [`${site.origin}/warranty`],
    });
    await workUntilIdle(deps);
    const asB = api.as(b.secretKey);
    expect((await asB('GET', sources())).status).toBe(404);
    expect((await asB('GET', `${sources()}/${created.body.id}`)).status).toBe(404);
    expect((await asB('GET', `${sources()}/${created.body.id}/runs`)).status).toBe(404);
    expect((await asB('POST', `${sources()}/${created.body.id}/sync`)).status).toBe(404);
    expect((await asB('PATCH', `${sources()}/${created.body.id}`, { name: 'Mine' })).status).toBe(404);
    expect((await asB('DELETE', `${sources()}/${created.body.id}`)).status).toBe(404);
    expect((await asB('POST', sources(), { kind: 'url', urls: [`${site.origin}/delivery`] })).status).toBe(
      404,
    );
    expect((await uploadFile(api, b.secretKey, sources(), { bytes: 'x', name: 'x.txt' })).status).toBe(404);
    // B's own category does not reach A's source either, nor do A's agent routes.
    const bCategory = (await asB<{ id: string }>('POST', '/knowledge-base/categories', { name: 'Website' }))
      .body.id;
    expect(
      (await asB('GET', `/knowledge-base/categories/${bCategory}/sources/${created.body.id}`)).status,
    ).toBe(404);
    expect((await asA()('GET', `/agents/${a.agentId}/sources/${created.body.id}`)).status).toBe(404);
    const bArticles = (await asB<Page<KnowledgeArticle>>('GET', '/knowledge-base/articles?limit=100')).body
      .data;
    expect(bArticles.some((x) => x.sourceId === created.body.id)).toBe(false);
    // And in the database, under B's tenant role, row-level security hides the rows themselves.
    const seen = await withTenant(db, { role: 'authenticated', org_id: b.orgId }, async (tx) => [
      ...(await tx.query('select id from public.knowledge_sources where id = $1', [created.body.id])),
      ...(await tx.query('select id from public.knowledge_articles where source_id = $1', [created.body.id])),
      ...(await tx.query('update public.knowledge_sources set name = $2 where id = $1 returning id', [
        created.body.id,
        'taken',
      ])),
    ]);
    expect(seen).toEqual([]);
    expect((await asA()<KnowledgeSource>('GET', `${sources()}/${created.body.id}`)).body.name).not.toBe(
      'taken',
    );
  });

  it('refuses a source with both or neither owner in the database', async () => {
    await expect(
      db.query(
        `insert into public.knowledge_sources (org_id, agent_id, category_id, kind, name)
         values ($1, $2, $3, 'url', 'both')`,
        [a.orgId, a.agentId, categoryId],
      ),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(
      db.query(`insert into public.knowledge_sources (org_id, kind, name) values ($1, 'url', 'neither')`, [
        a.orgId,
      ]),
    ).rejects.toMatchObject({ code: '23514' });
  });
});
