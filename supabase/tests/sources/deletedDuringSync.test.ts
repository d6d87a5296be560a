// A knowledge source deleted while its sync reads a page, on both drivers: the worker sees the source is gone and
// stops quietly — one info line, nothing logged as an error, no retry. Before, writing the step's items hit the foreign key
// (23503): an error line with a stack, the job retried until it found no source.
import type { KnowledgeSource } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { runSourceJobs, type SourceWorkerDeps } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';
import { htmlPage, startTestSite, type TestSite } from '../helpers/testSite.ts';

const text = (topic: string) => `${topic} `.repeat(30).trim();

describe.each(drivers)('a source deleted during its sync on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let site: TestSite;
  const env = { ALLOW_PRIVATE_CRAWL: 'true' };

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, `Gone${crypto.randomUUID().slice(0, 6)}`);
    api = createApi(db, env);
    site = await startTestSite();
    site.pages.set('/robots.txt', { contentType: 'text/plain', body: 'User-agent: *\nAllow: /\n' });
    site.pages.set('/', htmlPage('Home', [text('We install solar panels.')], ['/batteries']));
    site.pages.set(
      '/batteries',
      htmlPage('Batteries', [text('Battery storage keeps the sun for the night.')]),
    );
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await site?.close();
    await db?.close();
  });

  it('stops with one info line, nothing logged as an error and no retry', async () => {
    const asA = api.as(a.secretKey);
    const created = await asA<KnowledgeSource>('POST', `/agents/${a.agentId}/sources`, {
      kind: 'crawl',
      url: `${site.origin}/`,
      maxDepth: 1,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    // The admin deletes the source while the worker reads the site's first page.
    let deleted = false;
    const deps: SourceWorkerDeps = {
      db,
      env,
      uploads: null,
      fetch: async (input, init) => {
        if (!deleted && new URL(String(input instanceof Request ? input.url : input)).pathname === '/') {
          deleted = true;
          expect((await asA('DELETE', `/agents/${a.agentId}/sources/${id}`)).status).toBe(204);
        }
        return fetch(input, init);
      },
    };
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const infos = vi.spyOn(console, 'info').mockImplementation(() => {});

    const report = await runSourceJobs(deps, { maxSteps: 5 });
    expect(deleted).toBe(true);
    expect(report).toMatchObject({ finished: 1, retrying: 0, lost: 0 });
    expect(errors).not.toHaveBeenCalled();
    expect(warnings).not.toHaveBeenCalled();
    const lines = infos.mock.calls.map((call) => JSON.parse(String(call[0])) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        where: 'sources worker',
        sourceId: id,
        message: 'The source was deleted during its sync; the sync stopped',
      }),
    ]);
    // The job went with its source (deleting a source deletes its job): nothing pending, nothing failed.
    const jobs = await db.query(
      `select status from jobs where kind = 'knowledge.sync_source' and payload->>'sourceId' = $1`,
      [id],
    );
    expect(jobs).toEqual([]);
    const items = await db.query('select 1 from company_knowledge where source_id = $1', [id]);
    expect(items).toEqual([]);
    expect(await runSourceJobs(deps, { maxSteps: 5 })).toMatchObject({
      stepped: 0,
      finished: 0,
      retrying: 0,
    });
  });
});
