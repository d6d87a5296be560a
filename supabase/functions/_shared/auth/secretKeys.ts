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
  const hash = knownHashes.get(key) ?? hashSecretKey(key);
  const candidates = await db.query<{ id: string; org_id: string; key_hash: string }>(
    'select id, org_id, key_hash from public.api_keys where prefix = $1 and revoked_at is null',
    [secretKeyPrefix(key)],
  );
  let match: VerifiedSecretKey | null = null;
  for (const candidate of candidates) {
    if (timingSafeEqual(candidate.key_hash, hash)) match = { keyId: candidate.id, orgId: candidate.org_id };
  }
  if (match) {
    remember(knownHashes, key, hash);
    await touch(db, match.keyId);
  }
  return match;
}

// Per instance, bounded: a live key's hash (Web Crypto's SHA-256 costs ~0.5 ms under load, on every request) and
// when this instance last wrote its `last_used_at`. Revocation is still read from the database on every request.
const REMEMBERED = 1_000;
const TOUCH_EVERY_MS = 60_000;
const knownHashes = new Map<string, string>();
const lastTouched = new Map<string, number>();

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= REMEMBERED && !map.has(key)) map.clear();
  map.set(key, value);
}

/** `last_used_at` is to the minute: written at most once a minute per key by each instance. */
async function touch(db: Queryable, keyId: string): Promise<void> {
  const now = Date.now();
  if (now - (lastTouched.get(keyId) ?? Number.NEGATIVE_INFINITY) < TOUCH_EVERY_MS) return;
  remember(lastTouched, keyId, now);
  await db.query(
    `update public.api_keys set last_used_at = now()
     where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
    [keyId],
  );
}
