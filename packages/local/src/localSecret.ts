// The local stack's JWT secret: remembered in .closer/ so tokens outlive a restart, fresh for --memory.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function localJwtSecret(stateDir: string | null): Promise<string> {
  if (!stateDir) return randomBytes(32).toString('base64url');
  const file = join(stateDir, 'jwt-secret');
  const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (saved.length >= 32) return saved;
  const secret = randomBytes(32).toString('base64url');
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
