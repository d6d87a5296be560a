// Two sources workers with their own pools on one PostgreSQL database, running the same syncs at once: each step
// is taken by one of them (leased), so every page is stored once and the run's counts add up.

import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import type { SourceWorkerDeps } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { runsOf, workUntilIdle } from '../helpers/sources.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';
import { htmlPage, startTestSite, type TestSite } from '../helpers/testSite.ts';

let db: Database & { url?: string };
let second: Database;
let a: TenantFixture;
let site: TestSite;
const env = { ALLOW_PRIVATE_CRAWL: 'true', CLOSER_JOB_LEASE_MS: '20000' };

beforeAll(async () => {
  db = await migratedDatabase('postgres');
  second = createPostgresDatabase(db.url!);
  a = await createTenant(db, 'Acme');
  site = await startTestSite();
  const pages = Array.from({ length: 12 }, (_, i) => `/page-${i}`);
  site.pages.set('/', htmlPage('Home', [`${'Welcome to the shop. '.repeat(20)}`], pages));
  pages.forEach((path, i) => {
    site.pages.set(path, htmlPage(`Page ${i}`, [`${`Product ${i} details. `.repeat(20)}`]));
  });
});
afterAll(async () => {
  await site?.close();
  await second?.close();
  await db?.close();
});

it('two workers on two pools share the steps of three syncs without storing a page twice', async () => {
  const api = createApi(db, env);
  const ids: string[] = [];
  for (let n = 0; n < 3; n++) {
    const created = await api.as(a.secretKey)<{ id: string }>('POST', `/agents/${a.agentId}/sources`, {
      kind: 'crawl',
      url: `${site.origin}/`,
      maxDepth: 1,
      name: `Site ${n}`,
    });
    ids.push(created.body.id);
  }
  const worker = (database: Database): SourceWorkerDeps => ({
    db: database,
    env,
    fetch,
    uploads: null,
    stepSizes: { webFetches: 2 },
  });
  const [one, two] = await Promise.all([workUntilIdle(worker(db)), workUntilIdle(worker(second))]);
  // Both took part, and no step was lost to a lease.
  expect(one.stepped + one.finished).toBeGreaterThan(0);
  expect(two.stepped + two.finished).toBeGreaterThan(0);
  expect(one.lost + two.lost).toBe(0);
  for (const id of ids) {
    const items = await db.query<{ source_key: string }>(
      'select source_key from company_knowledge where source_id = $1 order by source_key',
      [id],
    );
    expect(items).toHaveLength(13);
    expect(new Set(items.map((item) => item.source_key)).size).toBe(13);
    const runs = await runsOf(db, id);
    expect(runs).toMatchObject([{ status: 'succeeded', added: 13, updated: 0, unchanged: 0, failed: 0 }]);
  }
});
