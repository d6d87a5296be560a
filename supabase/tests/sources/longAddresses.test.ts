// Pages at addresses longer than an item's key column holds (2,000 characters), on both drivers: a link 2,500
// characters long, a canonical link as long. Before, the step that read such a page could never be written (a
// check violation): the whole site's sync was retried until it failed, every other page lost with it.
import type { KnowledgeItem, KnowledgeSource, Page } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import type { SourceWorkerDeps } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { runsOf, workUntilIdle } from '../helpers/sources.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';
import { htmlPage, startTestSite, type TestSite } from '../helpers/testSite.ts';

const LONG_PATH = `/guides/${'solar-panels-'.repeat(200)}`;
const CANONICAL_PATH = `/canonical/${'battery-storage-'.repeat(160)}`;
const text = (topic: string) => `${topic} `.repeat(30).trim();

describe.each(drivers)('pages at long addresses on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let site: TestSite;
  const env = { ALLOW_PRIVATE_CRAWL: 'true' };
  let deps: SourceWorkerDeps;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    api = createApi(db, env);
    site = await startTestSite();
    deps = { db, env, fetch, uploads: null };
    site.pages.set('/robots.txt', { contentType: 'text/plain', body: 'User-agent: *\nAllow: /\n' });
    site.pages.set('/', htmlPage('Home', [text('We install solar panels.')], [LONG_PATH, '/batteries']));
    site.pages.set(LONG_PATH, htmlPage('Guide', [text('How solar panels are installed.')]));
    site.pages.set(
      '/batteries',
      htmlPage(
        'Batteries',
        [text('Battery storage keeps the sun for the night.')],
        [],
        `<link rel="canonical" href="${CANONICAL_PATH}">`,
      ),
    );
  });
  afterAll(async () => {
    await site?.close();
    await db?.close();
  });

  const asA = () => api.as(a.secretKey);
  const itemsOf = async (id: string) =>
    (await asA()<Page<KnowledgeItem>>('GET', `/agents/${a.agentId}/knowledge?limit=100`)).body.data
      .filter((item) => item.sourceId === id)
      .map((item) => item.title)
      .sort();

  it('stores every page, keeps them across syncs, and keeps a long one that failed for now', async () => {
    expect(LONG_PATH.length).toBeGreaterThan(2000);
    expect(CANONICAL_PATH.length).toBeGreaterThan(2000);
    const created = await asA()<KnowledgeSource>('POST', `/agents/${a.agentId}/sources`, {
      kind: 'crawl',
      url: `${site.origin}/`,
      maxDepth: 1,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await workUntilIdle(deps);
    const source = (await asA()<KnowledgeSource>('GET', `/agents/${a.agentId}/sources/${id}`)).body;
    expect(source).toMatchObject({ status: 'ready', itemCount: 3, failureReason: null });
    expect(await itemsOf(id)).toEqual(['Batteries', 'Guide', 'Home']);

    // The same pages again: nothing added or removed (each page keeps its key).
    await asA()('POST', `/agents/${a.agentId}/sources/${id}/sync`);
    await workUntilIdle(deps);
    expect((await runsOf(db, id))[1]).toMatchObject({
      status: 'succeeded',
      added: 0,
      removed: 0,
      unchanged: 3,
    });

    // The long page fails for now: it is kept, not removed.
    site.pages.set(LONG_PATH, { status: 503, body: 'maintenance' });
    await asA()('POST', `/agents/${a.agentId}/sources/${id}/sync`);
    await workUntilIdle(deps);
    expect((await runsOf(db, id))[2]).toMatchObject({ status: 'succeeded', removed: 0, failed: 1 });
    expect(await itemsOf(id)).toEqual(['Batteries', 'Guide', 'Home']);
  });
});
