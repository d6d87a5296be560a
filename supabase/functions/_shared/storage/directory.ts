// Uploads kept as files in a local directory (the local stack, self-hosting). node:fs runs in Node and Deno.
// Signed uploads: this process hands out single-use, expiring tokens and stores what is PUT to
// `<origin>/local-uploads/<token>` (served by the functions host, packages/server/src/host.ts).
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { randomToken } from '../crypto.ts';
import { ApiError } from '../http/errors.ts';
import type { UploadStorage } from './uploads.ts';

const SAFE_KEY = /^[0-9a-zA-Z_-]+(?:\/[0-9a-zA-Z_-]+)*$/;

/** Where the functions host receives signed uploads. */
export const LOCAL_UPLOAD_PATH = '/local-uploads';
/** How long a local signed upload URL stays valid (1 hour). */
export const LOCAL_UPLOAD_TTL_MS = 60 * 60 * 1000;

/** A directory's storage, which also receives the files PUT to the URLs it signed. */
export interface DirectoryStorage extends UploadStorage {
  /**
   * Stores the body PUT with `token`: once, before the token expires, and no larger than the size it was signed
   * for. Throws ApiError: 404 unknown or used token, 403 expired, 409 already stored, 413 too large (nothing is
   * kept).
   */
  receive(token: string, body: ReadableStream<Uint8Array> | null): Promise<{ key: string; bytes: number }>;
}

interface Pending {
  key: string;
  maxBytes: number;
  expiresAt: number;
}

export function directoryStorage(directory: string, now: () => number = Date.now): DirectoryStorage {
  const root = directory.replace(/(?<!\/)\/+$/, '');
  const pending = new Map<string, Pending>();
  const pathOf = (key: string) => {
    // Keys are ours (uuids), never a caller's: anything else is a bug, not a path to follow.
    if (!SAFE_KEY.test(key)) throw new Error(`Not an upload key: ${JSON.stringify(key)}`);
    return `${root}/${key}`;
  };
  const ensureFolder = (path: string) => mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  return {
    async createUploadUrl(key, request) {
      pathOf(key);
      for (const [token, entry] of pending) if (entry.expiresAt <= now()) pending.delete(token);
      const token = randomToken();
      const expiresAt = now() + LOCAL_UPLOAD_TTL_MS;
      pending.set(token, { key, maxBytes: request.maxBytes, expiresAt });
      return {
        url: `${request.origin}${LOCAL_UPLOAD_PATH}/${token}`,
        headers: {},
        expiresAt: new Date(expiresAt),
      };
    },
    async receive(token, body) {
      const entry = pending.get(token);
      // Single use: the token is spent as soon as a PUT presents it, whatever happens next.
      pending.delete(token);
      if (!entry) throw new ApiError('not_found', 'This upload URL is unknown or was used already');
      if (entry.expiresAt <= now())
        throw new ApiError('forbidden', 'This upload URL has expired; ask for a new one');
      const path = pathOf(entry.key);
      await ensureFolder(path);
      const file = await open(path, 'wx').catch((error: { code?: string }) => {
        if (error.code === 'EEXIST')
          throw new ApiError('conflict', 'A file was stored with this URL already');
        throw error;
      });
      let bytes = 0;
      try {
        if (body) {
          for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
            bytes += chunk.byteLength;
            if (bytes > entry.maxBytes) {
              throw new ApiError('payload_too_large', `The file is larger than ${entry.maxBytes} bytes`);
            }
            await file.write(chunk);
          }
        }
      } catch (error) {
        await file.close();
        await rm(path, { force: true });
        throw error;
      }
      await file.close();
      return { key: entry.key, bytes };
    },
    async put(key, bytes) {
      const path = pathOf(key);
      await ensureFolder(path);
      await writeFile(path, bytes);
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(pathOf(key)));
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return null;
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}

export const isDirectoryStorage = (storage: UploadStorage | null): storage is DirectoryStorage =>
  storage !== null && 'receive' in storage;
