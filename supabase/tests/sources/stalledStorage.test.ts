// Issue 11, kind 1: Supabase Storage (or whatever answers at its address) cannot hold a request or a worker step by
// going quiet. A real server on 127.0.0.1 stands in for Storage and either sends headers and a few bytes, then
// nothing (`body`), or never answers (`silence`), the connection kept open. Every Storage call ends within its
// timeout (CLOSER_STORAGE_TIMEOUT_MS; a file step at most a quarter of the job lease) with a StorageTimeout (504)
// and the connection dropped; the upload routes answer 503 `unavailable`; a file's sync is retried as any passing
// failure and then fails, its reason naming the timeout.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import {
  MAX_STEP_ATTEMPTS,
  runSourceJobs,
  type SourceWorkerDeps,
} from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { StorageTimeout, supabaseStorage } from '@closer/functions/_shared/storage/supabase.ts';
import { UPLOADS_BUCKET } from '@closer/functions/_shared/storage/uploads.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { uploadFile } from '../helpers/sources.ts';
import { type StallingServer, stallKinds, startStallingServer } from '../helpers/stallingServer.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const SERVICE_KEY = 'sb_secret_stalled-storage-0123456789';
let storage: StallingServer | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await storage?.close();
  storage = undefined;
});

const storageAt = (url: string, timeoutMs?: number) =>
  supabaseStorage({
    url,
    serviceKey: SERVICE_KEY,
    bucket: UPLOADS_BUCKET,
    fetch,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });

describe.each(stallKinds)('a Storage that stalls (%s)', (stall) => {
  const calls = [
    ['createUploadUrl', 'Signing an upload to org/file', 'POST'],
    ['put', 'Storing org/file', 'POST'],
    ['get', 'Reading org/file', 'GET'],
    ['delete', 'Removing org/file', 'DELETE'],
  ] as const;

  it.each(calls)(
    'ends %s within its timeout: a StorageTimeout, the connection dropped',
    async (name, what, method) => {
      storage = await startStallingServer({ stall });
      const uploads = storageAt(storage.url, 200);
      const run = {
        createUploadUrl: () => uploads.createUploadUrl!('org/file', { maxBytes: 1024, origin: 'http://x' }),
        put: () => uploads.put('org/file', new TextEncoder().encode('# Prices'), 'text/markdown'),
        get: () => uploads.get('org/file'),
        delete: () => uploads.delete('org/file'),
      }[name];
      const error = await run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageTimeout);
      expect(error).toMatchObject({
        status: 504,
        timeoutMs: 200,
        message: `${what}: Storage did not answer within 200 ms`,
      });
      expect(storage.requests.map((r) => r.method)).toEqual([method]);
      await storage.waitForHangUps(1);
    },
  );

  it('reads a file for a step within the time asked for, when less than its own', async () => {
    storage = await startStallingServer({
      stall,
      headers: { 'content-type': 'text/markdown' },
      firstBytes: '# P',
    });
    const error = await storageAt(storage.url)
      .get('org/file', { timeoutMs: 150 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 504,
      message: 'Reading org/file: Storage did not answer within 150 ms',
    });
  });
});

describe.each(drivers)('stalled Storage behind the API and the sources worker on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  let uploadsDir: string;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    uploadsDir = await mkdtemp(`${tmpdir()}/closer-stalled-storage-`);
  });
  afterAll(async () => {
    await db?.close();
    await rm(uploadsDir, { recursive: true, force: true });
  });

  const stalledEnv = (server: StallingServer) => ({
    SUPABASE_URL: server.url,
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: SERVICE_KEY }),
    CLOSER_STORAGE_TIMEOUT_MS: '200',
  });
  const sourceCount = async () =>
    (
      await db.query<{ n: number }>('select count(*)::int as n from knowledge_sources where org_id = $1', [
        a.orgId,
      ])
    )[0]!.n;

  it.each(stallKinds)(
    'answers a form upload 503 when Storage stalls (%s), and stores no source',
    async (stall) => {
      vi.spyOn(console, 'error').mockImplementation(() => {});
      storage = await startStallingServer({ stall });
      const before = await sourceCount();
      const created = await uploadFile(createApi(db, stalledEnv(storage)), a.secretKey, a.agentId, {
        bytes: '# Prices\nPanels from 4,000 EUR.\n',
        name: 'prices.md',
      });
      expect(created.status).toBe(503);
      expect(created.body.error).toMatchObject({
        code: 'unavailable',
        message: 'The file could not be stored just now; try again',
      });
      expect(await sourceCount()).toBe(before);
      expect(storage.requests[0]).toMatchObject({ method: 'POST' });
      await storage.waitForHangUps(1);
    },
  );

  it.each(stallKinds)('answers signing an upload 503 when Storage stalls (%s)', async (stall) => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    storage = await startStallingServer({ stall });
    const signed = await createApi(db, stalledEnv(storage)).as(a.secretKey)<{
      error: { code: string; message: string };
    }>('POST', `/agents/${a.agentId}/sources/uploads`, { byteSize: 100 });
    expect(signed.status).toBe(503);
    expect(signed.body.error).toMatchObject({
      code: 'unavailable',
      message: 'The upload storage did not answer just now; try again',
    });
    expect(storage.requests.map((r) => r.path)).toEqual([
      expect.stringMatching(`^/storage/v1/object/upload/sign/${UPLOADS_BUCKET}/${a.orgId}/`),
    ]);
  });

  it.each(stallKinds)('answers making a source of an upload 503 when Storage stalls (%s)', async (stall) => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    storage = await startStallingServer({
      stall,
      headers: { 'content-type': 'text/markdown' },
      firstBytes: '# P',
    });
    const before = await sourceCount();
    const upload = crypto.randomUUID();
    const created = await createApi(db, stalledEnv(storage)).as(a.secretKey)<{
      error: { code: string; message: string };
    }>('POST', `/agents/${a.agentId}/sources`, { kind: 'file', upload, fileName: 'prices.md' });
    expect(created.status).toBe(503);
    expect(created.body.error).toMatchObject({
      code: 'unavailable',
      message: 'The upload storage did not answer just now; try again',
    });
    expect(await sourceCount()).toBe(before);
    expect(storage.requests).toEqual([
      { method: 'GET', path: `/storage/v1/object/${UPLOADS_BUCKET}/${a.orgId}/${upload}` },
    ]);
  });

  /** Runs the worker until the source's run ends, making each retry due at once; answers the summed report. */
  async function syncUntilDone(deps: SourceWorkerDeps, sourceId: string) {
    const total = { stepped: 0, finished: 0, retrying: 0, lost: 0 };
    for (let round = 0; round < 3 * MAX_STEP_ATTEMPTS; round++) {
      const report = await runSourceJobs(deps, { maxSteps: 1 });
      for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += report[key];
      const [source] = await db.query<{ status: string }>(
        'select status from knowledge_sources where id = $1',
        [sourceId],
      );
      if (source!.status === 'failed' || source!.status === 'ready') return total;
      await db.query(
        `update public.jobs set run_after = now() where status = 'pending' and payload ->> 'sourceId' = $1`,
        [sourceId],
      );
    }
    throw new Error('the sync did not end');
  }

  it.each(stallKinds)(
    'retries a file step whose download stalls (%s), then fails the sync naming the timeout',
    async (stall) => {
      vi.spyOn(console, 'error').mockImplementation(() => {});
      vi.spyOn(console, 'warn').mockImplementation(() => {});
      // A lease of 2 s: the step's download may take a quarter of it, 500 ms (Storage's own 30 s is longer).
      const env = { CLOSER_UPLOADS_DIR: uploadsDir, CLOSER_JOB_LEASE_MS: '2000' };
      const created = await uploadFile(createApi(db, env), a.secretKey, a.agentId, {
        bytes: '# Prices\nPanels from 4,000 EUR.\n',
        name: `prices-${stall}.md`,
      });
      expect(created.status).toBe(201);
      // Storage now goes quiet when the worker reads the file.
      storage = await startStallingServer({
        stall,
        headers: { 'content-type': 'text/markdown' },
        firstBytes: '# P',
      });
      const report = await syncUntilDone(
        { db, env, fetch, uploads: storageAt(storage.url) },
        created.body.id,
      );
      expect(report).toMatchObject({ retrying: MAX_STEP_ATTEMPTS - 1, finished: 1, lost: 0 });
      const reason = `Upload storage did not answer within 500 ms (${MAX_STEP_ATTEMPTS} tries); try syncing again later`;
      const [source] = await db.query('select status, failure_reason from knowledge_sources where id = $1', [
        created.body.id,
      ]);
      expect(source).toEqual({ status: 'failed', failure_reason: reason });
      const [run] = await db.query(
        'select status, failure_reason from knowledge_source_runs where source_id = $1',
        [created.body.id],
      );
      expect(run).toEqual({ status: 'failed', failure_reason: reason });
      const [job] = await db.query<{ status: string; attempts: number; last_error: string }>(
        `select status, attempts, coalesce(last_error, '') as last_error from public.jobs where payload ->> 'sourceId' = $1`,
        [created.body.id],
      );
      expect(job).toMatchObject({ status: 'failed', attempts: MAX_STEP_ATTEMPTS });
      expect(job!.last_error).toContain('Storage did not answer within 500 ms');
      expect(storage.requests).toHaveLength(MAX_STEP_ATTEMPTS);
      await storage.waitForHangUps(MAX_STEP_ATTEMPTS);
    },
  );
});
