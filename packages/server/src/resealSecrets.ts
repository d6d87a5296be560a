// `pnpm reseal-secrets`: the last step of rotating CLOSER_ENCRYPTION_KEY (docs/configuration.md). With the new key
// in CLOSER_ENCRYPTION_KEY and the old one in CLOSER_ENCRYPTION_KEY_PREVIOUS, it seals every stored secret again
// under the new key in one transaction (all or nothing), so the old key can then be dropped. Safe to run while the
// service serves (rows are locked as they are resealed) and to run twice.
import { pathToFileURL } from 'node:url';
import { SEALED_BOOKING_KEYS } from '@closer/functions/_shared/booking/connection.ts';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import type { Env } from '@closer/functions/_shared/env.ts';
import { SEALED_KOMMO_SECRETS } from '@closer/functions/_shared/kommo/tokens.ts';
import { requireEncryptionKey } from '@closer/functions/_shared/secrets/encryptionKey.ts';
import { resealColumns } from '@closer/functions/_shared/secrets/resealing.ts';
import { SEALED_SIGNING_SECRETS } from '@closer/functions/_shared/webhooks/sealedSecrets.ts';

/** Every feature's sealed values. */
export const SEALED_EVERYWHERE = [SEALED_KOMMO_SECRETS, SEALED_SIGNING_SECRETS, SEALED_BOOKING_KEYS];

/** Reseals every stored secret under CLOSER_ENCRYPTION_KEY; values resealed per table. Throws, changing nothing. */
export async function resealSecrets(db: Database, env: Env): Promise<Record<string, number>> {
  const keys = requireEncryptionKey(env, 'Resealing secrets');
  return db.transaction(async (tx) => {
    const counts: Record<string, number> = {};
    for (const where of SEALED_EVERYWHERE) counts[where.table] = await resealColumns(tx, keys, where);
    return counts;
  });
}

async function main(): Promise<number> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('reseal-secrets: set DATABASE_URL (the database the service uses)');
    return 1;
  }
  const db = createPostgresDatabase(url, { max: 1 });
  try {
    const counts = await resealSecrets(db, process.env);
    console.log(
      JSON.stringify({ level: 'info', msg: 'secrets resealed under CLOSER_ENCRYPTION_KEY', counts }),
    );
    return 0;
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', msg: 'nothing resealed', error: String(error) }));
    return 1;
  } finally {
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = await main();
