// Documents no person wrote: text a database column cannot hold (NUL, lone surrogates) inside a DOCX; HTML and
// sitemaps nesting their elements hundreds of thousands deep (a tree builder's time grows with the square of the
// depth: such a page held the process for seconds, then overflowed the stack). The sync reads what can be read
// and stores it clean, and refuses the rest at once with the reason — never a step retried until it fails, on
// PGlite and PostgreSQL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { KnowledgeItem, KnowledgeSource, Page } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { MAX_NESTING_DEPTH, nestingDepth } from '@closer/functions/_shared/knowledge/extract/nesting.ts';
import type { SourceWorkerDeps } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { directoryStorage } from '@closer/functions/_shared/storage/directory.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { docxOfRawXml } from '../helpers/documents.ts';
import { uploadFile, workUntilIdle } from '../helpers/sources.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';
import { startTestSite, type TestSite } from '../helpers/testSite.ts';

describe.each(drivers)('hostile documents on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let uploadsDir: string;
  let deps: SourceWorkerDeps;
  let site: TestSite;

  beforeAll(async () => {
    site = await startTestSite();
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    uploadsDir = await mkdtemp(`${tmpdir()}/closer-hostile-documents-`);
    const env = { CLOSER_UPLOADS_DIR: uploadsDir, CLOSER_JOB_LEASE_MS: '20000', ALLOW_PRIVATE_CRAWL: 'true' };
    api = createApi(db, env);
    deps = { db, env, fetch, uploads: directoryStorage(uploadsDir) };
  });
  afterAll(async () => {
    await site?.close();
    await db?.close();
    if (uploadsDir) await rm(uploadsDir, { recursive: true, force: true });
  });

  const readSource = async (id: string) =>
    (await api.as(a.secretKey)<KnowledgeSource>('GET', `/agents/${a.agentId}/sources/${id}`)).body;
  const sourceItems = async (id: string) =>
    (
      await api.as(a.secretKey)<Page<KnowledgeItem>>('GET', `/agents/${a.agentId}/knowledge?limit=100`)
    ).body.data.filter((item) => item.sourceId === id);

  it('reads a DOCX holding NUL characters and lone surrogates, without them', async () => {
    const created = await uploadFile(api, a.secretKey, a.agentId, {
      bytes: await docxOfRawXml('Pri&#0;ces&#xD800;', 'Panels&#0; cost &#xDC00;4,000 EUR installed.'),
      name: 'prices.docx',
    });
    expect(created.status).toBe(201);
    const report = await workUntilIdle(deps);
    expect(report.retrying).toBe(0);
    expect(await readSource(created.body.id)).toMatchObject({ status: 'ready', itemCount: 1 });
    expect((await sourceItems(created.body.id)).map((item) => [item.title, item.content])).toEqual([
      ['prices.docx — Prices', 'Panels cost 4,000 EUR installed.'],
    ]);
  });

  const deep = (depth: number, text: string) =>
    `<!doctype html><html><head><title>Deep</title></head><body>${'<div>'.repeat(depth)}${text}${'</div>'.repeat(depth)}</body></html>`;
  const nestingRefusal = `The document nests its elements more than ${MAX_NESTING_DEPTH} deep; it was not read`;

  it('refuses an HTML file nested 200,000 deep at once, with the reason', async () => {
    const created = await uploadFile(api, a.secretKey, a.agentId, {
      bytes: deep(200_000, 'Panels cost 4,000 EUR.'),
      name: 'deep.html',
    });
    expect(created.status).toBe(201);
    const report = await workUntilIdle(deps);
    expect(report.retrying).toBe(0);
    expect(await readSource(created.body.id)).toMatchObject({
      status: 'failed',
      failureReason: nestingRefusal,
      itemCount: 0,
    });
  });

  it('crawls past a page and a sitemap nested too deep, naming them in the run log', async () => {
    site.pages.set('/robots.txt', { contentType: 'text/plain', body: '' });
    site.pages.set('/deep', { body: deep(200_000, 'Hidden deep down.') });
    site.pages.set('/prices', {
      body: deep(3, 'Panels cost 4,000 EUR installed, with a ten-year warranty.'),
    });
    site.pages.set('/sitemap-deep.xml', {
      contentType: 'application/xml',
      body: `<urlset>${'<url>'.repeat(100_000)}<loc>${site.origin}/deep</loc>${'</url>'.repeat(100_000)}</urlset>`,
    });
    const asA = api.as(a.secretKey);
    const pages = await asA<KnowledgeSource>('POST', `/agents/${a.agentId}/sources`, {
      kind: 'url',
      urls: [`${site.origin}/deep`, `${site.origin}/prices`],
    });
    const sitemap = await asA<KnowledgeSource>('POST', `/agents/${a.agentId}/sources`, {
      kind: 'sitemap',
      url: `${site.origin}/sitemap-deep.xml`,
    });
    expect([pages.status, sitemap.status]).toEqual([201, 201]);
    const report = await workUntilIdle(deps);
    expect(report.retrying).toBe(0);
    expect(await readSource(pages.body.id)).toMatchObject({ status: 'ready', itemCount: 1 });
    const runs = await asA<{ data: { errors: { location: string; message: string }[] }[] }>(
      'GET',
      `/agents/${a.agentId}/sources/${pages.body.id}/runs`,
    );
    expect(runs.body.data[0]!.errors).toEqual([{ location: `${site.origin}/deep`, message: nestingRefusal }]);
    const refused = await readSource(sitemap.body.id);
    expect(refused.status).toBe('failed');
    expect(refused.failureReason).toContain(nestingRefusal);
  });

  it('reads a sitemap only on its own host and port: pages on other ports of the host are skipped', async () => {
    const elsewhere = await startTestSite();
    try {
      const otherPort = new URL(elsewhere.origin).port;
      elsewhere.pages.set('/robots.txt', { contentType: 'text/plain', body: '' });
      elsewhere.pages.set('/admin', { body: deep(2, 'Another service on this host.') });
      site.pages.set('/team', {
        body: deep(2, 'Our installers are certified, with ten years of experience.'),
      });
      site.pages.set('/sitemap-ports.xml', {
        contentType: 'application/xml',
        body: `<urlset><url><loc>${site.origin}/team</loc></url><url><loc>http://127.0.0.1:${otherPort}/admin</loc></url><url><loc>http://127.0.0.1:${otherPort}/robots.txt</loc></url></urlset>`,
      });
      const created = await api.as(a.secretKey)<KnowledgeSource>('POST', `/agents/${a.agentId}/sources`, {
        kind: 'sitemap',
        url: `${site.origin}/sitemap-ports.xml`,
      });
      await workUntilIdle(deps);
      expect(await readSource(created.body.id)).toMatchObject({ status: 'ready', itemCount: 1 });
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });
});

describe('nesting depth, measured before parsing', () => {
  it('counts elements that hold others, not tag soup, void elements, comments or script text', () => {
    expect(nestingDepth('<html><body><div><p>a<p>b<ul><li>x<li>y</ul></div></body></html>')).toBe(4);
    expect(
      nestingDepth(`<body>${'<p>unclosed paragraph'.repeat(5000)}${'<li>item'.repeat(5000)}</body>`),
    ).toBe(1);
    expect(
      nestingDepth('<div><script>if (a < b) { "<div><div><div>" }</script><br><img src=x /></div>'),
    ).toBe(1);
    expect(nestingDepth('<!-- <div><div> --><div></div>')).toBe(1);
    // A stray `<` does not hide the tag after it.
    expect(nestingDepth('a < <div>'.repeat(10))).toBe(10);
    expect(nestingDepth('<div>'.repeat(600))).toBe(MAX_NESTING_DEPTH + 1);
    expect(nestingDepth(`<urlset>${'<url>'.repeat(3)}<loc>x</loc></urlset>`, MAX_NESTING_DEPTH, true)).toBe(
      5,
    );
  });
});
