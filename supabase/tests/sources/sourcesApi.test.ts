// Knowledge sources from files through the API and the worker: upload, background processing in page batches,
// progress, cited items, re-sync that changes nothing unchanged, run logs, deletion, and every refusal.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { KnowledgeItem, KnowledgeSource, KnowledgeSourceRun, Page } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import type { SourceWorkerDeps } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { runSourceJobs } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { directoryStorage } from '@closer/functions/_shared/storage/directory.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { encryptedPdf, pdfWithPages } from '../helpers/documents.ts';
import { uploadFile, workUntilIdle } from '../helpers/sources.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

describe.each(drivers)('file sources on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let b: TenantFixture;
  let uploadsDir: string;
  let deps: SourceWorkerDeps;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
    uploadsDir = await mkdtemp(`${tmpdir()}/closer-sources-test-`);
    const env = { CLOSER_UPLOADS_DIR: uploadsDir, CLOSER_JOB_LEASE_MS: '20000' };
    api = createApi(db, env);
    deps = { db, env, fetch, uploads: directoryStorage(uploadsDir), stepSizes: { pdfPages: 1 } };
  });
  afterAll(async () => {
    await db?.close();
    if (uploadsDir) await rm(uploadsDir, { recursive: true, force: true });
  });

  const asA = () => api.as(a.secretKey);
  const readSource = async (id: string) =>
    (await asA()<KnowledgeSource>('GET', `/agents/${a.agentId}/sources/${id}`)).body;
  const runs = async (id: string) =>
    (await asA()<Page<KnowledgeSourceRun>>('GET', `/agents/${a.agentId}/sources/${id}/runs`)).body.data;
  const sourceItems = async (id: string) =>
    (await asA()<Page<KnowledgeItem>>('GET', `/agents/${a.agentId}/knowledge?limit=100`)).body.data.filter(
      (item) => item.sourceId === id,
    );

  it('stores an uploaded PDF, reads it page by page in the background and keeps every page cited', async () => {
    const pdf = await pdfWithPages([
      ['Our panels carry a 25 year warranty.'],
      null,
      ['Installation takes one day.', 'We work across Lisbon.'],
    ]);
    const created = await uploadFile(
      api,
      a.secretKey,
      a.agentId,
      { bytes: pdf, name: 'handbook.pdf' },
      { name: 'Handbook' },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      agentId: a.agentId,
      kind: 'file',
      name: 'Handbook',
      status: 'queued',
      schedule: 'off',
      progress: { done: 0, total: null },
      itemCount: 0,
      settings: { fileName: 'handbook.pdf', mediaType: 'application/pdf', byteSize: pdf.byteLength },
    });
    expect(created.body.settings).not.toHaveProperty('storageKey');
    expect(await readdir(`${uploadsDir}/${a.orgId}`)).toEqual([created.body.id]);

    // One page per step: after the first step the source shows its progress.
    expect(await runSourceJobs(deps, { maxSteps: 1 })).toMatchObject({ stepped: 1, finished: 0 });
    expect(await readSource(created.body.id)).toMatchObject({
      status: 'processing',
      progress: { done: 1, total: 3 },
      itemCount: 1,
    });

    await workUntilIdle(deps);
    const ready = await readSource(created.body.id);
    expect(ready).toMatchObject({
      status: 'ready',
      progress: { done: 3, total: 3 },
      itemCount: 2,
      failureReason: null,
    });
    expect(ready.lastSyncedAt).not.toBeNull();
    const items = await sourceItems(created.body.id);
    expect(items.map((item) => [item.title, item.content, item.source]).sort()).toEqual([
      ['handbook.pdf — page 1', 'Our panels carry a 25 year warranty.', 'handbook.pdf, page 1'],
      [
        'handbook.pdf — page 3',
        'Installation takes one day.\nWe work across Lisbon.',
        'handbook.pdf, page 3',
      ],
    ]);
    const chunks = await db.query<{ content: string }>(
      'select content from public.knowledge_chunks where knowledge_id = $1',
      [items.find((item) => item.title.endsWith('page 3'))!.id],
    );
    expect(chunks.map((c) => c.content)).toEqual([
      'handbook.pdf — page 3\nInstallation takes one day.\nWe work across Lisbon.',
    ]);
    const [run] = await runs(created.body.id);
    expect(run).toMatchObject({
      trigger: 'created',
      status: 'succeeded',
      added: 2,
      updated: 0,
      unchanged: 0,
      removed: 0,
      failed: 0,
      errors: [],
    });
    expect(run!.finishedAt).not.toBeNull();

    // Syncing again reads the same file: nothing is re-chunked, the run says so. A second request waits its turn.
    const chunkIds = await db.query<{ id: string }>(
      'select id from knowledge_chunks where agent_id = $1 order by id',
      [a.agentId],
    );
    const again = await asA()<KnowledgeSource>(
      'POST',
      `/agents/${a.agentId}/sources/${created.body.id}/sync`,
    );
    expect(again).toMatchObject({
      status: 202,
      body: { status: 'queued', progress: { done: 0, total: null } },
    });
    expect((await asA()('POST', `/agents/${a.agentId}/sources/${created.body.id}/sync`)).status).toBe(409);
    await workUntilIdle(deps);
    const [latest, first] = await runs(created.body.id);
    expect(first!.trigger).toBe('created');
    expect(latest).toMatchObject({
      trigger: 'manual',
      status: 'succeeded',
      added: 0,
      updated: 0,
      unchanged: 2,
      removed: 0,
    });
    expect(
      await db.query('select id from knowledge_chunks where agent_id = $1 order by id', [a.agentId]),
    ).toEqual(chunkIds);

    // Deleting the source takes its items, runs, job and stored file with it.
    expect((await asA()('DELETE', `/agents/${a.agentId}/sources/${created.body.id}`)).status).toBe(204);
    expect(await sourceItems(created.body.id)).toEqual([]);
    expect(
      await db.query('select 1 from knowledge_source_runs where source_id = $1', [created.body.id]),
    ).toEqual([]);
    expect(
      await db.query('select 1 from jobs where dedupe_key = $1', [
        `knowledge.sync_source:${created.body.id}`,
      ]),
    ).toEqual([]);
    expect(await readdir(`${uploadsDir}/${a.orgId}`)).toEqual([]);
    expect((await asA()('GET', `/agents/${a.agentId}/sources/${created.body.id}`)).status).toBe(404);
  });

  it('fails an encrypted PDF with its reason and keeps the run log', async () => {
    const created = await uploadFile(api, a.secretKey, a.agentId, {
      bytes: encryptedPdf(),
      name: 'locked.pdf',
    });
    expect(created.status).toBe(201);
    await workUntilIdle(deps);
    const source = await readSource(created.body.id);
    expect(source).toMatchObject({ status: 'failed', itemCount: 0 });
    expect(source.failureReason).toMatch(/encrypted with a password/);
    expect(await runs(created.body.id)).toMatchObject([
      { status: 'failed', failureReason: source.failureReason },
    ]);
  });

  it('reads CSV rows, Markdown sections and HTML pages uploaded as files', async () => {
    const csv = await uploadFile(api, a.secretKey, a.agentId, {
      bytes: 'City,Installer\nPorto,Sol Lda\nFaro,Luz SA\n',
      name: 'installers.csv',
      type: 'text/csv',
    });
    const markdown = await uploadFile(api, a.secretKey, a.agentId, {
      bytes: '# Hours\nNine to five.\n',
      name: 'hours.md',
    });
    await workUntilIdle(deps);
    expect((await sourceItems(csv.body.id)).map((item) => item.content).sort()).toEqual([
      'City: Faro\nInstaller: Luz SA',
      'City: Porto\nInstaller: Sol Lda',
    ]);
    expect((await sourceItems(markdown.body.id)).map((item) => [item.title, item.content])).toEqual([
      ['hours.md — Hours', 'Nine to five.'],
    ]);
  });

  it('refuses what it cannot read: over the size limit 413, other types and non-multipart bodies 415', async () => {
    const big = await uploadFile(api, a.secretKey, a.agentId, {
      bytes: new Uint8Array(20 * 1024 * 1024 + 1),
      name: 'big.txt',
    });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/20 MiB/),
    });
    const huge = await uploadFile(api, a.secretKey, a.agentId, {
      bytes: new Uint8Array(21 * 1024 * 1024),
      name: 'huge.txt',
    });
    expect(huge.status).toBe(413);

    const image = await uploadFile(api, a.secretKey, a.agentId, {
      bytes: Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
      name: 'photo.png',
      type: 'image/png',
    });
    expect(image.status).toBe(415);
    expect(image.body.error).toMatchObject({ code: 'unsupported_media_type' });
    for (const accepted of ['.pdf', '.docx', '.html', '.md', '.txt', '.csv'])
      expect(image.body.error!.message).toContain(accepted);

    const raw = await asA()('POST', `/agents/${a.agentId}/sources`, '%PDF-1.7', {
      'content-type': 'application/pdf',
    });
    expect(raw.status).toBe(415);
    expect(raw.body.error).toMatchObject({
      code: 'unsupported_media_type',
      message: expect.stringContaining('multipart/form-data'),
    });
    const empty = await uploadFile(api, a.secretKey, a.agentId, { bytes: '', name: 'empty.txt' });
    expect(empty.status).toBe(422);
    const form = new FormData();
    form.set('name', 'no file');
    const noFile = await api.fetch(`/agents/${a.agentId}/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.secretKey}` },
      body: form,
    });
    expect(noFile.status).toBe(422);
    // Nothing refused was stored.
    const names = (await asA()<Page<KnowledgeSource>>('GET', `/agents/${a.agentId}/sources`)).body.data.map(
      (s) => s.name,
    );
    expect(names).not.toContain('big.txt');
    expect(names).not.toContain('photo.png');
  });

  it("deletes an agent's sources, their items and their stored files with the agent", async () => {
    const agent = (await asA()<{ id: string }>('POST', '/agents', { name: 'Short-lived' })).body;
    const created = await uploadFile(api, a.secretKey, agent.id, {
      bytes: 'Closed on Mondays.',
      name: 'hours.txt',
    });
    await workUntilIdle(deps);
    expect(await readdir(`${uploadsDir}/${a.orgId}`)).toContain(created.body.id);
    expect((await asA()('DELETE', `/agents/${agent.id}`)).status).toBe(204);
    expect(await readdir(`${uploadsDir}/${a.orgId}`)).not.toContain(created.body.id);
    expect(await db.query('select 1 from knowledge_sources where id = $1', [created.body.id])).toEqual([]);
    expect(await db.query('select 1 from company_knowledge where source_id = $1', [created.body.id])).toEqual(
      [],
    );
  });

  it("keeps each tenant to its own sources: another organisation's source or agent is a 404", async () => {
    const created = await uploadFile(api, a.secretKey, a.agentId, {
      bytes: 'Open on Sundays.',
      name: 'note.txt',
    });
    const asB = api.as(b.secretKey);
    expect((await asB('GET', `/agents/${a.agentId}/sources/${created.body.id}`)).status).toBe(404);
    expect((await asB('GET', `/agents/${b.agentId}/sources/${created.body.id}`)).status).toBe(404);
    expect((await asB('POST', `/agents/${b.agentId}/sources/${created.body.id}/sync`)).status).toBe(404);
    expect((await asB('DELETE', `/agents/${b.agentId}/sources/${created.body.id}`)).status).toBe(404);
    expect((await uploadFile(api, b.secretKey, a.agentId, { bytes: 'x', name: 'x.txt' })).status).toBe(404);
    expect(
      (await asB<Page<KnowledgeSource>>('GET', `/agents/${b.agentId}/sources`)).body.data.map((s) => s.id),
    ).not.toContain(created.body.id);
  });
});
