// Uploads in Supabase Storage, spoken to over its HTTP API: checked against an msw stand-in that answers as the
// Storage API does (POST/GET /storage/v1/object/:bucket/:path, DELETE /storage/v1/object/:bucket with
// `{ prefixes }`, errors as `{ statusCode, error, message }` — "not found" as HTTP 400 with statusCode "404" on
// older Storage versions, as 404 on newer ones).
import { StorageError, supabaseStorage } from '@closer/functions/_shared/storage/supabase.ts';
import { UPLOADS_BUCKET, uploadStorageFromEnv } from '@closer/functions/_shared/storage/uploads.ts';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const PROJECT = 'https://abcdefghijklmnop.supabase.co';
const SERVICE_KEY = 'sb_secret_storage-test-key-0123456789';
const objects = new Map<string, { bytes: Uint8Array; type: string }>();
const seen: {
  method: string;
  path: string;
  authorization: string | null;
  apikey: string | null;
  upsert: string | null;
}[] = [];
let notFoundStyle: 'legacy' | 'current' = 'legacy';
let failWrites = false;

const notFound = () =>
  notFoundStyle === 'legacy'
    ? HttpResponse.json(
        { statusCode: '404', error: 'not_found', message: 'Object not found' },
        { status: 400 },
      )
    : HttpResponse.json(
        { statusCode: '404', error: 'not_found', message: 'Object not found' },
        { status: 404 },
      );

const server = setupServer(
  http.all(`${PROJECT}/storage/v1/object/*`, async ({ request }) => {
    const url = new URL(request.url);
    seen.push({
      method: request.method,
      path: decodeURIComponent(url.pathname),
      authorization: request.headers.get('authorization'),
      apikey: request.headers.get('apikey'),
      upsert: request.headers.get('x-upsert'),
    });
    if (request.headers.get('authorization') !== `Bearer ${SERVICE_KEY}`) {
      return HttpResponse.json(
        { statusCode: '403', error: 'Unauthorized', message: 'invalid signature' },
        { status: 400 },
      );
    }
    const [bucket, ...rest] = url.pathname
      .replace('/storage/v1/object/', '')
      .split('/')
      .map(decodeURIComponent);
    if (bucket !== UPLOADS_BUCKET)
      return HttpResponse.json(
        { statusCode: '404', error: 'Bucket not found', message: 'Bucket not found' },
        { status: 400 },
      );
    const key = rest.join('/');
    if (request.method === 'POST') {
      if (failWrites)
        return HttpResponse.json(
          { statusCode: '500', error: 'internal', message: 'S3 is down' },
          { status: 500 },
        );
      if (objects.has(key) && request.headers.get('x-upsert') !== 'true') {
        return HttpResponse.json(
          { statusCode: '409', error: 'Duplicate', message: 'The resource already exists' },
          { status: 400 },
        );
      }
      objects.set(key, {
        bytes: new Uint8Array(await request.arrayBuffer()),
        type: request.headers.get('content-type') ?? '',
      });
      return HttpResponse.json({ Key: `${bucket}/${key}`, Id: crypto.randomUUID() });
    }
    if (request.method === 'GET') {
      const object = objects.get(key);
      return object
        ? new HttpResponse(object.bytes as BodyInit, { headers: { 'content-type': object.type } })
        : notFound();
    }
    if (request.method === 'DELETE' && key === '') {
      const { prefixes } = (await request.json()) as { prefixes: string[] };
      const removed = prefixes.filter((prefix) => objects.delete(prefix));
      return HttpResponse.json(removed.map((name) => ({ name, bucket_id: bucket })));
    }
    return HttpResponse.json(
      { statusCode: '405', error: 'Method not allowed', message: 'no' },
      { status: 405 },
    );
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  objects.clear();
  seen.length = 0;
  notFoundStyle = 'legacy';
  failWrites = false;
});

describe('Supabase Storage for uploads', () => {
  const storage = supabaseStorage({
    url: PROJECT,
    serviceKey: SERVICE_KEY,
    bucket: UPLOADS_BUCKET,
    fetch: (i, init) => fetch(i, init),
  });

  it('stores, reads back, replaces and removes a file under the tenant folder, with the service key', async () => {
    const key = '7d1c5c1e-0000-4000-8000-000000000001/2f6e0a4b-0000-4000-8000-000000000002';
    await storage.put(key, new TextEncoder().encode('first'), 'text/plain');
    await storage.put(key, new TextEncoder().encode('second'), 'text/plain');
    expect(new TextDecoder().decode((await storage.get(key))!)).toBe('second');
    expect(objects.get(key)?.type).toBe('text/plain');
    await storage.delete(key);
    expect(objects.size).toBe(0);
    expect(await storage.get(key)).toBeNull();
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /storage/v1/object/${UPLOADS_BUCKET}/${key}`,
      `POST /storage/v1/object/${UPLOADS_BUCKET}/${key}`,
      `GET /storage/v1/object/${UPLOADS_BUCKET}/${key}`,
      `DELETE /storage/v1/object/${UPLOADS_BUCKET}`,
      `GET /storage/v1/object/${UPLOADS_BUCKET}/${key}`,
    ]);
    expect(seen.every((r) => r.authorization === `Bearer ${SERVICE_KEY}` && r.apikey === SERVICE_KEY)).toBe(
      true,
    );
    expect(seen[0]!.upsert).toBe('true');
  });

  it('reads "not found" in either of Storage\'s spellings as no file, and removing a missing file is fine', async () => {
    expect(await storage.get('a/b')).toBeNull();
    notFoundStyle = 'current';
    expect(await storage.get('a/b')).toBeNull();
    await expect(storage.delete('a/b')).resolves.toBeUndefined();
  });

  it('turns other failures into a StorageError with the status and message, never the key', async () => {
    failWrites = true;
    const error = await storage.put('a/b', new Uint8Array([1]), 'text/plain').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ status: 500, message: 'Storing a/b: Storage answered 500 S3 is down' });
    const wrongKey = supabaseStorage({
      url: PROJECT,
      serviceKey: 'sb_secret_wrong',
      bucket: UPLOADS_BUCKET,
      fetch: (i, init) => fetch(i, init),
    });
    const refused = await wrongKey.get('a/b').catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 403 });
    expect(String((refused as Error).message)).not.toContain('sb_secret');
  });

  it('is what a Supabase deployment uses: the project URL and its secret key, unless a directory is set', async () => {
    const fromEnv = uploadStorageFromEnv({
      SUPABASE_URL: PROJECT,
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: SERVICE_KEY }),
    });
    await fromEnv!.put('c/d', new Uint8Array([7]), 'application/pdf');
    expect(objects.get('c/d')?.bytes).toEqual(new Uint8Array([7]));
    const legacy = uploadStorageFromEnv({ SUPABASE_URL: PROJECT, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY });
    expect(await legacy!.get('c/d')).toEqual(new Uint8Array([7]));
    expect(uploadStorageFromEnv({ SUPABASE_URL: PROJECT })).toBeNull();
  });
});
