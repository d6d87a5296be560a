// The local stack's remembered secrets: the same after a restart (same data directory), fresh without one.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptionKeyFrom } from '@closer/functions/_shared/secrets/encryptionKey.ts';
import { afterAll, expect, it } from 'vitest';
import { localEncryptionKey, localJwtSecret } from '../src/localSecret.ts';

let dir = '';
afterAll(async () => dir && rm(dir, { recursive: true, force: true }));

it('remembers CLOSER_ENCRYPTION_KEY (32 bytes, base64) in the data directory, readable only by its owner', async () => {
  dir = await mkdtemp(join(tmpdir(), 'closer-secrets-'));
  const key = await localEncryptionKey(dir);
  expect(encryptionKeyFrom(key)).toHaveLength(32);
  expect(await localEncryptionKey(dir)).toBe(key);
  expect((await readFile(join(dir, 'encryption-key'), 'utf8')).trim()).toBe(key);
  expect((await stat(join(dir, 'encryption-key'))).mode & 0o777).toBe(0o600);
  // Distinct from the JWT secret, which is remembered beside it.
  expect(await localJwtSecret(dir)).not.toBe(key);
  const fresh = await localEncryptionKey(null);
  expect(encryptionKeyFrom(fresh)).toHaveLength(32);
  expect(fresh).not.toBe(key);
});
