// Secret API keys (`sk_…`): generated once, stored as SHA-256, matched by prefix and compared in constant time.
import { randomToken, sha256Hex, timingSafeEqual } from '../crypto.ts';
import type { Queryable } from '../db/types.ts';

export const SECRET_KEY_PATTERN = /^sk_[A-Za-z0-9_-]{20,200}$/;
const PREFIX_LENGTH = 12;

export function generateSecretKey(): string {
  return `sk_${randomToken(32)}`;
}

/** The part of a key that is stored in clear, to look it up and to recognise it in a list. */
export function secretKeyPrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

export const hashSecretKey = sha256Hex;

export interface VerifiedSecretKey {
  keyId: string;
  orgId: string;
}

/** Finds the live key matching `key`; null when unknown or revoked. Runs outside any tenant (no org yet). */
export async function verifySecretKey(db: Queryable, key: string): Promise<VerifiedSecretKey | null> {
  if (!SECRET_KEY_PATTERN.test(key)) return null;
  const hash = await hashSecretKey(key);
  const candidates = await db.query<{ id: string; org_id: string; key_hash: string }>(
    'select id, org_id, key_hash from public.api_keys where prefix = $1 and revoked_at is null',
    [secretKeyPrefix(key)],
  );
  let match: VerifiedSecretKey | null = null;
  for (const candidate of candidates) {
    if (timingSafeEqual(candidate.key_hash, hash)) match = { keyId: candidate.id, orgId: candidate.org_id };
  }
  if (match) {
    await db.query(
      `update public.api_keys set last_used_at = now()
       where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
      [match.keyId],
    );
  }
  return match;
}
