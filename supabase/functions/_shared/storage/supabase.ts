// Uploads in a private Supabase Storage bucket, spoken to over its HTTP API (storage/v1) with the service key.
import { MAX_UPLOAD_BYTES } from '@closer/contract';
import {
  AnswerTimeoutError,
  BodyTooLargeError,
  discardBody,
  durationName,
  ERROR_BODY_BYTES,
  type ReadOptions,
  readBytesWithin,
  readJsonWithin,
  readTextUpTo,
  withinDeadline,
} from '../http/responseBody.ts';
import { StorageError, StorageTimeout } from './errors.ts';
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
  /**
   * Longest one call may take, in milliseconds: connecting, sending, the headers and the whole body; past it the
   * call fails with a {@link StorageTimeout} (status 504) and its connection is dropped. `get` may ask for less.
   * @default STORAGE_TIMEOUT_MS (30 000)
   */
  timeoutMs?: number;
}

export { StorageError, StorageTimeout };

/** Default time one Storage call may take, body included: 30 s (20 MiB at under 1 MB/s). */
export const STORAGE_TIMEOUT_MS = 30_000;

/** Storage answers `{ statusCode, error, message }`; older versions say "not found" as HTTP 400, statusCode "404". */
async function failureOf(
  response: Response,
  what: string,
  read: ReadOptions,
): Promise<{ status: number; message: string }> {
  // Storage's error object is a few hundred bytes: only the start of a longer answer (a gateway's page) is read.
  const { text } = await readTextUpTo(response, ERROR_BODY_BYTES, read).catch(() => ({ text: '' }));
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
  /** One call, body included, within its time; past it a StorageTimeout naming `what` and the time. */
  const within = async <T>(what: string, run: (signal: AbortSignal) => Promise<T>, timeoutMs?: number) => {
    const allowed = Math.max(1, Math.min(timeoutMs ?? Infinity, options.timeoutMs ?? STORAGE_TIMEOUT_MS));
    try {
      return await withinDeadline(allowed, run);
    } catch (error) {
      if (!(error instanceof AnswerTimeoutError)) throw error;
      throw new StorageTimeout(`${what}: Storage did not answer within ${durationName(allowed)}`, allowed, {
        cause: error,
      });
    }
  };
  return {
    // Storage's signed upload: POST /object/upload/sign/<bucket>/<key> answers `{ url }`, a path under
    // /storage/v1 with a `token` parameter; the client PUTs the file there, without any key. Not upserting, so
    // a URL stores one file once; the bucket's file_size_limit refuses a larger one (413).
    async createUploadUrl(key) {
      const what = `Signing an upload to ${key}`;
      const body = await within(what, async (signal) => {
        const response = await options.fetch(`${base}/upload/sign/${objectPath(key)}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: '{}',
          signal,
        });
        if (!response.ok) {
          const failure = await failureOf(response, what, { signal });
          throw new StorageError(failure.status, failure.message);
        }
        const json = await readJsonWithin(response, ERROR_BODY_BYTES, { signal }).catch(() => null);
        return (json ?? {}) as { url?: unknown };
      });
      if (typeof body.url !== 'string' || !new URL(body.url, root).searchParams.get('token')) {
        throw new StorageError(502, `Signing an upload to ${key}: Storage answered no signed URL`);
      }
      return {
        url: `${root}${body.url.startsWith('/') ? '' : '/'}${body.url}`,
        headers: { 'x-upsert': 'false' },
        expiresAt: new Date(Date.now() + SIGNED_UPLOAD_TTL_MS),
      };
    },
    put: (key, bytes, mediaType) =>
      within(`Storing ${key}`, async (signal) => {
        const response = await options.fetch(objectUrl(key), {
          method: 'POST',
          headers: { ...headers, 'content-type': mediaType, 'x-upsert': 'true', 'cache-control': 'no-store' },
          body: bytes as Uint8Array<ArrayBuffer>,
          signal,
        });
        if (!response.ok) {
          const failure = await failureOf(response, `Storing ${key}`, { signal });
          throw new StorageError(failure.status, failure.message);
        }
        await discardBody(response, ERROR_BODY_BYTES, { signal }); // A small JSON answer: read, so the connection is reused.
      }),
    get: (key, limits = {}) =>
      within(
        `Reading ${key}`,
        async (signal) => {
          const response = await options.fetch(objectUrl(key), { headers, signal });
          if (response.ok) {
            const limit = options.maxObjectBytes ?? MAX_UPLOAD_BYTES;
            return readBytesWithin(response, limit, { signal }).catch((error: unknown) => {
              if (!(error instanceof BodyTooLargeError)) throw error;
              throw new StorageError(413, `Reading ${key}: the stored file is larger than ${limit} bytes`);
            });
          }
          const failure = await failureOf(response, `Reading ${key}`, { signal });
          if (failure.status === 404) return null;
          throw new StorageError(failure.status, failure.message);
        },
        limits.timeoutMs,
      ),
    delete: (key) =>
      within(`Removing ${key}`, async (signal) => {
        const response = await options.fetch(`${base}/${encodeURIComponent(options.bucket)}`, {
          method: 'DELETE',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ prefixes: [key] }),
          signal,
        });
        if (!response.ok) {
          const failure = await failureOf(response, `Removing ${key}`, { signal });
          if (failure.status !== 404) throw new StorageError(failure.status, failure.message);
        }
        await discardBody(response, ERROR_BODY_BYTES, { signal }); // A small JSON answer: read, so the connection is reused.
      }),
  };
}
