// Each connection's webhook: a secret in the URL (Kommo does not sign deliveries), kept hashed to find the
// connection and encrypted to show the URL to the organisation's admins; registered in Kommo when allowed.
import { randomToken, sha256Hex } from '../crypto.ts';
import type { Queryable, Row } from '../db/types.ts';
import { decryptSecret, encryptSecret } from '../secrets/sealed.ts';
import type { KommoApi } from './api.ts';
import type { KommoConfig } from './config.ts';

/** The lead events Closer reads: stage changes (won, lost, any stage) and deletions. */
export const WEBHOOK_EVENTS = ['status_lead', 'delete_lead'] as const;

/** `<functions url>/kommo/webhooks/<secret>`, beside the OAuth callback registered in Kommo. */
export const webhookUrlFor = (config: KommoConfig, token: string) =>
  new URL(`../webhooks/${token}`, config.redirectUri).toString();

/** The connection's webhook secret, created on first connect and kept across re-authorisations. */
export async function ensureWebhookToken(
  tx: Queryable,
  config: KommoConfig,
  connectionId: string,
): Promise<string> {
  const [row] = await tx.query<{ webhook_token_enc: string | null }>(
    'select webhook_token_enc from public.kommo_connections where id = $1',
    [connectionId],
  );
  if (row?.webhook_token_enc) return decryptSecret(config.sealingKeys, row.webhook_token_enc, connectionId);
  const token = `whk_${randomToken(24)}`;
  await tx.query(
    `update public.kommo_connections set webhook_token_hash = $2, webhook_token_enc = $3, webhook_registered = false
     where id = $1`,
    [connectionId, sha256Hex(token), await encryptSecret(config.sealingKeys, token, connectionId)],
  );
  return token;
}

export async function revealWebhookUrl(config: KommoConfig, row: Row): Promise<string | null> {
  if (!row.webhook_token_enc) return null;
  const token = await decryptSecret(config.sealingKeys, row.webhook_token_enc as string, row.id as string);
  return webhookUrlFor(config, token);
}

/**
 * Subscribes the URL in Kommo (`POST /api/v4/webhooks`). Kommo allows it to account admins on plans with
 * webhooks; a refusal is returned as the reason, and the admin can add the URL by hand.
 */
export async function registerWebhook(api: KommoApi, destination: string): Promise<string | null> {
  try {
    await api.request('POST', '/api/v4/webhooks', { destination, settings: [...WEBHOOK_EVENTS] });
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Best effort at disconnect: Kommo stops calling; if it cannot be told, the erased secret answers 404. */
export async function unregisterWebhook(api: KommoApi, destination: string): Promise<void> {
  await api.request('DELETE', '/api/v4/webhooks', { destination }).catch(() => undefined);
}
