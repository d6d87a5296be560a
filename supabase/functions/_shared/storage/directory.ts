// Uploads kept as files in a local directory (the local stack, self-hosting). node:fs runs in Node and Deno.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { UploadStorage } from './uploads.ts';

const SAFE_KEY = /^[0-9a-zA-Z_-]+(?:\/[0-9a-zA-Z_-]+)*$/;

export function directoryStorage(directory: string): UploadStorage {
  const root = directory.replace(/\/+$/, '');
  const pathOf = (key: string) => {
    // Keys are ours (uuids), never a caller's: anything else is a bug, not a path to follow.
    if (!SAFE_KEY.test(key)) throw new Error(`Not an upload key: ${JSON.stringify(key)}`);
    return `${root}/${key}`;
  };
  return {
    async put(key, bytes) {
      const path = pathOf(key);
      await mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true });
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
