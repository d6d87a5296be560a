// Issue 11, kind 1: Supabase Storage (or whatever answers at its address) cannot grow the process by answering a
// download without end. A real server on 127.0.0.1 stands in for Storage and writes for as long as it is read: a
// download is read up to MAX_UPLOAD_BYTES (20 MiB) and is then a StorageError 413; a source made from such an
// upload is refused 413 (the object removed), and a sync reading it fails at once, saying why.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { type KnowledgeSource, MAX_UPLOAD_BYTES } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { StorageError, supabaseStorage } from '@closer/functions/_shared/storage/supabase.ts';
import { UPLOADS_BUCKET } from '@closer/functions/_shared/storage/uploads.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { type EndlessServer, startEndlessServer } from '../helpers/endlessServer.ts';
import { runsOf, uploadFile, workUntilIdle } from '../helpers/sources.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

/** What a capped reader may have pulled through the socket: its cap plus the kernel's and runtime's buffers. */
const BUFFERS = 12 * 1024 * 1024;
const SERVICE_KEY = 'sb_secret_endless-storage-0123456789';
let db: Database;
let a: TenantFixture;
let storage: EndlessServer;

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme');
});
afterEach(async () => {
  vi.restoreAllMocks();
  await storage?.close();
});
afterAll(() => db?.close());

const endlessFile = () =>
  startEndlessServer({
    headers: { 'content-type': 'text/markdown' },
    prefix: '# Prices\n',
    filler: 'x'.repeat(65536),
  });

describe('a Storage download that never ends', () => {
  it('is read up to MAX_UPLOAD_BYTES, then a StorageError 413 and the connection dropped', async () => {
    storage = await endlessFile();
    const uploads = supabaseStorage({
      url: storage.url,
      serviceKey: SERVICE_KEY,
      bucket: UPLOADS_BUCKET,
      fetch,
    });
    const error = await uploads.get('org/file').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({
      status: 413,
      message: `Reading org/file: the stored file is larger than ${MAX_UPLOAD_BYTES} bytes`,
    });
    await storage.waitForHangUps(1);
    expect(storage.requests).toEqual([
      { method: 'GET', path: `/storage/v1/object/${UPLOADS_BUCKET}/org/file` },
    ]);
    expect(storage.bytesSent).toBeLessThan(MAX_UPLOAD_BYTES + BUFFERS);
  });

  it('makes no source: 413 as for any file over the limit, and the stored object is removed', async () => {
    storage = await endlessFile();
    const env = { SUPABASE_URL: storage.url, SUPABASE_SECRET_KEYS: JSON.stringify({ default: SERVICE_KEY }) };
    const upload = crypto.randomUUID();
    const created = await createApi(db, env).as(a.secretKey)<{ error: { code: string; message: string } }>(
      'POST',
      `/agents/${a.agentId}/sources`,
      { kind: 'file', upload, fileName: 'prices.md' },
    );
    expect(created.status).toBe(413);
    expect(created.body.error).toMatchObject({
      code: 'payload_too_large',
      message: `The file is larger than 20 MiB (${MAX_UPLOAD_BYTES} bytes)`,
    });
    expect(await db.query('select 1 from knowledge_sources where id = $1', [upload])).toEqual([]);
    expect(storage.requests.map((r) => r.method)).toEqual(['GET', 'DELETE']);
    expect(storage.bytesSent).toBeLessThan(MAX_UPLOAD_BYTES + 64 * 1024 + 2 * BUFFERS);
  });

  it('fails the sync of a file source at once, with the reason stored', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const uploadsDir = await mkdtemp(`${tmpdir()}/closer-endless-storage-`);
    try {
      const env = { CLOSER_UPLOADS_DIR: uploadsDir, CLOSER_JOB_LEASE_MS: '20000' };
      const created = await uploadFile(createApi(db, env), a.secretKey, a.agentId, {
        bytes: '# Prices\nPanels from 4,000 EUR.\n',
        name: 'prices.md',
      });
      expect(created.status).toBe(201);
      // Storage now answers the worker's download without end.
      storage = await endlessFile();
      const uploads = supabaseStorage({
        url: storage.url,
        serviceKey: SERVICE_KEY,
        bucket: UPLOADS_BUCKET,
        fetch,
      });
      const report = await workUntilIdle({ db, env, fetch, uploads });
      expect(report).toMatchObject({ finished: 1, retrying: 0 });
      const [source] = await db.query<{ status: string; failure_reason: string | null }>(
        'select status, failure_reason from knowledge_sources where id = $1',
        [created.body.id],
      );
      expect(source).toEqual({
        status: 'failed',
        failure_reason: 'The stored file is larger than any upload may be; upload it again',
      });
      const [run] = await runsOf(db, (created.body as KnowledgeSource).id);
      expect(run).toMatchObject({ status: 'failed' });
      await storage.waitForHangUps(1);
      expect(storage.bytesSent).toBeLessThan(MAX_UPLOAD_BYTES + BUFFERS);
    } finally {
      await rm(uploadsDir, { recursive: true, force: true });
    }
  });
});
