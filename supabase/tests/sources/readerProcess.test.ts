// Documents read outside the serving process (packages/server/src/extraction): a DOCX of 36 KB holding four
// million empty paragraphs made mammoth hold the event loop for 17 s and use 3.8 GB (a 106 KB one ended the
// process: "JavaScript heap out of memory"); a 5 MB web page of 700,000 empty paragraphs held the HTML parser 20 s
// and 1.9 GB. The long-lived servers (`pnpm serve`, the local stack) read files, pages and sitemaps in a child
// process with a heap limit and a time limit per read: such a file fails its own sync with the reason, such a page
// is a problem of its crawl, the server keeps answering, and the next document reads as before.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { KnowledgeSource } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { type FileRead, readInPlace } from '@closer/functions/_shared/knowledge/extract/documentReaders.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { type ReaderProcess, startReaderProcess } from '@closer/server/src/extraction/readerProcesses.ts';
import { startWorkers } from '@closer/server/src/workers.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import {
  docx,
  docxOfRawXml,
  encryptedPdf,
  extractionFailure,
  pdfInflatingTo,
  pdfWithPages,
} from '../helpers/documents.ts';
import { uploadFile } from '../helpers/sources.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';
import { htmlPage, startTestSite, type TestSite } from '../helpers/testSite.ts';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** A valid DOCX: one heading, then `paragraphs` empty paragraphs (a few bytes each, compressed to almost nothing). */
const emptyParagraphs = (paragraphs: number) =>
  docxOfRawXml(
    'Prices',
    `</w:t></w:r></w:p>${'<w:p/>'.repeat(paragraphs)}<w:p><w:r><w:t>Panels cost 4,000 EUR.`,
  );

/** A 4.9 MB page of 700,000 empty paragraphs (under the 5 MB a fetched page may have). */
const hugePage = () => `<html><body>${'<p></p>'.repeat(700_000)}</body></html>`;

describe('the reader process', () => {
  let readers: ReaderProcess;
  beforeAll(() => {
    readers = startReaderProcess(128);
  });
  afterAll(async () => readers?.close());

  const step = (bytes: Uint8Array, mediaType: FileRead['mediaType'], fileName: string): FileRead => ({
    bytes,
    mediaType,
    fileName,
    from: 0,
    count: 10,
  });

  /** What the reader gives for an ordinary file read after a refusal: a fresh process reads it. */
  const nextFileContents = async () => {
    const next = step(await docx(['# After', 'Still reading.']), DOCX, 'next.docx');
    return (await readers.file(next, { timeoutMs: 30_000 })).items.map((item) => item.content);
  };

  it('reads DOCX, PDF and CSV steps exactly as reading in place does', async () => {
    const files = [
      step(await docx(['# Delivery', 'Within 5 days.', '# Warranty', '25 years.']), DOCX, 'handbook.docx'),
      step(await pdfWithPages([['Returns', 'Within 30 days.'], null]), 'application/pdf', 'terms.pdf'),
      step(new TextEncoder().encode('plan,price\nBasic,4000\nPlus,6000\n'), 'text/csv', 'prices.csv'),
    ];
    for (const file of files) {
      const inPlace = await readInPlace.file(file, { timeoutMs: 10_000 });
      expect(inPlace.items.length).toBeGreaterThan(0);
      expect(await readers.file(file, { timeoutMs: 30_000 })).toEqual(inPlace);
    }
  });

  it("gives a file's own refusal as an ExtractionError with the same reason", async () => {
    const locked = step(encryptedPdf(), 'application/pdf', 'locked.pdf');
    const inPlace = await extractionFailure(readInPlace.file(locked, { timeoutMs: 10_000 }));
    expect(await extractionFailure(readers.file(locked, { timeoutMs: 30_000 }))).toBe(inPlace);
  });

  it('refuses a file that needs more than its heap, then reads the next one', async () => {
    const hostile = step(await emptyParagraphs(4_000_000), DOCX, 'hostile.docx');
    expect(hostile.bytes.byteLength).toBeLessThan(50_000);
    expect(await extractionFailure(readers.file(hostile, { timeoutMs: 60_000 }))).toBe(
      'Reading the file needs more than 128 MiB of memory; it was not read (split it into smaller files, or export it again)',
    );
    expect(await nextFileContents()).toEqual(['Still reading.']);
  });

  it('refuses a PDF that inflates into buffers past its resident limit (outside the JavaScript heap)', async () => {
    const bomb = step(await pdfInflatingTo(400 * 1024 * 1024), 'application/pdf', 'bomb.pdf');
    expect(bomb.bytes.byteLength).toBeLessThan(1_000_000);
    expect(await extractionFailure(readers.file(bomb, { timeoutMs: 60_000 }))).toBe(
      'Reading the file needs more than 128 MiB of memory; it was not read (split it into smaller files, or export it again)',
    );
  });

  it('stops a read that takes longer than its limit, then reads the next one', async () => {
    const slow = step(await emptyParagraphs(300_000), DOCX, 'slow.docx');
    expect(await extractionFailure(readers.file(slow, { timeoutMs: 50 }))).toBe(
      'Reading the file took longer than 50 ms; it was not read (split it into smaller files, or export it again)',
    );
    expect(await nextFileContents()).toEqual(['Still reading.']);
  });

  it('reads pages and sitemaps exactly as reading in place does', async () => {
    const page = {
      html: '<html><head><title>Prices</title><link rel="canonical" href="/prices"><meta name="robots" content="nofollow"></head><body><main><h1>Prices</h1><p>Panels cost 4,000 EUR.</p><a href="/terms#top">Terms</a></main></body></html>',
      url: 'https://solar.example/prices?ref=ad',
      robotsHeader: 'noindex',
    };
    const inPlace = await readInPlace.page(page, { timeoutMs: 10_000 });
    expect(inPlace).toMatchObject({
      canonical: 'https://solar.example/prices',
      noindex: true,
      nofollow: true,
      links: ['https://solar.example/terms'],
    });
    expect(await readers.page(page, { timeoutMs: 30_000 })).toEqual(inPlace);
    const sitemap = '<urlset><url><loc>https://solar.example/a</loc></url></urlset>';
    expect(await readers.sitemap(sitemap, { timeoutMs: 30_000 })).toEqual(
      await readInPlace.sitemap(sitemap, { timeoutMs: 10_000 }),
    );
  });

  it('refuses a page that needs more than its heap', async () => {
    const page = { html: hugePage(), url: 'https://solar.example/huge', robotsHeader: null };
    expect(await extractionFailure(readers.page(page, { timeoutMs: 60_000 }))).toBe(
      'Reading the page needs more than 128 MiB of memory; it was not read',
    );
  });
});

describe.each(drivers)("the server's sources worker on %s", (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let uploadsDir: string;
  let env: Record<string, string>;
  let site: TestSite;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    uploadsDir = await mkdtemp(`${tmpdir()}/closer-file-readers-`);
    env = { CLOSER_UPLOADS_DIR: uploadsDir, ALLOW_PRIVATE_CRAWL: 'true' };
    site = await startTestSite();
    api = createApi(db, env);
  });
  afterAll(async () => {
    await site?.close();
    await db?.close();
    if (uploadsDir) await rm(uploadsDir, { recursive: true, force: true });
  });

  const readSource = async (id: string) =>
    (await api.as(a.secretKey)<KnowledgeSource>('GET', `/agents/${a.agentId}/sources/${id}`)).body;

  /** Runs the process's workers (sources only) with `settings` until `done` holds. */
  async function withWorkers<T>(settings: Record<string, string>, body: () => Promise<T>): Promise<T> {
    const workers = startWorkers(db, { ...env, ...settings }, createRuntime(db, env), {
      outboxMs: 0,
      sourcesMs: 20,
    });
    try {
      return await body();
    } finally {
      await workers.stop();
    }
  }

  /** Uploads `bytes` as the file `name` and runs the workers with `settings` until its sync ends `status`. */
  async function syncedFile(
    bytes: Uint8Array,
    name: string,
    settings: Record<string, string>,
    status: KnowledgeSource['status'],
  ): Promise<KnowledgeSource> {
    const created = await uploadFile(api, a.secretKey, a.agentId, { bytes, name });
    expect(created.status).toBe(201);
    return withWorkers(settings, async () => {
      await expect
        .poll(async () => (await readSource(created.body.id)).status, { timeout: 25_000, interval: 100 })
        .toBe(status);
      return readSource(created.body.id);
    });
  }

  it('fails the sync of a DOCX that would exhaust the heap, with the reason, and keeps serving', async () => {
    const hostile = await emptyParagraphs(4_000_000);
    const source = await syncedFile(
      hostile,
      'hostile.docx',
      { CLOSER_EXTRACTION_MEMORY_MB: '256' },
      'failed',
    );
    expect(source).toMatchObject({
      status: 'failed',
      itemCount: 0,
      failureReason:
        'Reading the file needs more than 256 MiB of memory; it was not read (split it into smaller files, or export it again)',
    });
    expect((await api.fetch('/health')).status).toBe(200);
  });

  it('stops a read that takes longer than CLOSER_EXTRACTION_TIMEOUT_MS, with the reason', async () => {
    // Read in place, this file takes seconds (and ends `ready`): no read may hold the server that long.
    const long = await emptyParagraphs(600_000);
    const source = await syncedFile(long, 'long.docx', { CLOSER_EXTRACTION_TIMEOUT_MS: '200' }, 'failed');
    expect(source).toMatchObject({
      status: 'failed',
      itemCount: 0,
      failureReason:
        'Reading the file took longer than 200 ms; it was not read (split it into smaller files, or export it again)',
    });
  });

  it('reads an ordinary file through the reader process into knowledge items', async () => {
    const handbook = await docx(['# Delivery', 'Within 5 days.', '# Warranty', 'Panels: 25 years.']);
    const source = await syncedFile(handbook, 'handbook.docx', {}, 'ready');
    expect(source).toMatchObject({ status: 'ready', itemCount: 2 });
  });

  it('reports a page that would exhaust the heap as a problem of its crawl, and reads the others', async () => {
    site.pages.set('/robots.txt', { contentType: 'text/plain', body: '' });
    site.pages.set('/huge', { body: hugePage() });
    site.pages.set('/prices', htmlPage('Prices', ['Panels cost 4,000 EUR installed.']));
    const created = await api.as(a.secretKey)<KnowledgeSource>('POST', `/agents/${a.agentId}/sources`, {
      kind: 'url',
      urls: [`${site.origin}/huge`, `${site.origin}/prices`],
    });
    expect(created.status).toBe(201);
    await withWorkers({ CLOSER_EXTRACTION_MEMORY_MB: '128' }, async () => {
      await expect
        .poll(async () => (await readSource(created.body.id)).status, { timeout: 25_000, interval: 100 })
        .toBe('ready');
    });
    expect(await readSource(created.body.id)).toMatchObject({ status: 'ready', itemCount: 1 });
    const runs = await api.as(a.secretKey)<{ data: { errors: { location: string; message: string }[] }[] }>(
      'GET',
      `/agents/${a.agentId}/sources/${created.body.id}/runs`,
    );
    expect(runs.body.data[0]!.errors).toEqual([
      {
        location: `${site.origin}/huge`,
        message: 'Reading the page needs more than 128 MiB of memory; it was not read',
      },
    ]);
  });
});
