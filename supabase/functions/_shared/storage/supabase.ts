// Uploads in a private Supabase Storage bucket, spoken to over its HTTP API (storage/v1) with the service key.
import { MAX_UPLOAD_BYTES } from '@closer/contract';
import {
  BodyTooLargeError,
  discardBody,
  ERROR_BODY_BYTES,
  readBytesWithin,
  readJsonWithin,
  readTextUpTo,
} from '../http/responseBody.ts';
import { StorageError } from './errors.ts';
import type { UploadStorage } from './uploads.ts';

export interface SupabaseStorageOptions {
  /** The project URL (`SUPABASE_URL`). */
  url: string;
  /** A secret or service-role key: the bucket is private. */
  serviceKey: string;
  bucket: string;
  fetch: typeof fetch;
  /**
   * Largest object `get` reads, in bytes; a larger one is a StorageError with status 413, read no further.
   * @default MAX_UPLOAD_BYTES (20 MiB: no upload is larger, and the bucket's file_size_limit says so too)
   */
  maxObjectBytes?: number;
}

export { StorageError };

/** Storage answers `{ statusCode, error, message }`; older versions say "not found" as HTTP 400, statusCode "404". */
async function failureOf(response: Response, what: string): Promise<{ status: number; message: string }> {
  // Storage's error object is a few hundred bytes: only the start of a longer answer (a gateway's page) is read.
  const { text } = await readTextUpTo(response, ERROR_BODY_BYTES).catch(() => ({ text: '' }));
  let body: { statusCode?: string | number; message?: string; error?: string } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a gateway page): the status says enough.
  }
  const status = Number(body.statusCode) || response.status;
  return {
    status,
    message: `${what}: Storage answered ${status} ${body.message ?? body.error ?? ''}`.trim(),
  };
}

/** How long Storage keeps a signed upload URL valid (storage-js: "valid for 2 hours"). */
export const SIGNED_UPLOAD_TTL_MS = 2 * 60 * 60 * 1000;

export function supabaseStorage(options: SupabaseStorageOptions): UploadStorage {
  const root = `${options.url.replace(/(?<!\/)\/+$/, '')}/storage/v1`;
  const base = `${root}/object`;
  const headers = { authorization: `Bearer ${options.serviceKey}`, apikey: options.serviceKey };
  const objectPath = (key: string) =>
    `${encodeURIComponent(options.bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const objectUrl = (key: string) => `${base}/${objectPath(key)}`;
  return {
    // Storage's signed upload: POST /object/upload/sign/<bucket>/<key> answers `{ url }`, a path under
    // /storage/v1 with a `token` parameter; the client PUTs the file there, without any key. Not upserting, so
    // a URL stores one file once; the bucket's file_size_limit refuses a larger one (413).
    async createUploadUrl(key) {
      const response = await options.fetch(`${base}/upload/sign/${objectPath(key)}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{}',
      });
      if (!response.ok) {
        const failure = await failureOf(response, `Signing an upload to ${key}`);
        throw new StorageError(failure.status, failure.message);
      }
      const body = ((await readJsonWithin(response, ERROR_BODY_BYTES).catch(() => null)) ?? {}) as {
        url?: unknown;
      };
      if (typeof body.url !== 'string' || !new URL(body.url, root).searchParams.get('token')) {
        throw new StorageError(502, `Signing an upload to ${key}: Storage answered no signed URL`);
      }
      return {
        url: `${root}${body.url.startsWith('/') ? '' : '/'}${body.url}`,
        headers: { 'x-upsert': 'false' },
        expiresAt: new Date(Date.now() + SIGNED_UPLOAD_TTL_MS),
      };
    },
    async put(key, bytes, mediaType) {
      const response = await options.fetch(objectUrl(key), {
        method: 'POST',
        headers: { ...headers, 'content-type': mediaType, 'x-upsert': 'true', 'cache-control': 'no-store' },
        body: bytes as Uint8Array<ArrayBuffer>,
      });
      if (!response.ok) {
        const failure = await failureOf(response, `Storing ${key}`);
        throw new StorageError(failure.status, failure.message);
      }
      await discardBody(response); // A small JSON answer: read, so the connection is reused.
    },
    async get(key) {
      const response = await options.fetch(objectUrl(key), { headers });
      if (response.ok) {
        const limit = options.maxObjectBytes ?? MAX_UPLOAD_BYTES;
        return readBytesWithin(response, limit).catch((error: unknown) => {
          if (!(error instanceof BodyTooLargeError)) throw error;
          throw new StorageError(413, `Reading ${key}: the stored file is larger than ${limit} bytes`);
        });
      }
      const failure = await failureOf(response, `Reading ${key}`);
      if (failure.status === 404) return null;
      throw new StorageError(failure.status, failure.message);
    },
    async delete(key) {
      const response = await options.fetch(`${base}/${encodeURIComponent(options.bucket)}`, {
        method: 'DELETE',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ prefixes: [key] }),
      });
      if (!response.ok) {
        const failure = await failureOf(response, `Removing ${key}`);
        if (failure.status !== 404) throw new StorageError(failure.status, failure.message);
      }
      await discardBody(response); // A small JSON answer: read, so the connection is reused.
    },
  };
}
