// client.agents.sources against the real local stack over real sockets: an upload with progress, the worker
// running in the background, waiting until ready, a crawl of a local site, re-sync, run logs, and the errors a
// caller can catch.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { startSourceWorker } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ApiError,
  ConflictError,
  createClient,
  SourceFailedError,
  type UploadProgress,
} from '../src/index.ts';

let db: Database;
let stack: ServerType;
let site: Server;
let siteOrigin = '';
let url = '';
let secretKey = '';
let uploadsDir = '';
let worker: { stop(): Promise<void> };

beforeAll(async () => {
  site = createServer((request, response) => {
    if (request.url === '/robots.txt') return void response.writeHead(404).end();
    const pages: Record<string, string> = {
      '/': '<title>Home</title><h1>Home</h1><p>We sell heat pumps across Portugal.</p><a href="/prices">Prices</a>',
      '/prices': '<title>Prices</title><h1>Prices</h1><p>A heat pump costs 9,000 euros installed.</p>',
    };
    const page = pages[request.url ?? ''];
    if (!page) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>${page}</body></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  uploadsDir = await mkdtemp(`${tmpdir()}/closer-sdk-sources-`);
  db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  secretKey = (await ensureDemoKeys(db, {}, null)).secretKey!;
  const env = { CLOSER_UPLOADS_DIR: uploadsDir, ALLOW_PRIVATE_CRAWL: 'true' };
  const runtime = createRuntime(db, env);
  worker = startSourceWorker({ db, env, fetch, uploads: runtime.uploads }, 50);
  await new Promise<void>((resolve) => {
    stack = serve({ fetch: createLocalApp(runtime).fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      url = `http://127.0.0.1:${info.port}/functions/v1`;
      resolve();
    });
  });
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  stack?.close();
  site?.close();
  await db?.close();
  if (uploadsDir) await rm(uploadsDir, { recursive: true, force: true });
});

it('uploads a file with progress and waits until its knowledge is ready', async () => {
  const client = createClient({ url, secretKey });
  const {
    data: [agent],
  } = await client.agents.list();
  const text = `# Warranty\n${'Heat pumps carry a seven year warranty. '.repeat(2000)}\n# Service\nYearly service costs 120 euros.\n`;
  const progress: UploadProgress[] = [];
  const source = await client.agents.sources.upload(agent!.id, new TextEncoder().encode(text), {
    fileName: 'warranty.md',
    name: 'Warranty terms',
    onProgress: (p) => progress.push(p),
  });
  expect(source).toMatchObject({ name: 'Warranty terms', status: 'queued', kind: 'file' });
  expect(progress.length).toBeGreaterThan(0);
  expect(progress.at(-1)).toMatchObject({ percent: 1 });
  expect(progress.at(-1)!.transferredBytes).toBeGreaterThan(text.length);

  const seen: string[] = [];
  const ready = await client.agents.sources.waitUntilReady(agent!.id, source.id, {
    intervalMs: 20,
    onProgress: (s) => seen.push(s.status),
  });
  expect(ready).toMatchObject({ status: 'ready', itemCount: 2 });
  expect(seen.every((status) => status === 'queued' || status === 'processing')).toBe(true);
  const items = (await client.agents.knowledge.list(agent!.id, { limit: 100 })).data.filter(
    (item) => item.sourceId === source.id,
  );
  expect(items.map((item) => item.title).sort()).toEqual(['warranty.md — Service', 'warranty.md — Warranty']);
});

it('crawls a site, re-syncs it and reads the run log', async () => {
  const client = createClient({ url, secretKey });
  const {
    data: [agent],
  } = await client.agents.list();
  const source = await client.agents.sources.crawl(agent!.id, { url: `${siteOrigin}/`, maxDepth: 1 });
  expect(source.settings).toEqual({ urls: [`${siteOrigin}/`], maxDepth: 1, maxPages: 50 });
  await client.agents.sources.waitUntilReady(agent!.id, source.id, { intervalMs: 20 });
  await client.agents.sources.resync(agent!.id, source.id);
  await expect(client.agents.sources.resync(agent!.id, source.id)).rejects.toBeInstanceOf(ConflictError);
  await client.agents.sources.waitUntilReady(agent!.id, source.id, { intervalMs: 20 });
  const runs = [];
  for await (const run of client.agents.sources.runs(agent!.id, source.id)) runs.push(run);
  expect(runs.map((run) => [run.trigger, run.added, run.unchanged])).toEqual([
    ['manual', 0, 2],
    ['created', 2, 0],
  ]);
  const listed = [];
  for await (const s of client.agents.sources.list(agent!.id)) listed.push(s.id);
  expect(listed).toContain(source.id);
  await client.agents.sources.delete(agent!.id, source.id);
  expect(
    (await client.agents.knowledge.list(agent!.id, { limit: 100 })).data.some(
      (i) => i.sourceId === source.id,
    ),
  ).toBe(false);
});

it('rejects with errors a caller can tell apart: a failed sync, an unsupported type', async () => {
  const client = createClient({ url, secretKey });
  const {
    data: [agent],
  } = await client.agents.list();
  const broken = await client.agents.sources.upload(
    agent!.id,
    new TextEncoder().encode('%PDF-1.7 truncated'),
    {
      fileName: 'broken.pdf',
    },
  );
  const failure = await client.agents.sources
    .waitUntilReady(agent!.id, broken.id, { intervalMs: 20 })
    .catch((e) => e);
  expect(failure).toBeInstanceOf(SourceFailedError);
  expect((failure as SourceFailedError).source.failureReason).toMatch(/not a readable PDF/);
  const refused = await client.agents.sources
    .upload(agent!.id, new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { fileName: 'logo.png' })
    .catch((e) => e);
  expect(refused).toBeInstanceOf(ApiError);
  expect(refused).toMatchObject({ status: 415, code: 'unsupported_media_type' });
});

it('sends a file above signedUploadAbove through a signed upload to the local directory, with progress', async () => {
  const requests: string[] = [];
  const recording: typeof fetch = (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    requests.push(`${request.method} ${new URL(request.url).pathname.replace(/[^/]{30,}$/, '<token>')}`);
    return fetch(input, init);
  };
  const client = createClient({ url, secretKey, fetch: recording });
  const {
    data: [agent],
  } = await client.agents.list();
  const text = `# Delivery\n${'We deliver heat pumps within ten days. '.repeat(3000)}\n`;
  const bytes = new TextEncoder().encode(text);
  const progress: UploadProgress[] = [];
  const source = await client.agents.sources.upload(agent!.id, bytes, {
    fileName: 'delivery.md',
    signedUploadAbove: 1024,
    onProgress: (p) => progress.push(p),
  });
  expect(requests).toEqual([
    'GET /functions/v1/agents',
    `POST /functions/v1/agents/${agent!.id}/sources/uploads`,
    'PUT /local-uploads/<token>',
    `POST /functions/v1/agents/${agent!.id}/sources`,
  ]);
  expect(source).toMatchObject({
    kind: 'file',
    name: 'delivery.md',
    settings: { fileName: 'delivery.md', mediaType: 'text/markdown', byteSize: bytes.byteLength },
  });
  expect(progress.at(-1)).toMatchObject({ percent: 1, transferredBytes: bytes.byteLength });
  await client.agents.sources.waitUntilReady(agent!.id, source.id, { intervalMs: 20 });
  const items = (await client.agents.knowledge.list(agent!.id, { limit: 100 })).data.filter(
    (item) => item.sourceId === source.id,
  );
  expect(items.map((item) => item.title).sort()).toEqual([
    'delivery.md — Delivery (part 1)',
    'delivery.md — Delivery (part 2)',
  ]);
});

it('checks a signed upload as it checks a form: 415 for a stored image, 413 before signing an oversize file', async () => {
  const client = createClient({ url, secretKey });
  const {
    data: [agent],
  } = await client.agents.list();
  const refused = await client.agents.sources
    .upload(agent!.id, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), {
      fileName: 'logo.png',
      signedUploadAbove: 0,
    })
    .catch((e) => e);
  expect(refused).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  const tooBig = await client.agents.sources
    .upload(agent!.id, new Blob([new Uint8Array(20 * 1024 * 1024 + 1)]), { fileName: 'huge.txt' })
    .catch((e) => e);
  expect(tooBig).toMatchObject({ status: 413, code: 'payload_too_large' });
});

it("keeps the organisation's knowledge base fed: client.knowledgeBase.sources, per category", async () => {
  const client = createClient({ url, secretKey });
  const category = await client.knowledgeBase.categories.create({ name: `Site ${crypto.randomUUID()}` });
  const site = await client.knowledgeBase.sources.crawl(category.id, { url: `${siteOrigin}/`, maxDepth: 1 });
  expect(site).toMatchObject({ categoryId: category.id, agentId: null, kind: 'crawl' });
  const progress: UploadProgress[] = [];
  const file = await client.knowledgeBase.sources.upload(
    category.id,
    new TextEncoder().encode('# Financing\nPay in twelve instalments at 0 %.\n'),
    { fileName: 'financing.md', signedUploadAbove: 0, onProgress: (p) => progress.push(p) },
  );
  expect(progress.at(-1)).toMatchObject({ percent: 1 });
  for (const source of [site, file]) {
    await client.knowledgeBase.sources.waitUntilReady(category.id, source.id, { intervalMs: 20 });
  }
  const articles = [];
  for await (const article of client.knowledgeBase.articles.list({ categoryId: category.id })) {
    articles.push([
      article.title,
      article.source,
      article.sourceId === file.id || article.sourceId === site.id,
    ]);
  }
  expect(articles.sort()).toEqual([
    ['Home', `${siteOrigin}/`, true],
    ['Prices', `${siteOrigin}/prices`, true],
    ['financing.md — Financing', 'financing.md, Financing', true],
  ]);
  const runs = [];
  for await (const run of client.knowledgeBase.sources.runs(category.id, site.id)) runs.push(run.added);
  expect(runs).toEqual([2]);
  await client.knowledgeBase.sources.delete(category.id, site.id);
  const listed = [];
  for await (const source of client.knowledgeBase.sources.list(category.id)) listed.push(source.id);
  expect(listed).toEqual([file.id]);
});
