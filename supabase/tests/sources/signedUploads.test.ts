// Big files through signed uploads. On Supabase: against an msw stand-in speaking Storage's wire format
// (POST /storage/v1/object/upload/sign/<bucket>/<key> → `{ url }` with a token; PUT to it without a key, once,
// within the bucket's size limit; errors as `{ statusCode, error, message }`). Locally: the directory storage's
// single-use, expiring URLs, for real on disk. Then the source made from the stored file, checked like a form
// upload (413, 415), one per upload, and out of reach of another organisation.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { KnowledgeSource, SourceUpload } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { directoryStorage, LOCAL_UPLOAD_TTL_MS } from '@closer/functions/_shared/storage/directory.ts';
import { StorageError, supabaseStorage } from '@closer/functions/_shared/storage/supabase.ts';
import { UPLOADS_BUCKET } from '@closer/functions/_shared/storage/uploads.ts';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const PROJECT = 'https://abcdefghijklmnop.supabase.co';
const SERVICE_KEY = 'sb_secret_signed-upload-test-0123456789';
const BUCKET_LIMIT = 20 * 1024 * 1024;
const objects = new Map<string, { bytes: Uint8Array; type: string }>();
const tokens = new Map<string, string>();
const seen: string[] = [];

const storageError = (statusCode: string, error: string, message: string, status = 400) =>
  HttpResponse.json({ statusCode, error, message }, { status });
const keyOf = (pathname: string, prefix: string) => {
  const [bucket, ...rest] = pathname.slice(prefix.length).split('/').map(decodeURIComponent);
  return { bucket, key: rest.join('/') };
};
const authorized = (request: Request) => request.headers.get('authorization') === `Bearer ${SERVICE_KEY}`;

const SIGN = '/storage/v1/object/upload/sign/';
const server = setupServer(
  http.post(`${PROJECT}${SIGN}*`, ({ request }) => {
    const url = new URL(request.url);
    seen.push(`POST ${url.pathname}`);
    if (!authorized(request)) return storageError('403', 'Unauthorized', 'invalid signature');
    const { bucket, key } = keyOf(url.pathname, SIGN);
    if (bucket !== UPLOADS_BUCKET) return storageError('404', 'Bucket not found', 'Bucket not found');
    if (objects.has(key)) return storageError('409', 'Duplicate', 'The resource already exists');
    const token = `eyJ.${crypto.randomUUID()}.sig`;
    tokens.set(token, key);
    return HttpResponse.json({ url: `/object/upload/sign/${bucket}/${key}?token=${token}` });
  }),
  http.put(`${PROJECT}${SIGN}*`, async ({ request }) => {
    const url = new URL(request.url);
    seen.push(`PUT ${url.pathname}`);
    const { key } = keyOf(url.pathname, SIGN);
    const token = url.searchParams.get('token') ?? '';
    if (tokens.get(token) !== key) return storageError('400', 'InvalidJWT', 'invalid signature');
    if (objects.has(key)) return storageError('409', 'Duplicate', 'The resource already exists');
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > BUCKET_LIMIT) {
      return storageError('413', 'Payload too large', 'The object exceeded the maximum allowed size', 413);
    }
    objects.set(key, { bytes, type: request.headers.get('content-type') ?? '' });
    return HttpResponse.json({ Key: `${UPLOADS_BUCKET}/${key}` });
  }),
  http.get(`${PROJECT}/storage/v1/object/*`, ({ request }) => {
    const url = new URL(request.url);
    seen.push(`GET ${url.pathname}`);
    if (!authorized(request)) return storageError('403', 'Unauthorized', 'invalid signature');
    const object = objects.get(keyOf(url.pathname, '/storage/v1/object/').key);
    return object
      ? new HttpResponse(object.bytes as BodyInit, { headers: { 'content-type': object.type } })
      : storageError('404', 'not_found', 'Object not found');
  }),
  http.delete(`${PROJECT}/storage/v1/object/${UPLOADS_BUCKET}`, async ({ request }) => {
    seen.push('DELETE');
    const { prefixes } = (await request.json()) as { prefixes: string[] };
    return HttpResponse.json(prefixes.filter((prefix) => objects.delete(prefix)).map((name) => ({ name })));
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterAll(() => server.close());
beforeEach(() => {
  objects.clear();
  tokens.clear();
  seen.length = 0;
});

const put = (url: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'PUT', body, headers: { 'content-type': 'text/markdown', ...headers } });

describe('Supabase Storage signed uploads', () => {
  const storage = supabaseStorage({
    url: PROJECT,
    serviceKey: SERVICE_KEY,
    bucket: UPLOADS_BUCKET,
    fetch: (i, init) => fetch(i, init),
  });

  it('signs a URL under /storage/v1 that stores one file once, without any key', async () => {
    const signed = await storage.createUploadUrl!('org/file-1', { maxBytes: 10, origin: 'http://unused' });
    expect(signed.url).toMatch(
      new RegExp(`^${PROJECT}/storage/v1/object/upload/sign/${UPLOADS_BUCKET}/org/file-1\\?token=eyJ\\.`),
    );
    expect(signed.headers).toEqual({ 'x-upsert': 'false' });
    expect(signed.expiresAt.getTime() - Date.now()).toBeGreaterThan(7_000_000);
    expect((await put(signed.url, '# Hello')).status).toBe(200);
    expect(new TextDecoder().decode((await storage.get('org/file-1'))!)).toBe('# Hello');
    const again = await put(signed.url, '# Replaced');
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ statusCode: '409' });
    expect(new TextDecoder().decode((await storage.get('org/file-1'))!)).toBe('# Hello');
  });

  it('reports a refusal to sign as a StorageError without the key', async () => {
    const wrong = supabaseStorage({
      url: PROJECT,
      serviceKey: 'sb_secret_wrong',
      bucket: UPLOADS_BUCKET,
      fetch: (i, init) => fetch(i, init),
    });
    const error = await wrong.createUploadUrl!('org/x', { maxBytes: 1, origin: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ status: 403 });
    expect((error as Error).message).not.toContain('sb_secret');
  });
});

describe('local directory signed uploads', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(`${tmpdir()}/closer-signed-`);
  });
  afterAll(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  const body = (text: string) => new Blob([text]).stream();
  const tokenOf = (url: string) => url.split('/').at(-1)!;

  it('stores what is PUT once, under the signed key, and refuses the token again', async () => {
    const storage = directoryStorage(directory);
    const signed = await storage.createUploadUrl!('org-a/upload-1', {
      maxBytes: 100,
      origin: 'http://127.0.0.1:5000',
    });
    expect(signed.url).toMatch(/^http:\/\/127\.0\.0\.1:5000\/local-uploads\/[\w-]{40,}$/);
    expect(await storage.receive(tokenOf(signed.url), body('# Hi'))).toEqual({
      key: 'org-a/upload-1',
      bytes: 4,
    });
    expect(new TextDecoder().decode((await storage.get('org-a/upload-1'))!)).toBe('# Hi');
    await expect(storage.receive(tokenOf(signed.url), body('# Again'))).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(storage.receive('made-up-token', body('x'))).rejects.toMatchObject({ code: 'not_found' });
    expect(new TextDecoder().decode((await storage.get('org-a/upload-1'))!)).toBe('# Hi');
  });

  it('refuses an expired URL and a body larger than signed for, keeping nothing', async () => {
    let clock = 1_000_000;
    const storage = directoryStorage(directory, () => clock);
    const late = await storage.createUploadUrl!('org-a/late', { maxBytes: 100, origin: '' });
    const big = await storage.createUploadUrl!('org-a/big', { maxBytes: 5, origin: '' });
    clock += LOCAL_UPLOAD_TTL_MS;
    await expect(storage.receive(tokenOf(late.url), body('# Hi'))).rejects.toMatchObject({
      code: 'forbidden',
    });
    clock -= 1;
    await expect(storage.receive(tokenOf(big.url), body('123456'))).rejects.toMatchObject({
      code: 'payload_too_large',
    });
    expect(await readdir(`${directory}/org-a`).catch(() => [])).toEqual([]);
  });

  it('is served by the functions host at /local-uploads, answering errors in the envelope', async () => {
    const db = await migratedDatabase('pglite');
    try {
      const tenant = await createTenant(db, 'Acme');
      const api = createApi(db, { CLOSER_UPLOADS_DIR: directory });
      const signed = (
        await api.as(tenant.secretKey)<SourceUpload>('POST', `/agents/${tenant.agentId}/sources/uploads`, {})
      ).body;
      expect(signed).toMatchObject({ method: 'PUT', maxBytes: 20 * 1024 * 1024, headers: {} });
      const path = new URL(signed.url).pathname;
      expect(path).toMatch(/^\/local-uploads\//);
      const app = api.fetch.bind(api);
      // api.fetch prefixes /functions/v1: reach the host's own route through a relative climb.
      const first = await app(`/../..${path}`, {
        method: 'PUT',
        body: '# Local',
        headers: { 'content-type': 'text/markdown' },
      });
      expect(first.status).toBe(201);
      const again = await app(`/../..${path}`, { method: 'PUT', body: '# Again' });
      expect(again.status).toBe(404);
      expect(await again.json()).toMatchObject({ error: { code: 'not_found' } });
      const created = await api.as(tenant.secretKey)<KnowledgeSource>(
        'POST',
        `/agents/${tenant.agentId}/sources`,
        { kind: 'file', upload: signed.upload, fileName: 'local.md' },
      );
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        id: signed.upload,
        settings: { fileName: 'local.md', mediaType: 'text/markdown', byteSize: 7 },
      });
    } finally {
      await db.close();
    }
  });
});

describe('a source from a signed upload on Supabase', () => {
  let db: Database;
  let a: TenantFixture;
  let b: TenantFixture;
  const env = { SUPABASE_URL: PROJECT, SUPABASE_SECRET_KEYS: JSON.stringify({ default: SERVICE_KEY }) };
  beforeAll(async () => {
    db = await migratedDatabase('pglite');
    a = await createTenant(db, 'Acme');
    b = await createTenant(db, 'Globex');
  });
  afterAll(() => db?.close());

  const signFor = async (tenant: TenantFixture, body: Record<string, unknown> = {}) =>
    createApi(db, env).as(tenant.secretKey)<SourceUpload>(
      'POST',
      `/agents/${tenant.agentId}/sources/uploads`,
      body,
    );
  const createFrom = (tenant: TenantFixture, body: Record<string, unknown>) =>
    createApi(db, env).as(tenant.secretKey)<KnowledgeSource & { error: { code: string; message: string } }>(
      'POST',
      `/agents/${tenant.agentId}/sources`,
      { kind: 'file', ...body },
    );

  it('signs, takes the PUT file and makes it a source under the organisation, once', async () => {
    const signed = await signFor(a, { byteSize: 9 });
    expect(signed.status).toBe(201);
    expect(
      signed.body.url.startsWith(
        `${PROJECT}/storage/v1/object/upload/sign/${UPLOADS_BUCKET}/${a.orgId}/${signed.body.upload}?token=`,
      ),
    ).toBe(true);
    expect((await put(signed.body.url, '# Prices', signed.body.headers)).status).toBe(200);
    const created = await createFrom(a, {
      upload: signed.body.upload,
      fileName: 'prices.md',
      name: 'Prices',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: signed.body.upload,
      kind: 'file',
      name: 'Prices',
      status: 'queued',
      settings: { fileName: 'prices.md', mediaType: 'text/markdown', byteSize: 8 },
    });
    expect(created.body.settings).not.toHaveProperty('storageKey');
    const again = await createFrom(a, { upload: signed.body.upload, fileName: 'prices.md' });
    expect(again.status).toBe(409);
    expect(objects.has(`${a.orgId}/${signed.body.upload}`)).toBe(true);
  });

  it("cannot make another organisation's upload its own: the key is built from the caller's organisation", async () => {
    const signed = await signFor(a);
    await put(signed.body.url, '# Secret plans');
    const stolen = await createFrom(b, { upload: signed.body.upload, fileName: 'plans.md' });
    expect(stolen.status).toBe(404);
    expect(stolen.body.error.message).not.toContain(a.orgId);
    expect(seen.filter((line) => line.startsWith('GET'))).toEqual([
      `GET /storage/v1/object/${UPLOADS_BUCKET}/${b.orgId}/${signed.body.upload}`,
    ]);
    expect(objects.has(`${a.orgId}/${signed.body.upload}`)).toBe(true);
  });

  it('checks the stored file as a form upload: 415 another type, 413 too large, 404 nothing sent — refused files removed', async () => {
    const image = await signFor(a);
    await put(image.body.url, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), {
      'content-type': 'image/png',
    });
    const refused = await createFrom(a, { upload: image.body.upload, fileName: 'logo.png' });
    expect(refused.status).toBe(415);
    expect(refused.body.error.message).toMatch(/accepted: \.pdf \(application\/pdf\)/);
    expect(objects.has(`${a.orgId}/${image.body.upload}`)).toBe(false);

    // A bucket without a size limit would keep a larger object: the source still refuses it.
    const huge = await signFor(a);
    objects.set(`${a.orgId}/${huge.body.upload}`, {
      bytes: new Uint8Array(20 * 1024 * 1024 + 1),
      type: 'text/plain',
    });
    const tooLarge = await createFrom(a, { upload: huge.body.upload, fileName: 'huge.txt' });
    expect(tooLarge.status).toBe(413);
    expect(objects.has(`${a.orgId}/${huge.body.upload}`)).toBe(false);

    const nothing = await signFor(a);
    const missing = await createFrom(a, { upload: nothing.body.upload, fileName: 'x.md' });
    expect(missing.status).toBe(404);

    expect((await signFor(a, { byteSize: 20 * 1024 * 1024 + 1 })).status).toBe(413);
  });

  it('answers 503 where no storage can sign (no directory, not on Supabase)', async () => {
    const bare = await createApi(db, {}).as(a.secretKey)('POST', `/agents/${a.agentId}/sources/uploads`, {});
    expect(bare.status).toBe(503);
  });
});
