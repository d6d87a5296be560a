// The local stack's own secrets: remembered in .closer/ so they outlive a restart, fresh for --memory.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

async function remembered(stateDir: string | null, file: string, make: () => string, minLength: number) {
  if (!stateDir) return make();
  const path = join(stateDir, file);
  const saved = (await readFile(path, 'utf8').catch(() => '')).trim();
  if (saved.length >= minLength) return saved;
  const secret = make();
  await mkdir(stateDir, { recursive: true });
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Signs the local sign-in's member tokens. */
export function localJwtSecret(stateDir: string | null): Promise<string> {
  return remembered(stateDir, 'jwt-secret', () => randomBytes(32).toString('base64url'), 32);
}

/** CLOSER_ENCRYPTION_KEY of the local stack (32 bytes, base64): seals webhook signing secrets and Kommo tokens. */
export function localEncryptionKey(stateDir: string | null): Promise<string> {
  return remembered(stateDir, 'encryption-key', () => randomBytes(32).toString('base64'), 44);
}
