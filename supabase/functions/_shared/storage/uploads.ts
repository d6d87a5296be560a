// Where uploaded files wait for the worker: a private Supabase Storage bucket on Supabase, a local directory in the
// local stack. One small interface; keys are `<orgId>/<sourceId>` so a bucket policy can scope them by tenant.
import { type Env, millisecondsFrom } from '../env.ts';
import { directoryStorage } from './directory.ts';
import { STORAGE_TIMEOUT_MS, supabaseStorage } from './supabase.ts';

/** Where a client sends one file itself, so that a big file never passes through a function. */
export interface SignedUpload {
  /** Absolute URL: `PUT` the file's bytes there, with the file's media type as `content-type`. */
  url: string;
  /** More headers the PUT must carry. */
  headers: Record<string, string>;
  /** After this the URL is refused. */
  expiresAt: Date;
}

export interface SignedUploadRequest {
  /** Largest file the URL accepts, in bytes. */
  maxBytes: number;
  /** The origin the client reached the API at (the local stack serves the URL there). */
  origin: string;
}

export interface UploadStorage {
  /**
   * A single-use URL that stores one file under `key`; absent where the storage cannot sign one. Supabase
   * Storage enforces the bucket's size limit, the local directory `maxBytes`.
   */
  createUploadUrl?(key: string, request: SignedUploadRequest): Promise<SignedUpload>;
  /** Stores `bytes` under `key`, replacing what was there. */
  put(key: string, bytes: Uint8Array, mediaType: string): Promise<void>;
  /**
   * The bytes under `key`; null when nothing is stored there. A StorageError with status 413 when the object is
   * larger than the storage reads, a StorageTimeout (504) when it did not come within its time (storage/errors.ts).
   */
  get(key: string, limits?: StorageReadLimits): Promise<Uint8Array | null>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
}

export interface StorageReadLimits {
  /** Longest the read may take, in milliseconds, where less than the storage's own timeout (a job's lease). */
  timeoutMs?: number;
}

/** The private bucket uploads go to on Supabase (created by migration 20261201060100). */
export const UPLOADS_BUCKET = 'knowledge-uploads';

export const uploadKey = (orgId: string, sourceId: string) => `${orgId}/${sourceId}`;

/** The service key Supabase gives every function: the new secret key, else the legacy service-role key. */
function supabaseServiceKey(env: Env): string | undefined {
  if (env.SUPABASE_SECRET_KEYS) {
    try {
      const keys = JSON.parse(env.SUPABASE_SECRET_KEYS) as Record<string, string>;
      const first = keys.default ?? Object.values(keys)[0];
      if (first) return first;
    } catch {
      // Not JSON: fall back to the legacy key.
    }
  }
  return env.SUPABASE_SERVICE_ROLE_KEY;
}

/**
 * `CLOSER_UPLOADS_DIR` → that directory (the local stack sets it); else on Supabase (its URL and service key
 * set) → the private bucket; else null: file sources are refused with 503 until storage is configured.
 */
export function uploadStorageFromEnv(env: Env, fetcher?: typeof fetch): UploadStorage | null {
  if (env.CLOSER_UPLOADS_DIR) return directoryStorage(env.CLOSER_UPLOADS_DIR);
  const key = supabaseServiceKey(env);
  if (env.SUPABASE_URL && key) {
    // The global fetch is looked up at each call, never captured (hosts and tests may replace it).
    const fetchAtCall: typeof fetch = (input, init) => (fetcher ?? globalThis.fetch)(input, init);
    return supabaseStorage({
      url: env.SUPABASE_URL,
      serviceKey: key,
      bucket: UPLOADS_BUCKET,
      fetch: fetchAtCall,
      // Read at each call: a bad value fails that call (503 naming the setting), not every function's start.
      get timeoutMs() {
        return Math.max(1, millisecondsFrom(env, 'CLOSER_STORAGE_TIMEOUT_MS', STORAGE_TIMEOUT_MS));
      },
    });
  }
  return null;
}
