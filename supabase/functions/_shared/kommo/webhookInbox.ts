// Receiving one Kommo webhook delivery: find the connection by its secret, read the body, skip other accounts
// and repeats (same body), and apply the rest in one transaction — no call to Kommo, so it answers at once.
import type { KommoPipeline } from '@closer/contract';
import { sha256Hex } from '../crypto.ts';
import { withTenant } from '../db/tenant.ts';
import type { Database } from '../db/types.ts';
import { notFound } from '../http/errors.ts';
import { applyHumanReplies, applyResumeTags, type HumanReplySettings } from './salesbot/humanReplies.ts';
import { applyDelivery, parseDelivery } from './webhookDelivery.ts';

export type DeliveryOutcome =
  | { received: true; ignored: string }
  | { received: true; duplicate: boolean; moved: number; deleted: number; paused?: number; resumed?: number };

interface WebhookConnection {
  id: string;
  org_id: string;
  account_id: string | null;
  subdomain: string | null;
  pipelines: KommoPipeline[];
}

export async function receiveDelivery(
  db: Database,
  token: string,
  contentType: string | undefined,
  raw: string,
  humanReplies: HumanReplySettings = { pauseMinutes: 60, resumeKeyword: '/bot', resumeTag: 'closer-ai' },
): Promise<DeliveryOutcome> {
  if (!/^whk_[A-Za-z0-9_-]{16,128}$/.test(token)) throw notFound('Webhook');
  // Before any tenant is known: looked up as the connection's owner, by the secret's hash.
  const [connection] = await db.query<WebhookConnection>(
    `select id, org_id, account_id, subdomain, pipelines from public.kommo_connections
     where webhook_token_hash = $1 and status <> 'disconnected'`,
    [await sha256Hex(token)],
  );
  if (!connection) throw notFound('Webhook');
  const delivery = parseDelivery(contentType, raw);
  const account = delivery.account;
  const foreign =
    (account?.id !== undefined &&
      connection.account_id !== null &&
      account.id !== Number(connection.account_id)) ||
    (account?.subdomain !== undefined &&
      connection.subdomain !== null &&
      account.subdomain !== connection.subdomain);
  if (foreign) return { received: true, ignored: 'another Kommo account' };
  return withTenant(db, { role: 'authenticated', org_id: connection.org_id }, async (tx) => {
    // Recorded and applied in one transaction, so `processed_at` is true of every stored delivery.
    const [fresh] = await tx.query(
      `insert into public.webhook_events (org_id, connection_id, dedupe_key, payload, processed_at)
       values ($1, $2, $3, $4::jsonb, now()) on conflict (connection_id, dedupe_key) do nothing returning id`,
      [connection.org_id, connection.id, await sha256Hex(raw), JSON.stringify(delivery)],
    );
    if (!fresh) return { received: true, duplicate: true, moved: 0, deleted: 0 };
    const applied = await applyDelivery(tx, delivery, connection.pipelines, new Date());
    const messages = delivery.message?.add ?? [];
    const updates = delivery.leads?.update ?? [];
    if (messages.length === 0 && updates.length === 0)
      return { received: true, duplicate: false, ...applied };
    const talks = await applyHumanReplies(tx, connection.id, messages, humanReplies);
    talks.resumed += await applyResumeTags(tx, connection.id, updates, humanReplies);
    return { received: true, duplicate: false, ...applied, ...talks };
  });
}
