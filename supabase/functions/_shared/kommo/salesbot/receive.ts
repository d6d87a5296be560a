// The part of a Salesbot request answered before Kommo's 2 seconds are up: the token checked, the account and
// agent matched to a connection, the return_url checked, and the delivery recorded once (a repeat is recognised
// by the message id, else by the continue id). No model and no call to Kommo here.
import { withTenant } from '../../db/tenant.ts';
import type { Database } from '../../db/types.ts';
import { ApiError } from '../../http/errors.ts';
import type { KommoConfig } from '../config.ts';
import { type ContinueTarget, continueTarget, type SalesbotRequest } from './request.ts';
import { type SalesbotClaims, verifySalesbotToken } from './token.ts';

/** A delivery accepted for an answer: everything the background part needs. */
export interface SalesbotDelivery {
  orgId: string;
  connectionId: string;
  agentId: string;
  /** The delivery's row in webhook_events (its outcome is written there). */
  eventId: string;
  token: SalesbotClaims;
  data: SalesbotRequest['data'];
  target: ContinueTarget;
}

export type Receipt = { duplicate: true } | { duplicate: false; delivery: SalesbotDelivery };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function receiveSalesbotRequest(
  db: Database,
  config: KommoConfig,
  agentId: string,
  request: SalesbotRequest,
): Promise<Receipt> {
  const token = await verifySalesbotToken(request.token, config.clientSecret);
  if (!UUID.test(agentId)) throw new ApiError('not_found', 'Agent not found');
  // Before any tenant is known: looked up as the owner, by the verified account and the agent the URL names.
  const [connection] = await db.query<{ id: string; org_id: string; subdomain: string }>(
    `select k.id, k.org_id, k.subdomain from public.kommo_connections k
     join public.agents a on a.org_id = k.org_id and a.id = $2
     where k.status = 'connected' and k.subdomain = $3 and (k.account_id = $1 or k.account_id is null)`,
    [token.accountId, agentId, token.subdomain],
  );
  if (!connection) {
    throw new ApiError(
      'unauthorized',
      'Salesbot request refused: this Kommo account is not connected to the agent in the URL',
    );
  }
  const target = continueTarget(request.return_url, config, connection.subdomain);
  const messageKey = request.data.message_id
    ? `salesbot:message:${request.data.message_id}`
    : `salesbot:continue:${target.botId}:${target.continueId}`;
  const [event] = await withTenant(db, { role: 'authenticated', org_id: connection.org_id }, (tx) =>
    tx.query<{ id: string }>(
      `insert into public.webhook_events (org_id, connection_id, dedupe_key, payload)
       values ($1, $2, $3, $4::jsonb) on conflict (connection_id, dedupe_key) do nothing returning id`,
      [
        connection.org_id,
        connection.id,
        messageKey,
        JSON.stringify({
          kind: 'salesbot',
          token,
          data: { ...request.data, message: undefined },
          continue: target.path,
        }),
      ],
    ),
  );
  if (!event) return { duplicate: true };
  return {
    duplicate: false,
    delivery: {
      orgId: connection.org_id,
      connectionId: connection.id,
      agentId,
      eventId: event.id,
      token,
      data: request.data,
      target,
    },
  };
}
