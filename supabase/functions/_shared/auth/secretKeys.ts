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

/**
 * The live keys an instance has seen, trusted for `KEY_TRUST_MS` before the database is asked again: the key
 * check is then no database round trip for most requests. A key revoked through this instance is forgotten at
 * once; one revoked elsewhere (another function, another instance) is refused everywhere within `KEY_TRUST_MS`.
 * At most 1,000 keys are held (all are dropped when full).
 */
export class TrustedKeys {
  private readonly entries = new Map<string, { key: VerifiedSecretKey; until: number }>();

  /** The key as found live less than `KEY_TRUST_MS` ago; null when unknown or older. */
  get(secret: string): VerifiedSecretKey | null {
    const entry = this.entries.get(secret);
    if (!entry) return null;
    if (entry.until > Date.now()) return entry.key;
    this.entries.delete(secret);
    return null;
  }

  trust(secret: string, key: VerifiedSecretKey): void {
    remember(this.entries, secret, { key, until: Date.now() + KEY_TRUST_MS });
  }

  /** A key revoked here: refused from the next request on. */
  forget(keyId: string): void {
    for (const [secret, entry] of this.entries) if (entry.key.keyId === keyId) this.entries.delete(secret);
  }
}

/** How long an instance trusts a secret key it found live (5 s): the most a revocation takes to reach it. */
export const KEY_TRUST_MS = 5_000;

/**
 * Finds the live key matching `key`; null when unknown or revoked. Runs outside any tenant (no org yet). A key in
 * `trusted` is not looked up again (see TrustedKeys).
 */
export async function verifySecretKey(
  db: Queryable,
  key: string,
  trusted: TrustedKeys,
): Promise<VerifiedSecretKey | null> {
  if (!SECRET_KEY_PATTERN.test(key)) return null;
  const known = trusted.get(key);
  if (known) {
    await touch(db, known.keyId);
    return known;
  }
  const hash = hashSecretKey(key);
  const candidates = await db.query<{ id: string; org_id: string; key_hash: string }>(
    'select id, org_id, key_hash from public.api_keys where prefix = $1 and revoked_at is null',
    [secretKeyPrefix(key)],
  );
  let match: VerifiedSecretKey | null = null;
  for (const candidate of candidates) {
    if (timingSafeEqual(candidate.key_hash, hash)) match = { keyId: candidate.id, orgId: candidate.org_id };
  }
  if (match) {
    trusted.trust(key, match);
    await touch(db, match.keyId);
  }
  return match;
}

// Per instance, bounded: when this instance last wrote a key's `last_used_at`.
const REMEMBERED = 1_000;
const TOUCH_EVERY_MS = 60_000;
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
