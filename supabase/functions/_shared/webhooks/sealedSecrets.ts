// Signing secrets at rest: each sealed with CLOSER_ENCRYPTION_KEY (AES-256-GCM) and bound to its endpoint and
// its own row, so the table never holds a usable secret and a row copied elsewhere does not open.

import type { Queryable } from '../db/types.ts';
import type { Env } from '../env.ts';
import { requireEncryptionKey, type SealingKeys } from '../secrets/encryptionKey.ts';
import type { SealedColumns } from '../secrets/resealing.ts';
import { decryptSecret, encryptSecret } from '../secrets/sealed.ts';
import { newSigningSecret } from './signing.ts';

/** The key that seals signing secrets; unset or malformed, a 503 naming CLOSER_ENCRYPTION_KEY. */
export function signingSecretKey(env: Env): SealingKeys {
  return requireEncryptionKey(env, 'Webhook signing secrets are encrypted at rest');
}

// Distinct from any Kommo binding (a bare connection id), so no sealed value can stand in for another feature's.
const boundTo = (endpointId: string, secretId: string) => `webhook-secret:${endpointId}:${secretId}`;

/** Where signing secrets are sealed, for rotating CLOSER_ENCRYPTION_KEY (secrets/resealing.ts). */
export const SEALED_SIGNING_SECRETS: SealedColumns = {
  table: 'public.webhook_secrets',
  columns: ['secret_enc'],
  bindingColumns: ['endpoint_id'],
  boundTo: (row) => boundTo(String(row.endpoint_id), String(row.id)),
};

/** Stores a fresh current secret for the endpoint, sealed; answers it in plain text (shown once, never again). */
export async function addSigningSecret(
  tx: Queryable,
  key: SealingKeys,
  orgId: string,
  endpointId: string,
): Promise<string> {
  const id = crypto.randomUUID();
  const secret = newSigningSecret();
  await tx.query(
    'insert into public.webhook_secrets (id, org_id, endpoint_id, secret_enc) values ($1, $2, $3, $4)',
    [id, orgId, endpointId, await encryptSecret(key, secret, boundTo(endpointId, id))],
  );
  return secret;
}

/** A stored secret as the worker reads it. */
export interface SealedSigningSecret {
  id: string;
  sealed: string;
}

/** The secrets that sign now, still sealed: the current one first, then any still in their overlap. */
export async function sealedSigningSecrets(
  tx: Queryable,
  endpointId: string,
): Promise<SealedSigningSecret[]> {
  return tx.query<SealedSigningSecret>(
    `select id, secret_enc as sealed from public.webhook_secrets
     where endpoint_id = $1 and (expires_at is null or expires_at > now())
     order by expires_at is null desc, created_at desc`,
    [endpointId],
  );
}

/** What the worker can sign with: the opened secrets, and the ids of any that did not open (wrong key, moved). */
export interface OpenedSecrets {
  secrets: string[];
  unopened: string[];
}

export async function openSigningSecrets(
  key: SealingKeys,
  endpointId: string,
  sealed: readonly SealedSigningSecret[],
): Promise<OpenedSecrets> {
  const opened: OpenedSecrets = { secrets: [], unopened: [] };
  for (const row of sealed) {
    try {
      opened.secrets.push(await decryptSecret(key, row.sealed, boundTo(endpointId, row.id)));
    } catch {
      opened.unopened.push(row.id);
    }
  }
  return opened;
}
