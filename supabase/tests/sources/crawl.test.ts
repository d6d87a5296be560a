// Web sources against a local test site (127.0.0.1, allowed by ALLOW_PRIVATE_CRAWL=true): a crawl to a depth
// that respects robots.txt and noindex, skips duplicates and non-HTML, refuses off-site redirects and gives up on
// pages that never finish; a re-sync that updates, adds and removes only what changed; sitemaps; the SSRF guard
// without the flag; and a run that resumes after its worker died mid-sync.
import type { KnowledgeItem, KnowledgeSource, Page } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { chunkKnowledge } from '@closer/functions/_shared/knowledge/chunking.ts';
import { SOURCE_SYNC_JOB } from '@closer/functions/_shared/knowledge/sources/sources.ts';
import type { SourceWorkerDeps } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { runSourceJobs } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { nonPublicRange } from '@closer/functions/_shared/outbound/addresses.ts';
import { claimNextJob } from '@closer/functions/_shared/outbox/jobs.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { runsOf, workUntilIdle } from '../helpers/sources.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';
import { htmlPage, startTestSite, type TestSite } from '../helpers/testSite.ts';

const LONG = (topic: string) => `${topic} `.repeat(40).trim();

function buildSite(site: TestSite) {
  site.pages.clear();
  site.pages.set('/robots.txt', { contentType: 'text/plain', body: 'User-agent: *\nDisallow: /private/\n' });
  site.pages.set(
    '/',
    htmlPage(
      'Sunny Roofs',
      [LONG('We install solar panels on homes.')],
      [
        '/about',
        '/pricing',
        '/contact',
        '/private/secret',
        '/quiet',
        '/about-copy',
        '/brochure.pdf',
        '/away',
        '/slow',
        '/pricing#plans',
        'http://other.example/',
      ],
    ),
  );
  site.pages.set('/about', htmlPage('About us', [LONG('A family company since 1998.')], ['/team']));
  site.pages.set('/team', htmlPage('Team', [LONG('Our installers are certified.')]));
  site.pages.set('/pricing', htmlPage('Pricing', [LONG('A 4 kW system costs 5,200 euros.')]));
  site.pages.set('/private/secret', htmlPage('Secret', [LONG('Not for robots.')]));
  site.pages.set(
    '/quiet',
    htmlPage('Quiet', [LONG('Hidden from search.')], [], '<meta name="robots" content="noindex">'),
  );
  site.pages.set('/about-copy', {
    body: htmlPage(
      'About us',
      [LONG('A family company since 1998.')],
      ['/team'],
      '<link rel="canonical" href="/about">',
    ).body!,
  });
  site.pages.set('/brochure.pdf', { contentType: 'application/pdf', body: '%PDF-1.4 not html' });
  site.pages.set('/away', { status: 302, headers: { location: 'http://example.invalid/landing' } });
  site.pages.set('/slow', { stall: true, body: '<html><head><title>Slow</title>' });
}

describe.each(drivers)('web sources on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let site: TestSite;
  const env = { ALLOW_PRIVATE_CRAWL: 'true', CLOSER_JOB_LEASE_MS: '7000' };
  let deps: SourceWorkerDeps;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    api = createApi(db, env);
    site = await startTestSite();
    deps = { db, env, fetch, uploads: null };
  });
  afterAll(async () => {
    await site?.close();
    await db?.close();
  });
  beforeEach(() => buildSite(site));

  const asA = () => api.as(a.secretKey);
  const create = async (body: Record<string, unknown>) => {
    const response = await asA()<KnowledgeSource>('POST', `/agents/${a.agentId}/sources`, body);
    expect(response.status).toBe(201);
    return response.body;
  };
  const readSource = async (id: string) =>
    (await asA()<KnowledgeSource>('GET', `/agents/${a.agentId}/sources/${id}`)).body;
  const itemsOf = async (id: string) =>
    (await asA()<Page<KnowledgeItem>>('GET', `/agents/${a.agentId}/knowledge?limit=100`)).body.data
      .filter((item) => item.sourceId === id)
      .sort((x, y) => x.source!.localeCompare(y.source!));

  it('crawls the site to its depth, keeping titles and URLs, and says why each other page was left out', async () => {
    const source = await create({
      kind: 'crawl',
      url: `${site.origin}/`,
      maxDepth: 1,
      maxPages: 20,
      name: 'Website',
    });
    expect(source).toMatchObject({
      kind: 'crawl',
      settings: { urls: [`${site.origin}/`], maxDepth: 1, maxPages: 20 },
    });
    await workUntilIdle(deps);

    const items = await itemsOf(source.id);
    expect(items.map((item) => [item.title, item.source])).toEqual([
      ['Sunny Roofs', `${site.origin}/`],
      ['About us', `${site.origin}/about`],
      ['Pricing', `${site.origin}/pricing`],
    ]);
    expect(items[2]!.content).toContain('A 4 kW system costs 5,200 euros.');
    // Depth 1: /team (two links away) was not read; robots.txt kept the crawler out of /private/.
    expect(site.requests).not.toContain('/team');
    expect(site.requests).not.toContain('/private/secret');
    expect(site.requests.filter((path) => path === '/pricing')).toHaveLength(1);

    const ready = await readSource(source.id);
    expect(ready).toMatchObject({ status: 'ready', itemCount: 3 });
    expect(ready.progress.done).toBe(ready.progress.total);
    const [run] = await runsOf(db, source.id);
    expect(run).toMatchObject({ status: 'succeeded', added: 3, updated: 0, removed: 0, failed: 4 });
    const problems = Object.fromEntries(run!.errors.map((e) => [new URL(e.location).pathname, e.message]));
    expect(problems).toEqual({
      '/contact': 'The page is gone (HTTP 404)',
      '/private/secret': 'robots.txt does not allow CloserBot to read this page',
      '/quiet': 'The page asks not to be indexed (noindex): skipped',
      '/brochure.pdf': 'Not an HTML page (application/pdf)',
      '/away': 'Redirected off-site to http://example.invalid: not followed',
      '/slow': expect.stringMatching(/^No complete answer within \d+ ms$/),
    });
    // /about-copy names /about as canonical: read, found to be the same page, and not stored twice.
    expect(site.requests).toContain('/about-copy');
  });

  it('re-syncs only what changed: a changed page updated, a new one added, a vanished one removed', async () => {
    const source = await create({ kind: 'crawl', url: `${site.origin}/`, maxDepth: 1, maxPages: 20 });
    await workUntilIdle(deps);
    const before = await itemsOf(source.id);
    const home = before.find((item) => item.title === 'Sunny Roofs')!;
    const homeChunks = await db.query('select id from knowledge_chunks where knowledge_id = $1', [home.id]);

    site.pages.set('/pricing', htmlPage('Pricing', [LONG('A 4 kW system now costs 4,900 euros.')]));
    site.pages.delete('/about');
    site.pages.delete('/about-copy');
    site.pages.set('/contact', htmlPage('Contact', [LONG('Call us on 555 0100.')]));
    expect((await asA()('POST', `/agents/${a.agentId}/sources/${source.id}/sync`)).status).toBe(202);
    await workUntilIdle(deps);

    const after = await itemsOf(source.id);
    expect(after.map((item) => item.title)).toEqual(['Sunny Roofs', 'Contact', 'Pricing']);
    expect(after.find((item) => item.title === 'Pricing')!.content).toContain('4,900 euros');
    expect(after.find((item) => item.title === 'Sunny Roofs')!.id).toBe(home.id);
    // The unchanged page kept its chunks; the changed one has new ones only.
    expect(await db.query('select id from knowledge_chunks where knowledge_id = $1', [home.id])).toEqual(
      homeChunks,
    );
    const pricingChunks = await db.query<{ content: string }>(
      'select content from knowledge_chunks where knowledge_id = $1',
      [after.find((item) => item.title === 'Pricing')!.id],
    );
    expect(pricingChunks.map((c) => c.content).join()).not.toContain('5,200');
    const [, second] = await runsOf(db, source.id);
    expect(second).toMatchObject({
      trigger: 'manual',
      status: 'succeeded',
      added: 1,
      updated: 1,
      unchanged: 1,
      removed: 1,
    });
  });

  it('keeps a page that failed for now (5xx) and removes it only when it is gone', async () => {
    const source = await create({ kind: 'url', urls: [`${site.origin}/pricing`, `${site.origin}/about`] });
    await workUntilIdle(deps);
    expect((await itemsOf(source.id)).map((item) => item.title)).toEqual(['About us', 'Pricing']);
    site.pages.set('/pricing', { status: 503, body: 'maintenance' });
    await asA()('POST', `/agents/${a.agentId}/sources/${source.id}/sync`);
    await workUntilIdle(deps);
    expect((await itemsOf(source.id)).map((item) => item.title)).toEqual(['About us', 'Pricing']);
    expect((await runsOf(db, source.id))[1]).toMatchObject({
      unchanged: 1,
      removed: 0,
      failed: 1,
      errors: [{ location: `${site.origin}/pricing`, message: 'The site answered HTTP 503' }],
    });
  });

  it('reads every page a sitemap index lists, and nothing off-site', async () => {
    site.pages.set('/sitemap.xml', {
      contentType: 'application/xml',
      body: `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${site.origin}/sitemap-pages.xml</loc></sitemap></sitemapindex>`,
    });
    site.pages.set('/sitemap-pages.xml', {
      contentType: 'text/xml',
      body: `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${site.origin}/pricing</loc></url><url><loc>${site.origin}/team</loc></url><url><loc>http://other.example/page</loc></url></urlset>`,
    });
    const source = await create({ kind: 'sitemap', url: `${site.origin}/sitemap.xml` });
    await workUntilIdle(deps);
    expect((await itemsOf(source.id)).map((item) => item.title)).toEqual(['Pricing', 'Team']);
    expect(await readSource(source.id)).toMatchObject({ status: 'ready', progress: { done: 2, total: 2 } });
  });

  it('skips a sitemap index entry that is no URL and reads the sitemaps after it', async () => {
    site.pages.set('/sitemap-odd.xml', {
      contentType: 'application/xml',
      body: `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://[broken/sitemap.xml</loc></sitemap><sitemap><loc>${site.origin}/sitemap-team.xml</loc></sitemap></sitemapindex>`,
    });
    site.pages.set('/sitemap-team.xml', {
      contentType: 'text/xml',
      body: `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${site.origin}/team</loc></url></urlset>`,
    });
    const source = await create({ kind: 'sitemap', url: `${site.origin}/sitemap-odd.xml` });
    await workUntilIdle(deps);
    expect((await itemsOf(source.id)).map((item) => item.title)).toEqual(['Team']);
    expect(await readSource(source.id)).toMatchObject({ status: 'ready' });
  });

  it('syncs by itself on its schedule, and a schedule can be changed', async () => {
    const source = await create({ kind: 'url', urls: [`${site.origin}/pricing`], schedule: 'weekly' });
    await workUntilIdle(deps);
    const ready = await readSource(source.id);
    expect(ready.schedule).toBe('weekly');
    const nextSync = Date.parse(ready.nextSyncAt!) - Date.parse(ready.lastSyncedAt!);
    expect(nextSync).toBe(7 * 24 * 3600 * 1000);
    // Not due: nothing starts. Due (the week has passed): the worker starts a run marked `schedule`.
    expect((await workUntilIdle(deps)).scheduled).toBe(0);
    await db.query(`update knowledge_sources set next_sync_at = now() - interval '1 minute' where id = $1`, [
      source.id,
    ]);
    site.pages.set('/pricing', htmlPage('Pricing', [LONG('Prices from 3,900 euros.')]));
    expect((await workUntilIdle(deps)).scheduled).toBe(1);
    const runs = await runsOf(db, source.id);
    expect(runs.map((run) => [run.trigger, run.status, run.updated])).toEqual([
      ['created', 'succeeded', 0],
      ['schedule', 'succeeded', 1],
    ]);
    const daily = await asA()<KnowledgeSource>('PATCH', `/agents/${a.agentId}/sources/${source.id}`, {
      schedule: 'off',
    });
    expect(daily.body).toMatchObject({ schedule: 'off', nextSyncAt: null });
    expect(
      (await asA()('PATCH', `/agents/${a.agentId}/sources/${source.id}`, { schedule: 'hourly' })).status,
    ).toBe(422);
  });

  it('resumes a sync whose worker died holding the job, without storing anything twice', async () => {
    const source = await create({ kind: 'crawl', url: `${site.origin}/`, maxDepth: 1, maxPages: 20 });
    const oneByOne = { ...deps, stepSizes: { webFetches: 1 } };
    expect(await runSourceJobs(oneByOne, { maxSteps: 2 })).toMatchObject({ stepped: 2 });
    const partway = await readSource(source.id);
    expect(partway.status).toBe('processing');
    // A worker claims the next step and dies: its lease (50 ms) runs out with nothing written.
    const crashed = await claimNextJob(db, SOURCE_SYNC_JOB, 50);
    expect(crashed?.payload).toEqual({ sourceId: source.id });
    await new Promise((resolve) => setTimeout(resolve, 120));
    await workUntilIdle(oneByOne);
    const items = await itemsOf(source.id);
    expect(items.map((item) => item.title)).toEqual(['Sunny Roofs', 'About us', 'Pricing']);
    const runs = await runsOf(db, source.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'succeeded', added: 3, updated: 0, unchanged: 0 });
    const chunks = await db.query<{ knowledge_id: string; content: string }>(
      'select k.knowledge_id, k.content from knowledge_chunks k join company_knowledge c on c.id = k.knowledge_id where c.source_id = $1 order by k.knowledge_id, k.position',
      [source.id],
    );
    const expected = items.flatMap((item) =>
      chunkKnowledge(item.title, item.content).map((content) => ({ knowledge_id: item.id, content })),
    );
    expect(chunks).toEqual(expected.sort((x, y) => x.knowledge_id.localeCompare(y.knowledge_id)));
  });
});

describe('the SSRF guard', () => {
  let db: Database;
  let a: TenantFixture;
  let site: TestSite;
  beforeAll(async () => {
    db = await migratedDatabase('pglite');
    a = await createTenant(db, 'Acme');
    site = await startTestSite();
    buildSite(site);
  });
  afterAll(async () => {
    await site?.close();
    await db?.close();
  });

  it('refuses loopback, private and link-local addresses, after DNS, without ALLOW_PRIVATE_CRAWL', async () => {
    const api = createApi(db, {});
    const asA = api.as(a.secretKey);
    const port = new URL(site.origin).port;
    const ids: Record<string, string> = {};
    for (const url of [
      `${site.origin}/`,
      `http://localhost:${port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3/',
    ]) {
      ids[url] = (
        await asA<KnowledgeSource>('POST', `/agents/${a.agentId}/sources`, { kind: 'url', urls: [url] })
      ).body.id;
    }
    await workUntilIdle({ db, env: {}, fetch, uploads: null });
    const reasons = await Promise.all(
      Object.values(ids).map(
        async (id) => (await asA<KnowledgeSource>('GET', `/agents/${a.agentId}/sources/${id}`)).body,
      ),
    );
    expect(reasons.map((s) => s.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(reasons[0]!.failureReason).toMatch(
      /127\.0\.0\.1 resolves to a loopback address .*ALLOW_PRIVATE_CRAWL=true/,
    );
    expect(reasons[1]!.failureReason).toMatch(/localhost resolves to a loopback address/);
    expect(reasons[2]!.failureReason).toMatch(/169\.254\.169\.254 resolves to a linkLocal address/);
    expect(reasons[3]!.failureReason).toMatch(/10\.1\.2\.3 resolves to a private address/);
    // Nothing reached the site.
    expect(site.requests).toEqual([]);
  });

  it('tells public addresses from the others, IPv6 and mapped IPv4 included', () => {
    expect(nonPublicRange('93.184.215.14')).toBeNull();
    expect(nonPublicRange('2606:4700::6810:85e5')).toBeNull();
    expect(nonPublicRange('::1')).toBe('loopback');
    expect(nonPublicRange('::ffff:127.0.0.1')).toBe('loopback');
    expect(nonPublicRange('fd00::1')).toBe('uniqueLocal');
    expect(nonPublicRange('fe80::1')).toBe('linkLocal');
    expect(nonPublicRange('192.168.1.10')).toBe('private');
    expect(nonPublicRange('100.64.0.1')).toBe('carrierGradeNat');
    expect(nonPublicRange('0.0.0.0')).toBe('unspecified');
  });
});
